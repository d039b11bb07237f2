"""Programme pages through the client: the catalogue's list and programme page
with the person's progress, My learning, and the authors' pages (import,
edit, review by someone else, publish with backfill)."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.programmes import services
from lms.programmes.models import Programme, ProgrammeCompletion
from tests.builders import NOW, make_user
from tests.programmes.helpers import courses, finish, spec
from tests.web.helpers import login, text

CODES = ("A-1", "A-2", "B-1", "B-2", "B-3")

TOML = '''code = "PG-W"
title = "网页项目"
description = "说明<script>alert(1)</script>"
min_optional = 1

[[courses]]
code = "A-1"

[[courses]]
code = "B-1"
required = false
'''


def upload(client, data: str):
    return client.post("/authoring/programmes/import", data={"file": (io.BytesIO(data.encode()), "programme.toml")},
                       content_type="multipart/form-data")


def test_catalogue_and_my_learning_show_the_progress(client, build, completed_events):
    def setup(s):
        c = courses(s, *CODES)
        learner = make_user(s, username="lea", language="en")
        services.import_programme(s, spec(), now=NOW, publish=True)
        finish(s, learner, c["A-1"])
        finish(s, learner, c["B-1"])
    build(setup)
    assert "测试项目" in text(client.get("/programmes"))
    anonymous = text(client.get("/programmes/PG-T"))
    assert "A-1" in anonymous and "<script>x</script>" not in anonymous and "<strong>项目</strong>" in anonymous
    login(client, "lea")
    page = text(client.get("/programmes/PG-T"))
    assert "2 of 4 courses done" in page
    assert page.index("A-1") < page.index("A-2") < page.index("B-1")  # in order
    my = text(client.get("/my"))
    assert "My programmes" in my and "2 of 4 courses done" in my
    assert client.get("/programmes/NOPE").status_code == 404


def test_import_in_the_browser_refuses_a_bad_package_and_changes_nothing(client, build, query):
    build(lambda s: (courses(s, "A-1", "B-1"), make_user(s, username="au", roles=("author",))))
    login(client, "au")
    bad = upload(client, TOML.replace("min_optional = 1", "min_optional = 5"))
    assert bad.status_code == 422
    assert "asks for 5 optional course(s) but the programme lists 1" in text(bad)
    unknown = upload(client, TOML.replace('code = "B-1"', 'code = "ZZ-9"'))
    assert unknown.status_code == 422 and "ZZ-9" in text(unknown)
    assert query(lambda s: s.scalar(select(func.count()).select_from(Programme))) == 0
    good = upload(client, TOML)
    assert good.status_code == 302
    programme = query(lambda s: s.scalar(select(Programme)))
    assert (programme.code, programme.status) == ("PG-W", "draft")
    assert "<script>" not in programme.description_html
    exported = client.get("/authoring/programmes/PG-W/programme.toml")
    assert exported.status_code == 200 and b'code = "B-1"' in exported.data
    assert "programme.imported" in query(lambda s: list(s.scalars(select(AuditEvent.action))))


def test_review_by_another_author_publishes_and_backfills(client, build, query, completed_events):
    def setup(s):
        c = courses(s, "A-1", "B-1")
        make_user(s, username="au", roles=("author",), language="en")
        make_user(s, username="rev", roles=("author",), language="en")
        done = make_user(s, username="done")
        finish(s, done, c["A-1"])
        finish(s, done, c["B-1"])
    build(setup)
    login(client, "au")
    upload(client, TOML)
    edit = client.post("/authoring/programmes/PG-W/edit", data={"title": "改过的项目", "courses": "A-1\nB-1 optional",
                                                                "min_optional": "1", "professions": "trainer"})
    assert edit.status_code == 302
    bad_edit = client.post("/authoring/programmes/PG-W/edit", data={"title": "x", "courses": "A-1\nB 1 2"})
    assert bad_edit.status_code == 422 and "Line 2 of the course list" in text(bad_edit)
    client.post("/authoring/programmes/PG-W/submit")
    own = client.post("/authoring/programmes/PG-W/approve", data={"comment": ""}, follow_redirects=True)
    assert "another author or an administrator must review it" in text(own)
    assert query(lambda s: s.scalar(select(Programme.status))) == "review"
    login(client, "rev")
    published = client.post("/authoring/programmes/PG-W/approve", data={"comment": "好"}, follow_redirects=True)
    assert "1 person who had already completed its courses completed the programme" in text(published)
    assert query(lambda s: (s.scalar(select(Programme.title)), s.scalar(select(Programme.status)))) == \
        ("改过的项目", "published")
    assert query(lambda s: s.scalar(select(func.count()).select_from(ProgrammeCompletion))) == 1
    assert len(completed_events) == 1
    assert {"programme.submit", "programme.approve", "programme.edited"} <= \
        set(query(lambda s: list(s.scalars(select(AuditEvent.action)))))
