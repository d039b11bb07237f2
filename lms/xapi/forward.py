"""Posting statements to a learning record store (xAPI 1.0.3 Statement Resource):
POST <endpoint>/statements, one statement per request, Basic authentication,
the X-Experience-API-Version header. No database and no Flask: `lms send-xapi`
claims the outbox rows, calls `post_all` and marks each row sent or failed."""
from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lms.xapi.statements import XAPI_VERSION

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Lrs:
    endpoint: str
    username: str = ""
    password: str = ""

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"


@dataclass(frozen=True)
class Outgoing:
    id: int  # the outbox row
    body: str  # the statement, JSON


def check_endpoint(endpoint: str) -> str | None:
    """Why the configured endpoint cannot be used (None: it can)."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"LMS_XAPI_ENDPOINT must be an http(s) address, not {endpoint!r}"
    return None


def post(lrs: Lrs, body: str) -> str | None:
    """POST one statement; None when the store accepted it, else what went wrong."""
    problem = check_endpoint(lrs.endpoint)
    if problem:
        return problem
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Experience-API-Version": XAPI_VERSION}
    if lrs.username or lrs.password:
        token = base64.b64encode(f"{lrs.username}:{lrs.password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(lrs.statements_url, data=body.encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310 - the administrator's http(s) endpoint
            response.read()
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def post_all(lrs: Lrs, messages: Iterable[Outgoing]) -> dict[int, str | None]:
    """Each message's outcome: None sent, else the error."""
    return {m.id: post(lrs, m.body) for m in messages}
