"""Attendance: the form on the session page, the sign-in sheet (all or
nothing), completion at the moment attendance is recorded, the trainer's queue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.classroom import services
from lms.classroom.models import SessionAttendance
from lms.learn import services as learning
from lms.learn.models import CourseCompletion, Enrolment, LessonCompletion
from lms.orgs.scope import staff_scope
from tests.classroom.conftest import START, as_user, sign_up
from tests.web.helpers import text


def marks(query, cw) -> dict[int, tuple[str, int | None]]:
    return dict((u, (st, by)) for u, st, by in query(lambda s: s.execute(
        select(SessionAttendance.user_id, SessionAttendance.status, SessionAttendance.marked_by_id)
        .where(SessionAttendance.session_id == cw.session_id)).all()))


def test_the_trainer_marks_attendance_after_the_start(client, cw, build, clock, query):
    sign_up(build, cw, "xw1", "xw2", "xw3")  # xw3 waits (2 places)
    as_user(client, "njtrainer")
    url = f"/classroom/sessions/{cw.session_id}/attendance"
    response = client.post(url, data={f"status-{cw.user('xw1')}": "present"}, follow_redirects=True)
    assert "Attendance can be recorded once the session has started." in text(response)
    assert marks(query, cw) == {}
    clock.now = START + timedelta(hours=1)
    as_user(client, "njtrainer")  # a login session ages by the (moved) clock
    page = text(client.get(f"/classroom/sessions/{cw.session_id}"))
    assert f'name="status-{cw.user("xw1")}"' in page and f'name="status-{cw.user("xw3")}"' not in page
    response = client.post(url, data={f"status-{cw.user('xw1')}": "present", f"status-{cw.user('xw2')}": "excused"},
                           follow_redirects=True)
    assert "Attendance saved: 2 changed." in text(response)
    trainer = cw.user("njtrainer")
    assert marks(query, cw) == {cw.user("xw1"): ("present", trainer), cw.user("xw2"): ("excused", trainer)}
    # Only people booked: someone waiting cannot be marked; nothing of that request is kept.
    response = client.post(url, data={f"status-{cw.user('xw2')}": "absent", f"status-{cw.user('xw3')}": "present"},
                           follow_redirects=True)
    assert "Attendance can only be recorded for people booked on the session." in text(response)
    assert marks(query, cw)[cw.user("xw2")][0] == "excused"
    assert client.post(url, data={f"status-{cw.user('xw1')}": "maybe"}).status_code == 400
    assert query(lambda s: services.attended_sessions(s, user_id=cw.user("xw1"), course_id=cw.course_id)) == 1
    assert query(lambda s: services.attended_sessions(s, user_id=cw.user("xw2"), course_id=cw.course_id)) == 0


def test_a_manager_of_the_unit_marks_attendance_too(client, cw, build, clock, query):
    sign_up(build, cw, "xw1")
    clock.now = START + timedelta(hours=1)
    as_user(client, "njboss")
    client.post(f"/classroom/sessions/{cw.session_id}/attendance", data={f"status-{cw.user('xw1')}": "absent"})
    assert marks(query, cw) == {cw.user("xw1"): ("absent", cw.user("njboss"))}


def test_marking_present_completes_the_course_at_that_moment(client, cw, build, clock, query, monkeypatch):
    sign_up(build, cw, "xw1", "xw2")

    def lessons_done(s):  # xw1 has done every lesson (recorded without the completion check)
        enrolment = s.scalar(select(Enrolment).where(Enrolment.user_id == cw.user("xw1")))
        for lesson in enrolment.version.lessons:
            s.add(LessonCompletion(user_id=cw.user("xw1"), lesson_id=lesson.id, completed_at=START))
    build(lessons_done)
    calls = []
    real = learning.complete_course_if_done
    monkeypatch.setattr(learning, "complete_course_if_done", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    clock.now = START + timedelta(hours=2)
    as_user(client, "njtrainer")
    client.post(f"/classroom/sessions/{cw.session_id}/attendance",
                data={f"status-{cw.user('xw1')}": "present", f"status-{cw.user('xw2')}": "absent"})
    assert [(c["user_id"], c["course_id"]) for c in calls] == [(cw.user("xw1"), cw.course_id)]  # present only
    done = query(lambda s: s.execute(select(CourseCompletion.user_id, CourseCompletion.completed_at)).all())
    assert [tuple(r) for r in done] == [(cw.user("xw1"), START + timedelta(hours=2))]


def csv_post(client, cw, content: str):
    from io import BytesIO

    return client.post(f"/classroom/sessions/{cw.session_id}/attendance/import",
                       data={"file": (BytesIO(content.encode()), "sheet.csv")}, content_type="multipart/form-data")


def test_the_sign_in_sheet_is_all_or_nothing(client, cw, build, clock, query):
    sign_up(build, cw, "xw1", "xw2", "xw3")
    clock.now = START + timedelta(hours=3)
    as_user(client, "njtrainer")
    assert client.get(f"/classroom/sessions/{cw.session_id}/attendance/import").status_code == 200
    bad = "username,status\nxw1,present\nnobody,present\nxw3,present\nxw2,late\nxw1,absent\n"
    response = csv_post(client, cw, bad)
    assert response.status_code == 422
    body = text(response)
    assert "line 3: unknown username nobody" in body
    assert "line 4: xw3 is not booked on this session" in body
    assert "line 5: bad status &#39;late&#39; (one of: present, absent, excused)" in body
    assert "line 6: xw1 appears twice (line 2)" in body
    assert marks(query, cw) == {}  # nothing changed, not even the good line
    response = csv_post(client, cw, "Username,Status\nxw1,present\nxw2,Absent\n")
    assert response.status_code == 200 and "Attendance saved: 2 changed." in text(response)
    assert {k: v[0] for k, v in marks(query, cw).items()} == {cw.user("xw1"): "present", cw.user("xw2"): "absent"}
    assert csv_post(client, cw, "username\nxw1\n").status_code == 422  # missing column


def test_the_queue_lists_ended_sessions_until_attendance_is_recorded(client, cw, build, clock, query):
    sign_up(build, cw, "xw1", "xw2")
    clock.now = START + timedelta(hours=1)  # not ended yet
    as_user(client, "njtrainer")
    assert "面授" not in text(client.get("/classroom/queue"))
    clock.now = START + timedelta(days=1)
    as_user(client, "njtrainer")
    body = text(client.get("/classroom/queue"))
    assert "面授：养老保险, 第一期" in body and 'class="due overdue"' not in body
    clock.now = START + timedelta(days=4)
    as_user(client, "njtrainer")
    body = text(client.get("/classroom/queue"))
    assert 'class="due overdue"' in body and "<strong>2</strong>people not recorded" in body.replace("\n", "")
    as_user(client, "szboss")  # another city: not in their queue
    assert "面授" not in text(client.get("/classroom/queue"))
    as_user(client, "njtrainer")
    client.post(f"/classroom/sessions/{cw.session_id}/attendance", data={f"status-{cw.user('xw1')}": "present"})
    def counts_for(s):
        trainer = s.get(User, cw.user("njtrainer"))
        return services.attendance_queue_counts(s, user=trainer, scope=staff_scope(s, trainer), now=clock.now)
    counts = query(counts_for)
    assert counts == services.QueueCounts(sessions=1, overdue=1, unmarked=1)
    home = text(client.get("/my"))  # the count on the trainer's home page, overdue marked
    assert '<li class="overdue"><a href="/classroom/queue">Sessions with attendance to confirm: 1</a></li>' in home
    client.post(f"/classroom/sessions/{cw.session_id}/attendance", data={f"status-{cw.user('xw2')}": "absent"})
    assert "Nothing waits" in text(client.get("/classroom/queue"))
