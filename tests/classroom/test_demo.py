"""`lms create-demo`: the trainer account holds the trainer role and an
upcoming session of a starter course has three people booked (created once)."""
from __future__ import annotations

from pathlib import Path

from content import load_package
from lms.classroom.demo import TITLE, create_demo_session
from lms.courses.services import import_course
from lms.demo import DEMO_PASSWORD, create_demo
from tests.builders import NOW
from tests.web.helpers import login, text

COURSES = Path(__file__).resolve().parents[2] / "courses"


def test_the_demo_has_a_trainer_and_an_upcoming_session(app, build, client, clock):
    build(lambda s: import_course(s, load_package(COURSES / "ss-pension-basics"), now=NOW))
    build(lambda s: create_demo(s, now=NOW))
    session_id = build(lambda s: create_demo_session(s, now=NOW).id)
    assert build(lambda s: create_demo_session(s, now=NOW)) is None  # once
    assert login(client, "trainer", DEMO_PASSWORD).status_code == 302
    client.post("/auth/language", data={"language": "en"})
    page = text(client.get(f"/classroom/sessions/{session_id}"))
    assert TITLE in page and "Booked (3)" in page and "江苏省社会保险培训中心" in page
    assert f"/classroom/sessions/{session_id}/edit" in page  # the trainer runs it
    assert TITLE in text(client.get("/classroom/"))


def test_the_demo_has_a_classroom_completion_recorded_by_the_trainer(app, build, client):
    build(lambda s: import_course(s, load_package(COURSES / "tr-counter-service"), now=NOW))
    build(lambda s: create_demo(s, now=NOW))
    build(lambda s: create_demo(s, now=NOW))  # once
    assert login(client, "trainer", DEMO_PASSWORD).status_code == 302
    client.post("/auth/language", data={"language": "en"})
    listing = text(client.get("/records/"))
    assert "1 recorded completion" in listing and "TR-SVC-201" in listing and "Classroom" in listing
    coverage = text(client.get("/reports/coverage?mode=classroom"))
    assert 'data-mode="classroom">1<' in coverage
