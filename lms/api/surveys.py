"""Training-needs surveys as JSON under /api/v1/surveys (bearer tokens;
training managers and administrators; the same scope and the same
suppression as the pages: a figure about fewer than 5 respondents is the
string "<5")."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from lms.api import errors
from lms.api.views import authenticate
from lms.db import must_get
from lms.orgs.models import OrgUnit
from lms.params import int_arg
from lms.permissions import deny, roles_required
from lms.reports.requests import REPORT_ROLES, report_scope, viewer
from lms.surveys import needs, services, tables
from lms.surveys.models import Survey
from lms.web import db_session, request_today

bp = Blueprint("surveys_api", __name__, url_prefix="/api/v1/surveys")
bp.before_request(authenticate)  # bearer token only, exactly as the rest of /api/v1
errors.register(bp)


@bp.get("")
@roles_required(*REPORT_ROLES)
def surveys():
    scope = report_scope()
    today = request_today()
    return jsonify(surveys=[{**tables.survey_json(s, root, services.state_on(s, today)), "respondents": n}
                            for s, root, n in services.surveys_in_scope(db_session(), scope)])


@bp.get("/<int:survey_id>/needs")
@roles_required(*REPORT_ROLES)
def survey_needs(survey_id: int):
    scope = report_scope()
    session = db_session()
    survey = session.get(Survey, survey_id)
    if survey is None or survey.status == "draft":
        abort(404, "No such survey.")
    root = must_get(session, OrgUnit, survey.root_unit_id)
    if not services.overlaps(scope, root.path):
        deny(viewer(), f"survey {survey_id} outside scope", code=404)
    unit = services.report_unit(session, root, scope, int_arg("unit"))
    if unit is None:
        deny(viewer(), f"survey {survey_id}: org unit outside scope", code=404)
    category = (request.args.get("category") or "").strip() or None
    if category is not None and category not in survey.category_names:
        abort(400, "The survey does not ask this staff category.")
    report = needs.needs_report(session, survey, unit, today=request_today(), category=category)
    return jsonify(tables.needs_json(report))
