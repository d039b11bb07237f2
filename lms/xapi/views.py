"""The statements for managers: a JSON download of every statement of the people
in their scope (linked from the reports), with the API's filters."""
from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user

from lms.orgs.scope import Scope
from lms.permissions import deny, roles_required
from lms.xapi import services
from lms.xapi.requests import QueryError, parse_query, viewer_scope
from lms.xapi.statements import XAPI_VERSION

bp = Blueprint("xapi", __name__, url_prefix="/xapi")

REPORT_ROLES = ("manager", "admin")


def _chunks(database, scope: Scope, viewer_id: int, query: services.Query) -> Iterator[str]:
    """{"statements": [...], "more": ""}, written a statement at a time through a
    read-only session of its own (the request's session is closed by the time a
    streamed response is written)."""
    session = database.session()
    try:
        yield '{"statements": ['
        for n, statement in enumerate(services.all_statements(session, scope=scope, viewer_id=viewer_id,
                                                               query=query)):
            yield ("," if n else "") + "\n" + json.dumps(statement, ensure_ascii=False)
        yield '\n], "more": ""}\n'
    finally:
        session.close()


@bp.get("/statements.json")
@roles_required(*REPORT_ROLES)
def download():
    scope = viewer_scope()
    if scope.empty:
        deny(current_user, "xapi statements: no org unit in scope")
    try:
        query = parse_query(default_limit=services.MAX_PAGE)
    except QueryError as exc:
        abort(400, str(exc))
    response = Response(_chunks(current_app.extensions["lms_db"], scope, current_user.id, query), content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="xapi-statements.json"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response
