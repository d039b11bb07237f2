"""Password policy (ASVS: length, not composition; common passwords refused)
and hashing (scrypt through werkzeug)."""
from __future__ import annotations

from importlib import resources

from werkzeug.security import check_password_hash, generate_password_hash

from lms.msgids import N_

MIN_LENGTH = 8
MAX_LENGTH = 128


def _common_passwords() -> frozenset[str]:
    text = resources.files("lms.auth").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


_COMMON: frozenset[str] | None = None


def password_problem(password: str, *, username: str = "") -> str | None:
    """Return the reason a password is refused, or None. Messages are msgids."""
    global _COMMON
    if len(password) < MIN_LENGTH:
        return N_("Use at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 128 characters.")
    if _COMMON is None:
        _COMMON = _common_passwords()
    if password.lower() in _COMMON or (username and password.lower() == username.lower()):
        return N_("This password is too common or too easy to guess; choose another.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password)
