"""What every report request needs, for the pages (lms.reports.views) and the
JSON API (lms.api.reports) alike: who is reading, their scope, the filters,
the unit asked for. Outside the scope is 404, exactly as if it did not exist."""
from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from lms.db import must_get
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope, require_user_in_scope, scope_for
from lms.permissions import deny
from lms.reports import services
from lms.reports.forms import FilterError, Filters, parse_filters
from lms.web import db_session, request_now

REPORT_ROLES = ("manager", "admin")


def viewer():
    return g.get("api_user") or current_user


def report_scope() -> Scope:
    scope = scope_for(db_session(), viewer())
    if scope.empty:
        deny(viewer(), "reports: no org unit in scope")
    return scope


def root_unit(scope: Scope) -> OrgUnit:
    session = db_session()
    if scope.unit_id is not None:
        return must_get(session, OrgUnit, scope.unit_id)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))
    if unit is None:
        abort(404)
    return unit


def filters_or_400() -> Filters:
    try:
        return parse_filters(request.args, request_now())
    except FilterError as exc:
        abort(400, str(exc))


def page_filters() -> Filters:
    """The filters of a report page: a value not understood is left out and said
    beside the filters, which keep what was typed (the page answers 400)."""
    return parse_filters(request.args, request_now(), lenient=True)


def unit_in_scope(scope: Scope, unit_id: int | None) -> OrgUnit:
    """The requested unit (default: the top of the scope), or 404 outside the scope."""
    if unit_id is None:
        return root_unit(scope)
    unit = db_session().get(OrgUnit, unit_id)
    if unit is None or not scope.contains_path(unit.path):
        deny(viewer(), f"reports: org unit {unit_id} outside scope", code=404)
    return unit


def transcript_of(user_id: int):
    """The learner themselves, or a manager whose scope holds their unit; anyone else: 404."""
    session = db_session()
    me = viewer()
    if me.id == user_id:
        person = me
    else:
        if not (me.role_names & set(REPORT_ROLES)):
            deny(me, f"transcript of user {user_id}", code=404)
        try:
            person = require_user_in_scope(session, me, user_id)
        except NotFound:
            deny(me, f"transcript of user {user_id} outside scope", code=404)
    return person, services.transcript(session, person)
