"""Configuration: defaults, then LMS_* environment variables.

Nothing here runs at import time; `load_config` is called by the app factory.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# name -> (default, description); the README's configuration table mirrors this.
SETTINGS: dict[str, tuple[object, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default: SQLite file lms.sqlite3 in the instance folder"),
    "SECRET_KEY": (None, "Session signing key; required in production, generated into the instance folder in development"),
    "ENV": ("development", "development or production (production refuses to start without LMS_SECRET_KEY)"),
    "DEFAULT_LANGUAGE": ("zh_CN", "Interface language for visitors with no preference: zh_CN or en"),
    "COOKIE_SECURE": (False, "Send session cookies only over https (set to 1 behind TLS)"),
    "SESSION_IDLE_MINUTES": (120, "A login session ends after this many minutes without a request"),
    "SESSION_MAX_HOURS": (12, "A login session ends this many hours after login, whatever happens"),
    "DB_POOL_SIZE": (5, "PostgreSQL connection pool size per worker"),
    "DB_POOL_TIMEOUT": (5, "Seconds to wait for a pooled connection before answering 503"),
    "LOGIN_MAX_FAILURES": (5, "Failed logins allowed per username from one address within the throttle window"),
    "LOGIN_WINDOW_MINUTES": (15, "Throttle window for failed logins"),
    "LOG_LEVEL": ("INFO", "Python logging level"),
    "MEDIA_FOLDER": (None, "Where uploaded images are stored; default: media/ in the instance folder"),
    "SMTP_HOST": ("localhost", "SMTP server for reminder e-mails (`lms send-reminders`)"),
    "SMTP_PORT": (25, "SMTP port"),
    "SMTP_USER": ("", "SMTP login (empty: no authentication)"),
    "SMTP_PASSWORD": ("", "SMTP password"),
    "SMTP_FROM": ("noreply@localhost", "Sender address of reminder e-mails"),
    "SMTP_STARTTLS": (False, "Use STARTTLS on the SMTP connection"),
    "BASE_URL": ("http://127.0.0.1:5000", "Public address of the site, for links in e-mails"),
    "REMINDER_DAYS": (3, "Days before the due date when the due-soon reminder is sent"),
    "REVIEW_DUE_DAYS": (30, "Days before a course's review date when it is due for review (authors' queue, reminders)"),
    "SELF_REGISTRATION": (False, "Self-registration open by default (an administrator can switch it at runtime)"),
    "TIMEZONE": ("Asia/Shanghai", "Time zone in which times and dates are shown (stored times stay UTC)"),
    "XAPI_ENDPOINT": ("", "Learning record store (xAPI) to forward statements to, e.g. https://lrs.example/xapi "
                          "(empty: statements are kept here only; `lms send-xapi` posts them)"),
    "XAPI_USERNAME": ("", "Basic-auth user of the learning record store"),
    "XAPI_PASSWORD": ("", "Basic-auth password of the learning record store"),
}

_BOOL = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False, "": False}


def _coerce(default: object, raw: str) -> object:
    if isinstance(default, bool):
        try:
            return _BOOL[raw.strip().lower()]
        except KeyError:
            raise ValueError(f"not a boolean: {raw!r}") from None
    if isinstance(default, int):
        return int(raw)
    return raw


def load_config(instance_path: str, environ: os._Environ | dict | None = None) -> dict[str, object]:
    """Return Flask config keys (LMS_-prefixed names without the prefix)."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = {}
    for name, (default, _doc) in SETTINGS.items():
        raw = environ.get(f"LMS_{name}")
        config[name] = default if raw is None else _coerce(default, raw)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    if not config["SECRET_KEY"]:
        if config["ENV"] == "production":
            raise RuntimeError("LMS_SECRET_KEY must be set when LMS_ENV=production")
        config["SECRET_KEY"] = _development_secret(Path(instance_path))
    return config


def _development_secret(instance: Path) -> str:
    """A per-checkout random key kept in the instance folder (never in code)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
