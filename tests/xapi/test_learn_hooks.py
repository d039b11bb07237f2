"""lms.learn raises lesson_completed and quiz_graded once per event, in the
request's transaction: doing a lesson again, or replaying a submission, records
nothing more. The lesson page's write path costs one extra INSERT, one SELECT."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from lms import events
from lms.xapi.models import XapiStatement
from tests.web.helpers import attempt_id_from, form_answers, login
from tests.xapi.conftest import stored


@pytest.fixture
def calls(monkeypatch):
    """Every call of the two learn hooks, on top of their real subscribers."""
    seen: list[tuple[str, dict]] = []
    for hook in (events.lesson_completed, events.quiz_graded):
        def spy(session, _name=hook.name, **kwargs):
            seen.append((_name, kwargs))
        monkeypatch.setattr(hook, "_subscribers", [*hook._subscribers, spy])
    return seen


def test_lesson_done_twice_and_a_replayed_submission_record_once(client, world, calls, query):
    assert login(client, "alice").status_code == 302
    assert client.post("/courses/T-101/enrol").status_code == 302
    for _ in range(2):
        assert client.post("/courses/T-101/lessons/lesson-1/done").status_code == 302
    assert [name for name, _ in calls] == ["lesson_completed"]
    assert calls[0][1]["user_id"] == world.users["alice"] and calls[0][1]["course_id"] == world.course_id

    attempt_id = attempt_id_from(client.post("/courses/T-101/quiz/start"))
    fields = form_answers(query, attempt_id, {})  # nothing answered: failed
    for _ in range(2):  # the second is a replay: refused
        client.post(f"/attempts/{attempt_id}", data=fields)
    assert [name for name, _ in calls] == ["lesson_completed", "quiz_graded"]
    assert calls[1][1] == {"user_id": world.users["alice"], "attempt_id": attempt_id, "now": calls[1][1]["now"]}
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in stored(query)]
    assert verbs == ["experienced", "failed"]


def test_moving_to_a_new_version_copies_progress_without_new_statements(world, build, query):
    """Lessons carried over to a newer version were not experienced again."""
    from lms.courses.models import Course
    from lms.learn import services as learning
    from tests import builders
    from tests.builders import NOW

    def first(s):
        course = s.get(Course, world.course_id)
        enrolment = learning.enrol(s, user_id=world.users["alice"], course=course, now=NOW)
        learning.complete_lesson(s, user_id=world.users["alice"], lesson=enrolment.version.lessons[0], now=NOW)

    build(first)
    build(lambda s: builders.make_course(s, "T-101", title="养老保险入门", lessons=3))  # a new live version
    build(lambda s: learning.move_to_latest_version(s, user_id=world.users["alice"], course=s.get(Course, world.course_id),
                                                    now=NOW))
    assert [s["object"]["id"].rsplit("/", 1)[1] for s in stored(query)] == ["lesson-1"]


def test_the_lesson_write_path_adds_one_insert_and_one_select(app, client, world, query):
    """What recording the statement costs on the hot path: one SELECT (who,
    which lesson) and one INSERT; nothing when the lesson was done before."""
    assert login(client, "alice").status_code == 302
    client.post("/courses/T-101/enrol")
    statements: list[str] = []
    engine = app.extensions["lms_db"].engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        client.post("/courses/T-101/lessons/lesson-1/done")
        first = list(statements)
        statements.clear()
        client.post("/courses/T-101/lessons/lesson-1/done")
        again = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    def ours(sql: list[str]) -> list[str]:
        return [s.lstrip().split()[0].upper() for s in sql
                if "xapi_statements" in s or ("users.username" in s and "lessons.slug" in s)]

    assert ours(first) == ["SELECT", "INSERT"]
    assert ours(again) == []
    assert query(lambda s: s.scalar(select(func.count()).select_from(XapiStatement))) == 1
