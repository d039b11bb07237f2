"""The one permission layer: every HTML view, JSON route and export declares
who may reach it with one of these decorators. A route without one is caught
by the route-table test."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import NoReturn

from flask import abort, current_app, g, request
from flask_login import current_user

from lms.web import record_refusal

PUBLIC = "public"


def _mark(view: Callable, rule: str) -> None:
    setattr(view, "access_rule", rule)  # read by the route-table test  # noqa: B010 - a function attribute mypy cannot see


def public(view: Callable) -> Callable:
    _mark(view, PUBLIC)
    return view


def login_required(view: Callable) -> Callable:
    return roles_required()(view)


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Logged in, and holding at least one of `roles` (none given: any user)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
            if user is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if roles and not (user.role_names & set(roles)):
                deny(user, f"role required: {'/'.join(roles)}")
            return view(*args, **kwargs)

        _mark(wrapped, "roles:" + ",".join(roles) if roles else "login")
        return wrapped

    return decorator


def deny(user, reason: str, code: int = 403) -> NoReturn:
    """Refuse, and write it to the security log (in a transaction of its own:
    the request's work is rolled back)."""
    record_refusal("permission_denied", user=user, detail=f"{request.method} {request.path}: {reason}")
    abort(code)
