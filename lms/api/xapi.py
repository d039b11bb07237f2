"""The statements as an xAPI Statement Resource would return them, under
/api/v1/xapi (bearer tokens, like the rest of /api/v1): managers and
administrators read the statements of the people in their scope, anyone else
their own. Filters since/until (stored), verb, user; paged with `more`."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, url_for

from lms.api import errors
from lms.api.errors import api_error
from lms.api.views import authenticate
from lms.permissions import login_required
from lms.web import db_session
from lms.xapi import services
from lms.xapi.requests import QueryError, next_args, parse_query, viewer, viewer_scope
from lms.xapi.statements import XAPI_VERSION

bp = Blueprint("xapi_api", __name__, url_prefix="/api/v1/xapi")
bp.before_request(authenticate)  # bearer token only, exactly as the rest of /api/v1
errors.register(bp)


@bp.get("/statements")
@login_required
def statements():
    try:
        query = parse_query(default_limit=services.DEFAULT_PAGE)
    except QueryError as exc:
        return api_error(400, str(exc))
    page, more = services.statements_page(db_session(), scope=viewer_scope(), viewer_id=viewer().id, query=query)
    args = next_args(more)
    # `more`: a relative address of the next page, "" when there is none (xAPI 1.0.3, StatementResult).
    response = jsonify(statements=page, more=url_for("xapi_api.statements") + "?" + urlencode(args) if args else "")
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response
