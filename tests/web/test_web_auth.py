"""Logging in and out through the browser's eyes: redirects, cookies that stop
working, throttling."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lms.auth import services as auth
from lms.auth.models import User
from tests.builders import PASSWORD
from tests.web.helpers import location, login, logout, text


def signed_in(client) -> bool:
    response = client.get("/my")
    if response.status_code == 302:
        assert urlsplit(location(response)).path == "/auth/login"
        return False
    assert response.status_code == 200
    return True


def test_login_lands_on_my_learning(client, make_user):
    username = make_user()
    response = login(client, username)
    assert response.status_code == 302
    assert location(response) == "/my"
    assert signed_in(client)


def test_wrong_password_is_refused(client, make_user):
    username = make_user()
    client.set_cookie("lang", "en")
    response = login(client, username, password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in text(response)
    assert not signed_in(client)


def test_unknown_user_gets_the_same_answer(client):
    client.set_cookie("lang", "en")
    response = login(client, "ghost", password="whatever123")
    assert response.status_code == 401
    assert "Wrong username or password." in text(response)


def test_deactivated_user_cannot_log_in(client, make_user):
    username = make_user(status="deactivated")
    assert login(client, username).status_code == 401
    assert not signed_in(client)


def test_login_form_carries_next(client):
    page = text(client.get("/auth/login?next=/courses/T-101"))
    assert re.search(r'<input[^>]*name="next"[^>]*value="/courses/T-101"', page)


def test_login_follows_a_local_next(client, make_user):
    username = make_user()
    response = login(client, username, next="/courses/T-101?tab=1")
    assert location(response) == "/courses/T-101?tab=1"


@pytest.mark.parametrize("target", [
    "//evil.com",
    "//evil.com/my",
    "https://evil.com",
    "https://evil.com/my",
    "http:evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "javascript:alert(1)",
    "evil.com",
    "",
])
def test_login_never_redirects_off_site(client, make_user, target):
    username = make_user()
    response = login(client, username, next=target)
    assert response.status_code == 302
    assert location(response) == "/my"


def test_logout_invalidates_the_old_cookie(app, client, make_user):
    username = make_user()
    login(client, username)
    assert signed_in(client)
    stolen = client.get_cookie("session").value

    response = logout(client)
    assert response.status_code == 302
    assert not signed_in(client)

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not signed_in(replay)


def test_logout_ends_only_this_browser(app, client, make_user):
    username = make_user()
    other = app.test_client()
    login(client, username)
    login(other, username)
    logout(client)
    assert not signed_in(client)
    assert signed_in(other)


def test_logout_is_post_only(client, make_user):
    username = make_user()
    login(client, username)
    assert client.get("/auth/logout").status_code == 405
    assert signed_in(client)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, make_user):
    username = make_user()
    other = app.test_client()
    login(client, username)
    login(other, username)
    old_cookie = client.get_cookie("session").value
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "a fresh long passphrase"})
    assert response.status_code == 302 and location(response) == "/my"
    assert signed_in(client)          # this browser keeps going
    assert not signed_in(other)       # the other one is logged out
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert not signed_in(replay)      # the pre-change cookie is dead
    assert login(app.test_client(), username).status_code == 401
    assert login(app.test_client(), username, password="a fresh long passphrase").status_code == 302


def test_password_change_refuses_weak_or_wrong(client, make_user):
    username = make_user(language="en")
    login(client, username)
    response = client.post("/auth/password", data={"current": "wrong!!!!", "new": "a fresh long passphrase"})
    assert response.status_code == 200 and "The current password is wrong." in text(response)
    response = client.post("/auth/password", data={"current": PASSWORD, "new": "password"})
    assert response.status_code == 200 and "too common" in text(response)
    assert signed_in(client)
    assert login(client.application.test_client(), username).status_code == 302  # unchanged


def test_deactivation_ends_the_session(client, make_user, build):
    username = make_user()
    login(client, username)
    assert signed_in(client)

    def deactivate(session):
        user = session.scalar(select(User).where(User.username == username))
        auth.deactivate_user(session, user=user)

    build(deactivate)
    assert not signed_in(client)


def test_login_is_throttled_after_repeated_failures(app, client, make_user, query):
    username = make_user()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert login(client, username, password="bad guess 123").status_code == 401
    client.set_cookie("lang", "en")
    response = login(client, username)  # even the right password
    assert response.status_code == 429
    assert "Too many failed attempts" in text(response)
    assert not signed_in(client)
    # Other accounts are not locked by it.
    other = make_user()
    assert login(app.test_client(), other).status_code == 302

    from lms.audit.models import AuditEvent
    actions = query(lambda s: list(s.scalars(select(AuditEvent.action).where(AuditEvent.username == username))))
    assert actions.count("login_failed") == limit and "login_throttled" in actions


def test_failed_logins_are_audited_without_the_password(client, make_user, query):
    username = make_user()
    login(client, username, password="my-secret-guess")
    from lms.audit.models import AuditEvent
    rows = query(lambda s: s.execute(select(AuditEvent.action, AuditEvent.detail)).all())
    assert ("login_failed", "") in [(a, d) for a, d in rows]
    assert all("my-secret-guess" not in (d or "") for _a, d in rows)
    assert query(lambda s: s.scalar(select(func.count()).select_from(User))) == 1


def test_accept_language_quality_values_decide(client):
    def language(header):
        client.delete_cookie("lang")
        page = client.get("/auth/login", headers={"Accept-Language": header})
        return "zh" if "登录" in page.get_data(as_text=True) else "en"

    assert language("en-US,zh-CN;q=0.8") == "en"
    assert language("zh-CN,en;q=0.5") == "zh"
    assert language("fr-FR,en;q=0.9,zh;q=0.8") == "en"
    assert language("en;q=0.2,zh-Hans;q=0.9") == "zh"


def test_the_register_link_shows_only_while_registration_is_open(app, client):
    assert "/auth/register" not in client.get("/auth/login").get_data(as_text=True)
    app.config["SELF_REGISTRATION"] = True
    assert "/auth/register" in client.get("/auth/login").get_data(as_text=True)
