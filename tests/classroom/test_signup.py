"""Sign-up, the waiting list filled in order, cancellations and their messages,
scheduling and scope, through the pages."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lms.classroom.models import ClassroomSession
from lms.courses.models import Course
from lms.learn.models import Enrolment
from tests.builders import NOW
from tests.classroom.conftest import START, as_user, booked_count, outbox, sign_up, states
from tests.web.helpers import location, text


def page(client, cw):
    return client.get(f"/classroom/sessions/{cw.session_id}")


def test_a_learner_signs_up_and_is_enrolled(client, cw, query):
    as_user(client, "xw1")
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup")
    assert response.status_code == 302
    body = text(client.get(location(response)))
    assert "You are booked." in body and "Cancel my sign-up" in body
    assert states(query, cw) == {"xw1": ("booked", None)}
    assert query(lambda s: s.scalar(select(Enrolment.source).where(Enrolment.user_id == cw.user("xw1"))))
    # Twice: still one place.
    client.post(f"/classroom/sessions/{cw.session_id}/signup")
    assert booked_count(query, cw) == 1
    # The instructions are Markdown, sanitised.
    assert "<strong>身份证</strong>" in body and "<script>" not in body


def test_the_waiting_list_is_filled_in_order_with_a_message(client, cw, build, query):
    assert sign_up(build, cw, "xw1", "xw2", "xw3", "xw4", "xw5") == ["booked", "booked", "waiting", "waiting", "waiting"]
    assert states(query, cw)["xw3"][0] == "waiting"
    as_user(client, "xw5")
    assert "number 3 on the waiting list" in text(page(client, cw))
    # xw1 gives up their place: the first waiting (xw3) gets it, in the same request, and is told.
    as_user(client, "xw1")
    assert client.post(f"/classroom/sessions/{cw.session_id}/withdraw").status_code == 302
    now = states(query, cw)
    assert now["xw1"] == ("cancelled", None) and now["xw3"] == ("booked", None) and now["xw4"][0] == "waiting"
    assert booked_count(query, cw) == 2
    assert outbox(query) == [("xw3@example.org", "session_place", "A place is yours: 面授：养老保险, 第一期")]
    # The trainer cancels xw2 (who writes Chinese): xw4 is next, not xw5.
    as_user(client, "njtrainer")
    client.post(f"/classroom/sessions/{cw.session_id}/withdraw", data={"user_id": cw.user("xw2")})
    now = states(query, cw)
    assert now["xw2"][0] == "cancelled" and now["xw4"] == ("booked", None) and now["xw5"][0] == "waiting"
    assert [r[0] for r in outbox(query, "session_place")] == ["xw3@example.org", "xw4@example.org"]
    # A waiting person leaving frees no place.
    as_user(client, "xw5")
    client.post(f"/classroom/sessions/{cw.session_id}/withdraw")
    assert booked_count(query, cw) == 2 and len(outbox(query)) == 2
    # Signing up again puts them at the end of the list.
    client.post(f"/classroom/sessions/{cw.session_id}/signup")
    assert states(query, cw)["xw5"][0] == "waiting"


def test_the_manager_signs_up_and_cancels_people_of_their_subtree(client, cw, query):
    as_user(client, "njboss")
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup", data={"username": "xwstaff"}, follow_redirects=True)
    assert "xwstaff is booked." in text(response)
    assert states(query, cw) == {"xwstaff": ("booked", None)}
    assert query(lambda s: s.scalar(select(Enrolment.source).where(Enrolment.user_id == cw.user("xwstaff")))) == "assigned"
    # Someone outside the manager's subtree cannot be signed up by them.
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup", data={"username": "szstaff"}, follow_redirects=True)
    assert "No one of your org unit has this username." in text(response)
    assert "szstaff" not in states(query, cw)
    client.post(f"/classroom/sessions/{cw.session_id}/withdraw", data={"user_id": cw.user("xwstaff")})
    assert states(query, cw)["xwstaff"][0] == "cancelled"


def test_a_manager_of_another_unit_cannot_manage_the_session(client, cw, build, query):
    sign_up(build, cw, "xw1")
    as_user(client, "szboss")
    base = f"/classroom/sessions/{cw.session_id}"
    assert client.get(base + "/edit").status_code == 404
    assert client.post(base + "/cancel").status_code == 404
    assert client.post(base + "/attendance", data={f"status-{cw.user('xw1')}": "present"}).status_code == 404
    assert client.get(base + "/attendance/import").status_code == 404
    assert client.post(base + "/withdraw", data={"user_id": cw.user("xw1")}).status_code == 404
    body = text(client.get(base))
    assert "xw1" not in body and "Cancel this session" not in body  # not their people, not their session
    assert states(query, cw) == {"xw1": ("booked", None)}
    # A learner: 403 on staff pages.
    as_user(client, "xw2")
    assert client.get(base + "/edit").status_code == 403
    assert client.get("/classroom/queue").status_code == 403


def test_cancelling_the_session_tells_everyone(client, cw, build, query):
    sign_up(build, cw, "xw1", "xw2", "xw3")
    as_user(client, "njtrainer")
    asked = client.post(f"/classroom/sessions/{cw.session_id}/cancel")  # asks first, changes nothing
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in text(asked)
    assert {v[0] for v in states(query, cw).values()} == {"booked", "waiting"}
    response = client.post(f"/classroom/sessions/{cw.session_id}/cancel", data={"confirm": "yes"}, follow_redirects=True)
    assert "The session is cancelled; 3 people are told." in text(response)
    assert {v[0] for v in states(query, cw).values()} == {"cancelled"}
    told = outbox(query, "session_cancelled")
    assert sorted(r[0] for r in told) == ["xw1@example.org", "xw2@example.org", "xw3@example.org"]
    assert {r[2] for r in told} == {"Session cancelled: 面授：养老保险, 第一期", "面授已取消：面授：养老保险, 第一期"}  # each in their language
    # Cancelled: nobody can sign up.
    as_user(client, "xw4")
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup", follow_redirects=True)
    assert "This session is cancelled." in text(response)
    assert "xw4" not in states(query, cw)


def test_scheduling_a_session_in_the_site_time_zone(client, cw, query):
    as_user(client, "njtrainer")
    form = client.get("/classroom/new?course=T-101")
    assert form.status_code == 200
    data = {"course_id": cw.course_id, "title": "第二期", "instructions": "带上身份证。", "starts_at": "2026-03-10T09:00",
            "ends_at": "2026-03-10T12:00", "place": "201室", "org_unit_id": cw.world.units["XW"],
            "trainer_id": cw.user("njtrainer"), "capacity": "10"}
    response = client.post("/classroom/new", data=data)
    assert response.status_code == 302, text(response)
    new_id = int(location(response).rsplit("/", 1)[1])
    cs = query(lambda s: s.get(ClassroomSession, new_id))
    assert (cs.starts_at.hour, cs.ends_at.hour) == (1, 4)  # 09:00 in Shanghai is 01:00 UTC
    # Outside the trainer's subtree (SZ), in the past, or ending before it starts: refused, nothing saved.
    for change, message in (({"org_unit_id": cw.world.units["SZ"]}, "Choose a training centre within your org unit."),
                            ({"starts_at": "2026-03-01T09:00"}, "A new session must start in the future."),
                            ({"ends_at": "2026-03-10T08:00"}, "The session must end after it starts."),
                            ({"trainer_id": cw.user("sztrainer")}, "Not a valid choice")):
        assert message in text(client.post("/classroom/new", data=data | change))
    assert query(lambda s: s.query(ClassroomSession).count()) == 2


def test_a_smaller_capacity_is_refused_a_larger_one_books_the_waiting(client, cw, build, query):
    sign_up(build, cw, "xw1", "xw2", "xw3")
    as_user(client, "njboss")
    page_ = client.get(f"/classroom/sessions/{cw.session_id}/edit")
    assert page_.status_code == 200
    data = {"title": "面授", "instructions": "带上身份证。", "starts_at": "2026-03-05T17:00", "ends_at": "2026-03-05T20:00",
            "place": "201室", "org_unit_id": cw.world.units["NJ"], "trainer_id": cw.user("njtrainer"), "capacity": "1",
            "course_id": cw.course_id}
    assert "2 people are booked: the capacity cannot be lower." in text(client.post(f"/classroom/sessions/{cw.session_id}/edit", data=data))
    assert client.post(f"/classroom/sessions/{cw.session_id}/edit", data=data | {"capacity": "3"}).status_code == 302
    assert states(query, cw)["xw3"] == ("booked", None)
    assert outbox(query, "session_place")[0][0] == "xw3@example.org"


def test_the_course_page_and_my_learning_show_the_sessions(client, cw, clock):
    client.post("/auth/language", data={"language": "en"})
    anonymous = text(client.get("/courses/T-101"))
    assert "面授：养老保险, 第一期" in anonymous and "Log in to sign up" in anonymous
    as_user(client, "xw1")
    body = text(client.get("/courses/T-101"))
    assert f'action="/classroom/sessions/{cw.session_id}/signup"' in body
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup", data={"back": "course"})
    assert location(response).endswith("/courses/T-101")
    my = text(client.get("/my"))
    assert "My classroom sessions" in my and f"/classroom/sessions/{cw.session_id}.ics" in my
    assert "面授：养老保险, 第一期" in text(client.get("/classroom/?course=T-101"))
    # Once it has ended, it leaves My learning, the list and the course page.
    clock.now = START + timedelta(days=1)
    as_user(client, "xw1")
    assert "My classroom sessions" not in text(client.get("/my"))
    assert "面授：养老保险, 第一期" not in text(client.get("/classroom/"))
    assert "Classroom sessions" not in text(client.get("/courses/T-101"))


def test_no_sign_up_after_the_start(client, cw, clock, query):
    clock.now = START + timedelta(minutes=1)
    as_user(client, "xw1")
    response = client.post(f"/classroom/sessions/{cw.session_id}/signup", follow_redirects=True)
    assert "This session has already started." in text(response)
    assert states(query, cw) == {}
    assert NOW < START


def test_times_are_typed_in_the_persons_own_zone(client, cw, build, query):
    from lms.auth.models import User

    build(lambda s: setattr(s.get(User, cw.user("njtrainer")), "timezone", "Europe/London"))
    as_user(client, "njtrainer")
    assert "Europe/London" in text(client.get("/classroom/new"))
    data = {"course_id": cw.course_id, "title": "第三期", "instructions": "带上身份证。", "starts_at": "2026-03-10T09:00",
            "ends_at": "2026-03-10T12:00", "place": "201室", "org_unit_id": cw.world.units["NJ"],
            "trainer_id": cw.user("njtrainer"), "capacity": "10"}
    new_id = int(location(client.post("/classroom/new", data=data)).rsplit("/", 1)[1])
    assert query(lambda s: s.get(ClassroomSession, new_id).starts_at.hour) == 9  # London is UTC in March


def test_a_session_needs_the_course_terms_and_its_own_instructions(client, cw, build, query):
    """A session is held on its course's terms of reference (shown on its page)
    and says what it covers itself; without either it is not scheduled."""
    as_user(client, "njtrainer")
    page_ = text(client.get(f"/classroom/sessions/{cw.session_id}"))
    assert "The course's terms of reference" in page_ and "了解养老保险的基本制度。" in page_
    data = {"course_id": cw.course_id, "title": "第二期", "instructions": "带上身份证。", "starts_at": "2026-03-10T09:00",
            "ends_at": "2026-03-10T12:00", "place": "201室", "org_unit_id": cw.world.units["XW"],
            "trainer_id": cw.user("njtrainer"), "capacity": "10"}
    refused = client.post("/classroom/new", data=data | {"instructions": "  \n"})
    assert "Say what the session covers and what the participants need (the instructions)." in text(refused)
    build(lambda s: s.execute(update(Course).where(Course.id == cw.course_id).values(supports_md="", supports_html="")))
    refused = client.post("/classroom/new", data=data)
    assert "terms of reference are incomplete (missing: Supports); its authors must complete them" in text(refused)
    assert query(lambda s: s.query(ClassroomSession).count()) == 1
    build(lambda s: s.execute(update(Course).where(Course.id == cw.course_id).values(supports_md="教材", supports_html="<p>教材</p>")))
    assert client.post("/classroom/new", data=data).status_code == 302


def test_a_session_from_before_the_rule_can_still_be_edited(client, cw, build, query):
    """Sessions scheduled before instructions and complete terms were required
    keep being edited (a new room, more places); instructions once given are
    never emptied."""
    as_user(client, "njtrainer")
    data = {"title": "面授", "instructions": "", "starts_at": "2026-03-05T17:00", "ends_at": "2026-03-05T20:00",
            "place": "301室", "org_unit_id": cw.world.units["NJ"], "trainer_id": cw.user("njtrainer"), "capacity": "4",
            "course_id": cw.course_id}
    emptied = client.post(f"/classroom/sessions/{cw.session_id}/edit", data=data)
    assert "Say what the session covers" in text(emptied)
    build(lambda s: s.execute(update(ClassroomSession).where(ClassroomSession.id == cw.session_id)
                              .values(instructions_md="", instructions_html="")))
    build(lambda s: s.execute(update(Course).where(Course.id == cw.course_id).values(supports_md="", supports_html="")))
    assert client.post(f"/classroom/sessions/{cw.session_id}/edit", data=data).status_code == 302
    assert query(lambda s: s.get(ClassroomSession, cw.session_id).place) == "301室"
