"""Survey pages: the builder (training managers and administrators, for their
subtree), the answer page (the people asked), the paper import, and the
needs report with its CSV/XLSX exports. A survey or unit outside the
reader's scope answers 404, as if it did not exist."""
from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.csv_upload import CSV_BODY_BYTES, import_errors
from lms.csvfile import ImportInvalid
from lms.db import must_get
from lms.enums import SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.forms import ActionForm, ImportForm
from lms.labels import LANGUAGE_LABELS, SKILL_TYPE_LABELS, STAFF_CATEGORY_LABELS, TARGET_LEVEL_LABELS
from lms.orgs.models import OrgUnit
from lms.orgs.request_scope import current_scope
from lms.orgs.scope import Scope
from lms.orgs.services import search_units
from lms.params import int_arg, valid_id
from lms.permissions import deny, login_required, roles_required
from lms.reports.exports import ExportTable, to_csv, to_xlsx
from lms.reports.services import ancestors_within
from lms.surveys import charts, csv_import, needs, services
from lms.surveys.forms import MoveForm, SurveyForm, TopicForm, answer_form
from lms.surveys.labels import EVENT_LABELS, NEED_LABELS, STATE_LABELS
from lms.surveys.models import NEEDS, Survey, SurveyTopic, SurveyVersion
from lms.surveys.tables import TABLES, cell_label, needs_tables, pct, table_titles
from lms.web import audit, body_limit, db_session, request_now, request_today

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

MANAGERS = ("manager", "admin")
FORMATS = "any(csv,xlsx)"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- access ------------------------------------------------------------------------

def _scope() -> Scope:
    scope = current_scope()
    if scope.empty:
        deny(current_user, "surveys: no org unit in scope")
    return scope


def _visible(survey_id: int) -> tuple[Survey, OrgUnit, Scope]:
    scope = _scope()
    survey = db_session().get(Survey, survey_id)
    if survey is None:
        abort(404)
    root = must_get(db_session(), OrgUnit, survey.root_unit_id)
    if not services.overlaps(scope, root.path):
        deny(current_user, f"survey {survey_id} outside scope", code=404)
    return survey, root, scope


def _editable(survey_id: int) -> tuple[Survey, OrgUnit, Scope]:
    survey, root, scope = _visible(survey_id)
    if not scope.contains_path(root.path):
        deny(current_user, f"survey {survey_id}: built by a unit above the reader's")
    return survey, root, scope


def _topic(survey: Survey, topic_id: int) -> SurveyTopic:
    topic = next((t for t in survey.topics if t.id == topic_id), None)
    if topic is None:
        abort(404)
    return topic


def _refused(exc: services.SurveyError) -> None:
    db_session().rollback()
    flash(_(str(exc)), "error")


def _today():
    return request_today()


# ---- the list and the builder ------------------------------------------------------------

@bp.get("/")
@roles_required(*MANAGERS)
def index():
    scope = _scope()
    rows = services.surveys_in_scope(db_session(), scope)
    today = _today()
    return render_template("surveys/index.html", rows=[(s, u, n, services.state_on(s, today), scope.contains_path(u.path))
                                                       for s, u, n in rows], state_labels=STATE_LABELS)


def _fields(form: SurveyForm) -> services.SurveyFields:
    return services.SurveyFields(title=form.title.data or "", description=form.description.data or "",
                                 opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                                 root_unit_id=form.root_unit_id.data, categories=list(form.categories.data or []),
                                 levels=list(form.levels.data or []))


def _unit_picker(form: SurveyForm, scope: Scope) -> dict:
    session = db_session()
    chosen_id = valid_id(form.root_unit_id.data)
    chosen = session.get(OrgUnit, chosen_id) if chosen_id else None
    unit_q = request.args.get("unit_q", "").strip()[:100]
    return {"unit": chosen if chosen is not None and scope.contains_path(chosen.path) else None, "unit_q": unit_q,
            "unit_matches": search_units(session, unit_q, scope=scope, limit=30) if unit_q else []}


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    scope = _scope()
    form = SurveyForm()
    if request.method == "GET":
        today = _today()
        form.opens_on.data = form.opens_on.data or today
        form.root_unit_id.data = int_arg("unit") or scope.unit_id
    if form.validate_on_submit():
        session = db_session()
        unit = session.get(OrgUnit, form.root_unit_id.data)
        if unit is None or not scope.contains_path(unit.path):
            form.root_unit_id.errors = [_("Choose an org unit.")]
        else:
            try:
                survey = services.create_survey(session, _fields(form), user_id=current_user.id, now=request_now())
            except services.SurveyError as exc:
                _refused(exc)
            else:
                audit("survey_created", f"#{survey.id} {survey.title} unit {unit.code}")
                flash(_("The survey is saved as a draft. Add its topics, then open it."), "success")
                return redirect(url_for("surveys.survey", survey_id=survey.id))
    return render_template("surveys/edit.html", form=form, survey=None, **_unit_picker(form, scope))


@bp.get("/<int:survey_id>")
@roles_required(*MANAGERS)
def survey(survey_id: int):
    survey, root, scope = _visible(survey_id)
    session = db_session()
    online, paper = services.response_counts(session, survey.id)
    return render_template("surveys/survey.html", survey=survey, root=root, state=services.state_on(survey, _today()),
                           editable=scope.contains_path(root.path), online=online,
                           paper=paper, versions=services.versions(session, survey.id),
                           history=services.history(session, survey.id), action=ActionForm(), move=MoveForm(),
                           state_labels=STATE_LABELS, event_labels=EVENT_LABELS)


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(survey_id: int):
    survey, root, scope = _editable(survey_id)
    form = SurveyForm(obj=survey) if request.method == "GET" else SurveyForm()
    if request.method == "GET":
        form.categories.data, form.levels.data = survey.category_names, survey.level_names
        if int_arg("unit") is not None and survey.status == "draft":
            form.root_unit_id.data = int_arg("unit")
    if form.validate_on_submit():
        session = db_session()
        unit = session.get(OrgUnit, form.root_unit_id.data)
        if unit is None or not scope.contains_path(unit.path):
            form.root_unit_id.errors = [_("Choose an org unit.")]
        else:
            try:
                changed = services.update_survey(session, survey, _fields(form), user_id=current_user.id,
                                                 now=request_now())
            except services.SurveyError as exc:
                _refused(exc)
            else:
                if changed:
                    audit("survey_changed", f"#{survey.id} version {survey.version}")
                    flash(_("Saved as version %(n)s.", n=survey.version) if survey.status == "open"
                          else _("The survey is saved."), "success")
                return redirect(url_for("surveys.survey", survey_id=survey.id))
    return render_template("surveys/edit.html", form=form, survey=survey, **_unit_picker(form, scope))


def _topic_fields(form: TopicForm) -> services.TopicFields:
    return services.TopicFields(key=(form.key.data or "").strip(), title=form.title.data or "",
                                description=form.description.data or "", skill_type=form.skill_type.data,
                                target_level=form.target_level.data, schemes=list(form.schemes.data or []),
                                comment_allowed=bool(form.comment_allowed.data))


@bp.route("/<int:survey_id>/topics/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_topic(survey_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    form = TopicForm()
    if form.validate_on_submit():
        try:
            topic = services.add_topic(db_session(), survey, _topic_fields(form), user_id=current_user.id,
                                       now=request_now())
        except services.SurveyError as exc:
            _refused(exc)
        else:
            audit("survey_topic_added", f"#{survey.id} {topic.key} version {survey.version}")
            return redirect(url_for("surveys.survey", survey_id=survey.id) + "#topics")
    return render_template("surveys/topic.html", form=form, survey=survey, topic=None)


@bp.route("/<int:survey_id>/topics/<int:topic_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def topic(survey_id: int, topic_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    item = _topic(survey, topic_id)
    form = TopicForm(obj=item) if request.method == "GET" else TopicForm()
    if request.method == "GET":
        form.schemes.data = item.scheme_names
    if form.validate_on_submit():
        try:
            changed = services.update_topic(db_session(), item, _topic_fields(form), user_id=current_user.id,
                                            now=request_now())
        except services.SurveyError as exc:
            _refused(exc)
        else:
            if changed:
                audit("survey_topic_changed", f"#{survey.id} {item.key} version {survey.version}")
            return redirect(url_for("surveys.survey", survey_id=survey.id) + "#topics")
    return render_template("surveys/topic.html", form=form, survey=survey, topic=item)


@bp.post("/<int:survey_id>/topics/<int:topic_id>/delete")
@roles_required(*MANAGERS)
def delete_topic(survey_id: int, topic_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    item = _topic(survey, topic_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    key = item.key
    try:
        services.delete_topic(db_session(), item, user_id=current_user.id, now=request_now())
    except services.SurveyError as exc:
        _refused(exc)
    else:
        audit("survey_topic_removed", f"#{survey.id} {key}")
    return redirect(url_for("surveys.survey", survey_id=survey.id) + "#topics")


@bp.post("/<int:survey_id>/topics/<int:topic_id>/move")
@roles_required(*MANAGERS)
def move_topic(survey_id: int, topic_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    item = _topic(survey, topic_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    try:
        services.move_topic(db_session(), item, up=form.direction.data == "up", user_id=current_user.id,
                            now=request_now())
    except services.SurveyError as exc:
        _refused(exc)
    return redirect(url_for("surveys.survey", survey_id=survey.id) + "#topics")


@bp.post("/<int:survey_id>/open")
@roles_required(*MANAGERS)
def open_survey(survey_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.open_survey(db_session(), survey, user_id=current_user.id, now=request_now())
    except services.SurveyError as exc:
        _refused(exc)
    else:
        audit("survey_opened", f"#{survey.id} version 1")
        flash(_("The survey is open: the people asked see it on My learning from %(date)s.",
                date=survey.opens_on.isoformat()), "success")
    return redirect(url_for("surveys.survey", survey_id=survey.id))


@bp.post("/<int:survey_id>/close")
@roles_required(*MANAGERS)
def close_survey(survey_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.close_survey(db_session(), survey, user_id=current_user.id, now=request_now())
    except services.SurveyError as exc:
        _refused(exc)
    else:
        audit("survey_closed", f"#{survey.id} version {survey.version}")
        flash(_("The survey is closed: answers can no longer be given or changed."), "success")
    return redirect(url_for("surveys.survey", survey_id=survey.id))


@bp.get("/<int:survey_id>/versions/<int:number>")
@roles_required(*MANAGERS)
def version(survey_id: int, number: int):
    survey, _root, _scope_ = _visible(survey_id)
    found = db_session().get(SurveyVersion, (survey.id, number))
    if found is None:
        abort(404)
    content = json.loads(found.content)
    root = db_session().get(OrgUnit, content.get("root_unit_id"))
    return render_template("surveys/version.html", survey=survey, version=found, content=content, root=root)


# ---- paper questionnaires ----------------------------------------------------------------

@bp.route("/<int:survey_id>/import", methods=["GET", "POST"])
@body_limit(CSV_BODY_BYTES)
@roles_required(*MANAGERS)
def import_responses(survey_id: int):
    """Paper questionnaires as CSV: every bad row listed with its line (nothing
    written, 422), or the counts of what changed (audited)."""
    survey, _root, scope = _editable(survey_id)
    form = ImportForm()
    errors: list[str] = []
    result = None
    status = 200
    if form.validate_on_submit():
        session = db_session()
        try:
            result = csv_import.import_responses(
                session, survey.id, form.file.data.read(), scope=scope, now=request_now(),
                default_language=str(current_app.config["DEFAULT_LANGUAGE"]))
        except ImportInvalid as exc:
            session.rollback()
            errors, status = import_errors(exc), 422
        except services.SurveyError as exc:
            session.rollback()
            errors, status = [_(str(exc))], 409
        else:
            services.record_import(session, survey, str(result), user_id=current_user.id, now=request_now())
            audit("survey_responses_imported", f"#{survey.id}: {result}")
    columns, required = csv_import.columns_of(survey)
    return render_template("surveys/import.html", survey=survey, form=form, errors=errors, result=result,
                           columns=columns, required=required, state=services.state_on(survey, _today())), status


@bp.get("/<int:survey_id>/import/template.csv")
@roles_required(*MANAGERS)
def import_template(survey_id: int):
    survey, _root, _scope_ = _editable(survey_id)
    columns, _required = csv_import.columns_of(survey)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    response = Response(("\ufeff" + out.getvalue()).encode("utf-8"), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.id}-paper.csv"'
    return response


# ---- the needs report ------------------------------------------------------------------------

def _report_unit(survey: Survey, root: OrgUnit, scope: Scope) -> OrgUnit:
    unit = services.report_unit(db_session(), root, scope, int_arg("unit"))
    if unit is None:
        deny(current_user, f"survey {survey.id}: org unit {request.args.get('unit', '')[:20]} outside scope", code=404)
    return unit


def _needs_report(survey_id: int):
    survey, root, scope = _visible(survey_id)
    session = db_session()
    unit = _report_unit(survey, root, scope)
    category = (request.args.get("category") or "").strip() or None
    if category is not None and category not in survey.category_names:
        abort(400, "unknown staff category")
    report = needs.needs_report(session, survey, unit, today=_today(), category=category)
    crumbs = ancestors_within(session, unit, None if scope.everything else scope.path)
    return report, crumbs


def _share(need: needs.Need | None) -> float | None:
    """The share of 'essential' to draw, if there is one to show."""
    share = need.essential_share if need is not None else None
    return share if isinstance(share, float) else None


def _cell_text(need: needs.Need | None) -> str:
    if need is None:
        return "—"
    if need.suppressed:
        return needs.SUPPRESSED
    if need.score is None:
        return _("no answer")
    return f"{need.score:.0f} · {pct(need.essential_share)}%"


def _charts(report: needs.NeedsReport) -> dict:
    by_cell = {(c.skill_type, c.target_level): c.need for c in report.cells}
    return {
        "heatmap": charts.need_heatmap(
            _("Need per skill type and target level (score · share 'essential')"),
            [str(SKILL_TYPE_LABELS[s]) for s in SKILL_TYPES], [str(TARGET_LEVEL_LABELS[t]) for t in TARGET_LEVELS],
            [[(_share(by_cell[(s, t)]), _cell_text(by_cell[(s, t)])) for t in TARGET_LEVELS] for s in SKILL_TYPES]),
        "side_by_side": charts.need_and_coverage(
            _("Need and coverage per cell"),
            [(cell_label((c.skill_type, c.target_level)), _share(c.need),
              needs.SUPPRESSED if c.need is not None and c.need.suppressed else "",
              c.coverage, _("%(n)s courses", n=c.offer)) for c in report.cells if c.need is not None],
            (_("Share 'essential'"), _("Coverage"))),
    }


@bp.get("/<int:survey_id>/needs")
@roles_required(*MANAGERS)
def needs_page(survey_id: int):
    report, crumbs = _needs_report(survey_id)
    return render_template("surveys/needs.html", report=report, crumbs=crumbs, titles=table_titles(),
                           charts=_charts(report), pct=pct, cell_label=cell_label, SUPPRESSED=needs.SUPPRESSED,
                           MIN_GROUP=needs.MIN_GROUP, HIGH_NEED_SCORE=needs.HIGH_NEED_SCORE,
                           FEW_COURSES=needs.FEW_COURSES, state_labels=STATE_LABELS,
                           language_label=LANGUAGE_LABELS[report.language], categories=STAFF_CATEGORIES)


@bp.get(f"/<int:survey_id>/needs.<{FORMATS}:fmt>")
@roles_required(*MANAGERS)
def needs_export(survey_id: int, fmt: str):
    name = request.args.get("table", "cells")
    if name not in TABLES:
        abort(400, "unknown table")
    report, _crumbs = _needs_report(survey_id)
    return send(needs_tables(report)[name], fmt)


def send(table: ExportTable, fmt: str) -> Response:
    body = to_csv(table) if fmt == "csv" else to_xlsx(table)
    response = Response(body, content_type=CSV_TYPE if fmt == "csv" else XLSX_TYPE)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in table.name)[:80] or "needs"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- answering -----------------------------------------------------------------------------

@bp.route("/<int:survey_id>/answer", methods=["GET", "POST"])
@login_required
def answer(survey_id: int):
    """The people asked answer here, once, and may change their answers until
    the survey closes (plain radio buttons: no JavaScript)."""
    session = db_session()
    survey = session.get(Survey, survey_id)
    if survey is None or survey.status == "draft":
        abort(404)
    if not services.in_target(session, survey, current_user):
        deny(current_user, f"survey {survey_id}: not in its target")
    state = services.state_on(survey, _today())
    response = services.response_of(session, survey.id, current_user.id)
    previous = {a.topic_id: (a.need, a.comment) for a in response.answers} if response else {}
    form = answer_form(survey, previous)
    status = 200
    if request.method == "POST":
        if state != "open":
            flash(_("This survey is not open for answers."), "error")
            status = 409
        elif form.validate_on_submit():
            answers = {t.id: (NEEDS.index(getattr(form, f"t{t.id}").data),
                              getattr(form, f"c{t.id}").data if t.comment_allowed else None) for t in survey.topics}
            try:
                _response, created = services.answer(session, survey_id=survey.id, user_id=current_user.id,
                                                     answers=answers, now=request_now())
            except services.SurveyError as exc:
                _refused(exc)
                status = 409
            else:
                flash(_("Thank you: your answers are recorded. You may change them until %(date)s.",
                        date=survey.closes_on.isoformat()) if created else
                      _("Your answers are changed."), "success")
                return redirect(url_for("dashboard.my_learning"))
        else:
            status = 400
    return render_template("surveys/answer.html", survey=survey, form=form, state=state, response=response,
                           need_labels=NEED_LABELS, state_labels=STATE_LABELS), status


@bp.app_template_global("L_NEED")
def need_label(code: int | str) -> str:
    name = NEEDS[code] if isinstance(code, int) else code
    return str(NEED_LABELS.get(name, name))


@bp.app_template_global("L_CATEGORY")
def category_label(category: str) -> str:
    return str(STAFF_CATEGORY_LABELS.get(category, category))
