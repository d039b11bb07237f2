"""What a request for statements asks (the JSON API and the download share it):
the reader, their scope, and the filters of the query string, bounded."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import g, request
from flask_login import current_user

from lms.orgs.scope import Scope, scope_for
from lms.params import MAX_ID, parse_int
from lms.web import db_session
from lms.xapi.services import MAX_PAGE, Query
from lms.xapi.statements import VERBS

MAX_TIME_TEXT = 40
FILTERS = ("since", "until", "verb", "user", "limit", "cursor")


class QueryError(ValueError):
    """A filter that is not one we take; the message says which (English, as the API answers)."""


def viewer():
    return g.get("api_user") or current_user


def viewer_scope() -> Scope:
    """Managers and administrators: their scope; anyone else sees only their own statements."""
    me = viewer()
    if not (me.role_names & {"manager", "admin"}):
        return Scope()
    return scope_for(db_session(), me)


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) > MAX_TIME_TEXT:
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise QueryError(f"'{name}' must be an ISO 8601 timestamp, such as 2026-11-30T08:00:00Z.") from None
    return moment


def _number(name: str, *, minimum: int, maximum: int) -> int | None:
    raw = request.args.get(name, "")
    if not raw.strip():
        return None
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    if value is None:
        raise QueryError(f"'{name}' must be a whole number from {minimum} to {maximum}.")
    return value


def parse_query(*, default_limit: int) -> Query:
    """The filters of the query string, or QueryError."""
    verb = request.args.get("verb", "").strip() or None
    if verb is not None:
        known = VERBS.get(verb) or next((v for v in VERBS.values() if v.id == verb), None)
        if known is None:
            raise QueryError("'verb' must be one of: " + ", ".join(v.id for v in VERBS.values()) + ".")
        verb = known.id
    limit = _number("limit", minimum=0, maximum=MAX_ID)
    return Query(since=_moment("since"), until=_moment("until"), verb=verb,
                 user_id=_number("user", minimum=1, maximum=MAX_ID),
                 before_id=_number("cursor", minimum=1, maximum=MAX_ID),
                 limit=default_limit if limit is None else (MAX_PAGE if limit == 0 else min(limit, MAX_PAGE)))


def next_args(more: int | None) -> dict[str, str] | None:
    """The query string of the next page (the same filters, the cursor moved on)."""
    if more is None:
        return None
    args = {k: v for k, v in request.args.items() if k in FILTERS and k != "cursor"}
    return {**args, "cursor": str(more)}
