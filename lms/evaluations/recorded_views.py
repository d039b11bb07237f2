"""Pages of training recorded from elsewhere: the list (in the viewer's
scope, filtered, paged), the form (one course, several people) and the CSV
upload. Managers, trainers (their unit's subtree) and administrators."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.csv_upload import CSV_BODY_BYTES, csv_import_page
from lms.csvfile import ImportInvalid
from lms.evaluations import recorded
from lms.evaluations.recorded_forms import RecordForm
from lms.orgs.scope import staff_scope
from lms.params import int_arg
from lms.permissions import roles_required
from lms.web import audit, body_limit, db_session, request_now, request_today

bp = Blueprint("recorded", __name__, url_prefix="/records")

PER_PAGE = 50


def _scope():
    return staff_scope(db_session(), current_user)


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _audit(result: recorded.RecordResult) -> None:
    """One audit row per completion recorded (who, which course, when, where, the evidence)."""
    for r in result.recorded:
        audit("training_recorded", f"{r.username} {r.course_code} on {r.completed_on}; place: {r.place}; "
                                   f"evidence: {r.evidence}")


@bp.get("/")
@roles_required(*recorded.RECORDER_ROLES)
def index():
    session = db_session()
    scope = _scope()
    course_id = int_arg("course")
    q = request.args.get("q", "")[:100]
    since, until = _date_arg("since"), _date_arg("until")
    page = int_arg("page", maximum=100_000) or 1
    rows, total = recorded.recorded_page(session, scope, course_id=course_id, q=q, since=since, until=until,
                                         page=page, per_page=PER_PAGE)
    query = {k: v for k, v in (("course", course_id), ("q", q), ("since", since), ("until", until)) if v}
    return render_template("evaluations/recorded_index.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), courses=recorded.recorded_courses(session),
                           course_id=course_id, q=q, since=since, until=until, query=query, empty_scope=scope.empty)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*recorded.RECORDER_ROLES)
def new():
    session = db_session()
    form = RecordForm()
    form.course.choices = [("", "—")] + [(c.code, f"{c.code} · {c.title}") for c in recorded.recorded_courses(session)]
    errors: list[str] = []
    result = None
    if request.method == "GET" and request.args.get("course"):
        form.course.data = request.args["course"][:40]
    if form.validate_on_submit():
        try:
            result = recorded.record_training(
                session, recorder=current_user, scope=_scope(), course_code=form.course.data,
                usernames=recorded.parse_usernames(form.usernames.data), completed_on=form.completed_on.data,
                place=form.place.data, evidence=form.evidence.data, now=request_now(), today=request_today(),
                mode=form.mode.data)
        except ImportInvalid as exc:
            session.rollback()
            errors = [_(e.message, **e.params) for e in exc.errors]
        else:
            _audit(result)
            flash(_("%(n)s completions recorded; %(m)s people had already completed the course (unchanged).",
                    n=len(result.recorded), m=len(result.already)), "success")
    status = 422 if errors or form.errors else 200
    return render_template("evaluations/recorded_new.html", form=form, errors=errors, result=result), status


@bp.route("/import", methods=["GET", "POST"])
@body_limit(CSV_BODY_BYTES)
@roles_required(*recorded.RECORDER_ROLES)
def import_csv():
    return csv_import_page(
        lambda session, data: recorded.import_records(session, data, recorder=current_user, scope=_scope(),
                                                      now=request_now(), today=request_today()),
        columns=recorded.RECORDED_COLUMNS, audit_result=_audit, template="evaluations/recorded_import.html",
        back=url_for("recorded.index"))


@bp.get("/template.csv")
@roles_required(*recorded.RECORDER_ROLES)
def template_csv():
    """An empty file with the header line, to fill in a spreadsheet."""
    body = "\ufeff" + ",".join(recorded.RECORDED_COLUMNS) + "\r\n"
    return body, 200, {"Content-Type": "text/csv; charset=utf-8",
                       "Content-Disposition": "attachment; filename=recorded-training.csv"}
