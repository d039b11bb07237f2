"""Training records and accounts that can be trusted: nobody's history can be
deleted from the web; a password set by someone else is changed at first
login; a new password revokes API tokens; personal pages are never cached;
commands on an unmigrated database say what to run."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import ApiToken, User
from lms.auth.services import AccountError, create_api_token, create_user
from lms.courses.models import Course
from lms.learn import services as learning
from lms.learn.models import Enrolment
from lms.people.services import reject
from tests.builders import NOW, PASSWORD
from tests.web.helpers import location, login, text

NEW_PASSWORD = "a-fresh-passphrase-2026"


def _user(query, username):
    return query(lambda s: s.scalar(select(User).where(User.username == username)))


def test_an_established_learner_cannot_be_put_back_to_pending_and_rejected(client, world, course_id, build, query):
    uid = world.users["xwstaff"]
    build(lambda s: learning.enrol(s, user_id=uid, course=s.get(Course, course_id), now=NOW))
    login(client, "njboss")
    form = {"org_unit_id": world.units["XW"], "full_name": "王", "email": "", "staff_category": "staff",
            "language": "zh_CN", "status": "pending"}
    page = client.post(f"/admin/users/{uid}", data=form)
    assert page.status_code == 200 and "Not a valid choice" in text(page)
    assert _user(query, "xwstaff").status == "active"
    assert client.post(f"/admin/registrations/{uid}/reject").status_code == 404
    assert _user(query, "xwstaff") is not None
    assert query(lambda s: s.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.user_id == uid))) == 1


def test_only_a_never_approved_self_registration_can_be_rejected(db, world):
    waiting = create_user(db, username="made-pending", password=None, staff_category="staff", now=NOW,
                          org_unit_id=world.units["XW"], status="pending")
    with pytest.raises(AccountError, match="training history"):
        reject(db, waiting)  # pending, but not a self-registration
    db.rollback()


def test_a_reset_password_must_be_changed_at_first_login(app, client, world, query):
    login(client, "njboss")
    reset = client.post(f"/admin/users/{world.users['xwstaff']}/reset-password")
    password = re.search(r'class="password-once">([^<]+)<', text(reset)).group(1)
    learner = app.test_client()
    assert login(learner, "xwstaff", password).status_code == 302
    mine = learner.get("/my")
    assert mine.status_code == 302 and location(mine).endswith("/auth/password")
    assert learner.get("/reports/transcript").status_code == 302
    same = learner.post("/auth/password", data={"current": password, "new": password, "confirm": password})
    assert same.status_code == 200 and _user(query, "xwstaff").must_change_password
    changed = learner.post("/auth/password", data={"current": password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert not _user(query, "xwstaff").must_change_password
    assert learner.get("/my").status_code == 200


def test_a_password_change_or_reset_revokes_api_tokens(app, client, world, build, query):
    uid = world.users["xwstaff"]
    tokens = build(lambda s: [create_api_token(s, user=s.get(User, uid), now=NOW) for _ in range(2)])
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 200
    login(client, "xwstaff")
    assert client.post("/auth/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD}).status_code == 302
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 401
    assert query(lambda s: s.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == uid))) == 0

    token = build(lambda s: create_api_token(s, user=s.get(User, uid), now=NOW))
    manager = app.test_client()
    login(manager, "njboss")
    assert manager.post(f"/admin/users/{uid}/reset-password").status_code == 200
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("path", ["/admin/users", "/reports/learners", "/reports/transcript", "/admin/registrations",
                                  "/manage/assignments", "/"])
def test_pages_seen_signed_in_are_never_cached(client, world, path):
    login(client, "njboss")
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_commands_on_an_unmigrated_database_say_what_to_run(tmp_path):
    from lms import create_app

    url = "sqlite:///" + str(tmp_path / "never-migrated.sqlite3")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x",
                      "ENVIRON": {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": "x"}})
    result = app.test_cli_runner().invoke(args=["lms", "create-demo"])
    assert result.exit_code != 0
    assert "flask --app app lms migrate" in result.output and "Traceback" not in result.output
    assert app.test_cli_runner().invoke(args=["lms", "migrate"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["lms", "create-demo"]).exit_code == 0
    app.extensions["lms_db"].dispose()
