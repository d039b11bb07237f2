"""Login sessions live on the server: they end on logout, password change,
deactivation, idle time and absolute age (security.md B)."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update

from lms import create_app
from lms.audit.models import AuditEvent
from lms.auth import services as accounts
from lms.auth.models import LoginSession, User
from lms.web import utcnow
from tests.builders import PASSWORD, make_user


def _login(client, username, password=PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


def _logged_in(client) -> bool:
    return client.get("/my").status_code == 200


def test_login_starts_a_new_session_and_sets_safe_cookie_flags(app, db, client):
    make_user(db, username="wang")
    db.commit()
    client.get("/auth/login")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker before login"
    response = _login(client, "wang")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    with client.session_transaction() as s:
        assert "planted" not in s


def test_cookies_are_secure_when_configured(app_config, db):
    app = create_app({**app_config, "ENVIRON": {**app_config["ENVIRON"], "LMS_COOKIE_SECURE": "1"}})
    session = app.extensions["lms_db"].session()
    make_user(session, username="li")
    session.commit()
    session.close()
    response = _login(app.test_client(), "li")
    assert "Secure" in response.headers["Set-Cookie"]
    app.extensions["lms_db"].dispose()


def test_password_change_ends_every_other_session(app, db):
    make_user(db, username="zhao")
    db.commit()
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, "zhao")
    _login(elsewhere, "zhao")
    assert _logged_in(here) and _logged_in(elsewhere)
    response = here.post("/auth/password", data={"current": PASSWORD, "new": "a brand new passphrase"})
    assert response.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(elsewhere)
    assert _login(app.test_client(), "zhao", "a brand new passphrase").status_code == 302


def test_deactivation_ends_sessions_at_once(app, db, client, now):
    user = make_user(db, username="sun")
    db.commit()
    _login(client, "sun")
    assert _logged_in(client)
    accounts.deactivate_user(db, user=db.get(User, user.id))
    db.commit()
    assert not _logged_in(client)
    assert _login(app.test_client(), "sun").status_code == 401


def test_idle_timeout_ends_the_session(app, db, client):
    make_user(db, username="zhou")
    db.commit()
    _login(client, "zhou")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as s:
        s["seen"] -= idle + 5
    assert not _logged_in(client)


def test_absolute_timeout_ends_the_session(app, db, client):
    make_user(db, username="wu")
    db.commit()
    _login(client, "wu")
    assert _logged_in(client)
    old = timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    db.execute(update(LoginSession).values(created_at=utcnow() - old))
    db.commit()
    assert not _logged_in(client)


def test_logins_are_audited_without_passwords(app, db, client, caplog):
    make_user(db, username="zheng")
    db.commit()
    with caplog.at_level(logging.INFO, logger="lms.audit"):
        _login(client, "zheng", "wrong password 123")
        _login(client, "zheng")
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["login_failed", "login"]
    for event in events:
        assert event.username == "zheng" and event.ip == "127.0.0.1" and len(event.request_id) >= 8
        assert event.at is not None
    text = caplog.text + " ".join(e.detail for e in events)
    assert "login_failed" in caplog.text
    assert PASSWORD not in text and "wrong password 123" not in text


def test_login_is_throttled_after_repeated_failures(app, db, client):
    make_user(db, username="qian")
    db.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(client, "qian", "not the password").status_code == 401
    # Even the right password is refused while throttled, and the refusal is logged.
    assert _login(client, "qian").status_code == 429
    assert db.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "login_throttled"


def test_guessing_api_tokens_is_throttled_per_address_but_a_valid_token_always_works(app, db, client):
    """Bad bearer tokens are counted per address (ten times the per-username
    limit); past it, bad tokens get 429 and each refusal is logged, while a
    valid token from the same address still works."""
    from lms.auth.services import create_api_token

    user = make_user(db, username="feng")
    token = create_api_token(db, user=user, now=utcnow())
    db.commit()
    limit = app.config["LOGIN_MAX_FAILURES"] * 10  # per address
    for n in range(limit):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer lms_guess{n}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer lms_one_more"}).status_code == 429
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.80"
    assert other.get("/api/v1/me", headers={"Authorization": "Bearer lms_elsewhere"}).status_code == 401
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "api_token_refused")) == limit + 1


def test_guessing_a_known_username_does_not_lock_its_owner_out(app, db, client):
    make_user(db, username="admin2")
    db.commit()
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(attacker, "admin2", "not the password").status_code == 401
    assert _login(attacker, "admin2").status_code == 429  # the guessing address waits
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert _login(owner, "admin2").status_code == 302  # the owner, elsewhere, is not locked out
