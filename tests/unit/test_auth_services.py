"""Accounts, passwords, login sessions and throttling at the service layer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth import services as auth
from lms.auth.models import LoginFailure, LoginSession, User
from lms.auth.passwords import password_problem, verify_password
from tests.builders import NOW, PASSWORD, make_user

MAX_AGE = timedelta(hours=12)


def session_user(db, token, now=NOW):
    return auth.user_for_login_session(db, token=token, now=now, max_age=MAX_AGE)


# ---- password policy ------------------------------------------------------------

@pytest.mark.parametrize("password", ["", "short", "1234567", "七个字的密码啊"])
def test_short_passwords_are_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["password", "12345678", "Password", "qwertyuiop", "iloveyou", "11111111"])
def test_common_passwords_are_refused(password):
    assert password_problem(password) is not None
    assert "common" in password_problem(password)


def test_password_equal_to_username_is_refused():
    assert password_problem("zhangwei2024", username="ZhangWei2024") is not None


@pytest.mark.parametrize("password", [
    "correct horse battery",
    "tealeaves",  # no composition rules
    "养老保险经办人员的密码",
    "x" * 64,
    "y" * 128,
])
def test_long_or_plain_passwords_are_accepted(password):
    assert password_problem(password, username="someone") is None


def test_overlong_password_is_refused():
    assert password_problem("z" * 129) is not None


def test_create_user_refuses_weak_password_and_writes_nothing(db):
    with pytest.raises(auth.AccountError):
        auth.create_user(db, username="weak", password="password", staff_category="staff", now=NOW)
    with pytest.raises(auth.AccountError):
        auth.create_user(db, username="short", password="abc", staff_category="staff", now=NOW)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_password_is_stored_hashed(db):
    user = make_user(db, username="hashme")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "x")


def test_create_user_refuses_taken_username_and_unknown_values(db):
    make_user(db, username="taken")
    with pytest.raises(auth.AccountError):
        make_user(db, username="taken")
    with pytest.raises(auth.AccountError):
        make_user(db, staff_category="pilot")
    with pytest.raises(auth.AccountError):
        make_user(db, roles=("superuser",))
    assert make_user(db, roles=("author",)).role_names == {"author", "learner"}


# ---- authenticate -------------------------------------------------------------------

def test_authenticate_with_right_password(db):
    user = make_user(db, username="li.na")
    assert auth.authenticate(db, username="li.na", password=PASSWORD).id == user.id
    assert auth.authenticate(db, username="  li.na ", password=PASSWORD).id == user.id


def test_authenticate_wrong_password_is_none(db):
    make_user(db, username="wang")
    assert auth.authenticate(db, username="wang", password="wrong password") is None
    assert auth.authenticate(db, username="wang", password="") is None


def test_authenticate_unknown_user_is_none(db):
    assert auth.authenticate(db, username="nobody", password=PASSWORD) is None


@pytest.mark.parametrize("status", ["deactivated", "pending"])
def test_authenticate_inactive_user_is_none(db, status):
    make_user(db, username="sleepy", status=status)
    assert auth.authenticate(db, username="sleepy", password=PASSWORD) is None


def test_user_without_password_cannot_log_in(db):
    auth.create_user(db, username="sso", password=None, staff_category="staff", now=NOW)
    assert auth.authenticate(db, username="sso", password="") is None
    assert auth.authenticate(db, username="sso", password=PASSWORD) is None


# ---- login sessions -------------------------------------------------------------------

def test_login_session_identifies_the_user(db):
    user = make_user(db)
    token = auth.start_login_session(db, user=user, now=NOW)
    assert session_user(db, token).id == user.id
    assert user.last_login_at == NOW
    # The server keeps only a digest of the token.
    assert db.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.token_hash == token)) == 0
    assert session_user(db, "forged-token") is None


def test_login_session_expires_after_max_age(db):
    user = make_user(db)
    token = auth.start_login_session(db, user=user, now=NOW)
    assert session_user(db, token, now=NOW + MAX_AGE).id == user.id
    assert session_user(db, token, now=NOW + MAX_AGE + timedelta(seconds=1)) is None


def test_logout_ends_only_that_session(db):
    user = make_user(db)
    laptop = auth.start_login_session(db, user=user, now=NOW)
    phone = auth.start_login_session(db, user=user, now=NOW)
    auth.end_login_session(db, token=laptop)
    assert session_user(db, laptop) is None
    assert session_user(db, phone).id == user.id


def test_password_change_ends_every_session(db):
    user = make_user(db)
    tokens = [auth.start_login_session(db, user=user, now=NOW) for _ in range(2)]
    other = make_user(db)
    other_token = auth.start_login_session(db, user=other, now=NOW)
    auth.change_password(db, user=user, current=PASSWORD, new="a brand new passphrase")
    assert all(session_user(db, t) is None for t in tokens)
    assert session_user(db, other_token).id == other.id
    assert auth.authenticate(db, username=user.username, password=PASSWORD) is None
    assert auth.authenticate(db, username=user.username, password="a brand new passphrase").id == user.id


def test_password_change_needs_the_current_password(db):
    user = make_user(db)
    token = auth.start_login_session(db, user=user, now=NOW)
    with pytest.raises(auth.AccountError):
        auth.change_password(db, user=user, current="not my password", new="a brand new passphrase")
    with pytest.raises(auth.AccountError):
        auth.change_password(db, user=user, current=PASSWORD, new="password")  # common
    assert session_user(db, token).id == user.id
    assert auth.authenticate(db, username=user.username, password=PASSWORD).id == user.id


def test_deactivation_ends_sessions_and_api_tokens(db):
    user = make_user(db)
    token = auth.start_login_session(db, user=user, now=NOW)
    api = auth.create_api_token(db, user=user, now=NOW)
    assert auth.user_for_api_token(db, token=api).id == user.id
    auth.deactivate_user(db, user=user)
    db.flush()
    assert session_user(db, token) is None
    assert auth.user_for_api_token(db, token=api) is None
    assert auth.authenticate(db, username=user.username, password=PASSWORD) is None
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_session_of_a_user_deactivated_elsewhere_is_refused(db):
    """Even if the row survived (e.g. status set directly), an inactive user is refused."""
    user = make_user(db)
    token = auth.start_login_session(db, user=user, now=NOW)
    user.status = "deactivated"
    db.flush()
    assert session_user(db, token) is None


# ---- throttling ----------------------------------------------------------------------

POLICY = auth.LoginPolicy(max_failures=3, window=timedelta(minutes=15))


def fail(db, username="victim", ip="10.0.0.1", now=NOW):
    auth.record_login_failure(db, username=username, ip=ip, now=now, policy=POLICY)
    db.flush()


def refusal(db, username="victim", ip="10.0.0.1", now=NOW):
    return auth.login_refusal(db, username=username, ip=ip, now=now, policy=POLICY)


def throttled(db, username="victim", ip="10.0.0.1", now=NOW):
    return refusal(db, username=username, ip=ip, now=now) is not None


def test_a_username_is_throttled_from_the_guessing_address_only(db):
    for _ in range(POLICY.max_failures - 1):
        fail(db)
    assert not throttled(db)
    fail(db)
    assert refusal(db) == auth.TOO_MANY_FAILURES
    assert throttled(db, username="VICTIM")  # whatever the case of the username
    # The owner, from their own address, is not locked out by someone else's guesses.
    assert not throttled(db, username="victim", ip="192.168.1.9")
    assert not throttled(db, username="someone-else", ip="10.0.0.1")


def test_guesses_from_many_addresses_slow_an_account_without_locking_it(db):
    for n in range(POLICY.per_username):
        fail(db, ip=f"198.51.100.{n}", now=NOW)
    owner = "192.0.2.44"
    assert refusal(db, ip=owner, now=NOW + timedelta(seconds=5)) == auth.ACCOUNT_SLOWED
    # Half a minute after the last failure the owner may try again, whatever the count.
    assert refusal(db, ip=owner, now=NOW + POLICY.slow_interval) is None


def test_throttle_window_passes(db):
    for _ in range(POLICY.max_failures):
        fail(db)
    assert throttled(db, now=NOW + POLICY.window - timedelta(seconds=1))
    assert not throttled(db, now=NOW + POLICY.window + timedelta(seconds=1))


def test_throttled_by_ip_after_many_usernames(db):
    for n in range(POLICY.per_address):
        fail(db, username=f"guess{n}", ip="203.0.113.7")
    assert throttled(db, username="fresh-name", ip="203.0.113.7")
    assert not throttled(db, username="fresh-name", ip="203.0.113.8")


def test_a_password_check_costs_the_same_with_or_without_an_account_or_password(db, monkeypatch):
    from lms.auth import passwords

    checked: list[str] = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    auth.create_user(db, username="imported", password=None, staff_category="staff", now=NOW)  # no password yet
    db.flush()
    for username in ("imported", "nobody-at-all"):
        checked.clear()
        assert auth.authenticate(db, username=username, password="a guess 123") is None
        assert len(checked) == 1 and checked[0].startswith("scrypt:")  # one real scrypt check either way


def test_old_failures_are_pruned(db):
    fail(db, now=NOW)
    fail(db, now=NOW + POLICY.window * 5)
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1
