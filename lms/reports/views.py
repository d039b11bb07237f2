"""Report pages and their CSV/XLSX exports. Training managers see their org
unit's subtree, administrators and national managers everything
(lms.orgs.scope); a unit or person outside the scope answers 404, exactly as
if it did not exist, for pages and exports alike."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Course
from lms.enums import SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.labels import SKILL_TYPE_LABELS, STAFF_CATEGORY_LABELS, TARGET_LEVEL_LABELS
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.permissions import login_required, roles_required
from lms.reports import charts, exports, services
from lms.reports.models import cell_column
from lms.reports.requests import REPORT_ROLES, filters_or_400, report_scope, transcript_of, unit_in_scope, viewer
from lms.web import db_session, request_now

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = "any(csv,xlsx)"
COVERAGE_TABLES = ("categories", "matrix", "units", "months")


def breadcrumbs(scope: Scope, unit: OrgUnit) -> list[OrgUnit]:
    return services.ancestors_within(db_session(), unit, None if scope.everything else scope.path)


# ---- tables shared by pages and exports --------------------------------------------

def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


FIGURE_COLUMNS = ("headcount", "registered", "enrolled", "completed", "coverage", "trained_in_period",
                  "completions_in_period")


def figure_labels() -> list[str]:
    return [_("Headcount"), _("Registered"), _("People enrolled"), _("Completed at least one course"), _("Coverage"),
            _("Newly trained in the period"), _("Completions in the period")]


def figure_values(f: services.Figures) -> list:
    return [f.headcount, f.registered, f.enrolled, f.completed, percent(f.coverage), f.trained_in_period,
            f.completions_in_period]


def cell_labels() -> list[str]:
    return [f"{SKILL_TYPE_LABELS[s]} · {TARGET_LEVEL_LABELS[t]}" for s in SKILL_TYPES for t in TARGET_LEVELS]


def unit_name(row) -> str:
    return _("%(unit)s (own staff)", unit=row.unit.name) if row.own else row.unit.name


def coverage_tables(report: services.CoverageReport) -> dict[str, exports.ExportTable]:
    stem = f"coverage-{report.unit.code}"
    cats = [(c, report.by_category[c]) for c in report.categories]
    return {
        "categories": exports.ExportTable(
            f"{stem}-categories", _("Coverage by staff category"), [_("Staff category"), *figure_labels()],
            [[str(STAFF_CATEGORY_LABELS[c]), *figure_values(f)] for c, f in cats]
            + [[_("Total"), *figure_values(report.total)]]),
        "matrix": exports.ExportTable(
            f"{stem}-matrix", _("People trained per skill type and target level"), [_("Staff category"), *cell_labels()],
            [[str(STAFF_CATEGORY_LABELS[c]), *[f.cells[col] for col in cell_columns()]] for c, f in cats]
            + [[_("Total"), *[report.total.cells[col] for col in cell_columns()]]]),
        "units": exports.ExportTable(
            f"{stem}-units", _("Coverage by org unit"), [_("Org unit code"), _("Org unit"), *figure_labels()],
            [[r.unit.code, unit_name(r), *figure_values(r.figures)] for r in report.rows]
            + [["", _("Total"), *figure_values(report.total)]]),
        "months": exports.ExportTable(
            f"{stem}-months", _("Completions per month"), [_("Month"), _("Completions"), _("Newly trained")],
            [[services.month_text(p.month), p.completions, p.trained] for p in report.months]),
    }


def cell_columns() -> list[str]:
    return [cell_column(s, t) for s in SKILL_TYPES for t in TARGET_LEVELS]


COURSE_LABELS = None


def course_labels() -> list[str]:
    return [_("People enrolled"), _("In progress"), _("Completed"), _("Pass rate"), _("Average best score"),
            _("Median days to complete"), _("Assignments overdue")]


def course_values(f: services.CourseFigures) -> list:
    return [f.enrolled, f.in_progress, f.completed, percent(f.pass_rate),
            "—" if f.average_best_score is None else round(f.average_best_score, 1),
            "—" if f.median_days is None else round(f.median_days, 1), f.overdue]


def courses_table(unit: OrgUnit, rows: list[services.CourseRow]) -> exports.ExportTable:
    return exports.ExportTable(
        f"courses-{unit.code}", _("Completion per course"),
        [_("Course code"), _("Course"), _("Skill type"), _("Target level"), *course_labels()],
        [[r.course.code, r.course.title, str(SKILL_TYPE_LABELS[r.course.skill_type]),
          str(TARGET_LEVEL_LABELS[r.course.target_level]), *course_values(r.figures)] for r in rows])


def course_units_table(unit: OrgUnit, course: Course, total, rows) -> exports.ExportTable:
    return exports.ExportTable(
        f"course-{course.code}-{unit.code}", _("%(course)s by org unit", course=course.title),
        [_("Org unit code"), _("Org unit"), *course_labels()],
        [[r.unit.code, unit_name(r), *course_values(r.figures)] for r in rows] + [["", _("Total"), *course_values(total)]])


def transcript_table(person, rows) -> exports.ExportTable:
    return exports.ExportTable(
        f"transcript-{person.username}", _("Transcript"),
        [_("Course code"), _("Course"), _("Enrolled"), _("Completed"), _("Score"), _("Quiz attempts"), _("Lessons done")],
        [[r.course.code, r.course.title, r.enrolled_at.date().isoformat(),
          r.completed_at.date().isoformat() if r.completed_at else "", "" if r.score is None else round(r.score, 1),
          r.attempts, f"{r.lessons_done}/{r.lessons_total}"] for r in rows])


def learners_table(unit: OrgUnit, rows) -> exports.ExportTable:
    return exports.ExportTable(
        f"learners-{unit.code}", _("Learners"),
        [_("Username"), _("Name"), _("Staff category"), _("Org unit"), _("Status"), _("Enrolments"), _("Completions")],
        [[r.user.username, r.user.full_name, str(STAFF_CATEGORY_LABELS[r.user.staff_category]),
          r.unit.name if r.unit else "", r.user.status, r.enrolled, r.completed] for r in rows])


def send(table: exports.ExportTable, fmt: str) -> Response:
    if fmt == "csv":
        body, mimetype = exports.to_csv(table), "text/csv; charset=utf-8"
    else:
        body, mimetype = exports.to_xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{ascii_name(table.name)}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def ascii_name(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)[:80] or "report"


# ---- charts ---------------------------------------------------------------------

def coverage_charts(report: services.CoverageReport) -> dict:
    cat = report.category
    focus = report.by_category[cat] if cat else report.total
    return {
        "bars": charts.coverage_bars(_("Coverage per staff category"),
                                     [(str(STAFF_CATEGORY_LABELS[c]), report.by_category[c].coverage) for c in report.categories]),
        "heatmap": charts.heatmap(
            _("People trained per skill type and target level") + (f" · {STAFF_CATEGORY_LABELS[cat]}" if cat else ""),
            [str(SKILL_TYPE_LABELS[s]) for s in SKILL_TYPES], [str(TARGET_LEVEL_LABELS[t]) for t in TARGET_LEVELS],
            [[focus.cells[cell_column(s, t)] for t in TARGET_LEVELS] for s in SKILL_TYPES]),
        "line": charts.line_chart(_("Completions per month"),
                                  [(services.month_text(p.month), p.completions) for p in report.months]),
    }


# ---- pages -------------------------------------------------------------------------

@bp.get("/")
@roles_required(*REPORT_ROLES)
def index():
    return redirect(url_for("reports.coverage"))


def _coverage_report():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    report = services.coverage(db_session(), unit, flt.period, category=flt.category)
    return scope, flt, unit, report


@bp.get("/coverage")
@roles_required(*REPORT_ROLES)
def coverage():
    scope, flt, unit, report = _coverage_report()
    return render_template("reports/coverage.html", report=report, flt=flt, unit=unit,
                           crumbs=breadcrumbs(scope, unit), tables=coverage_tables(report),
                           charts=coverage_charts(report), categories=STAFF_CATEGORIES,
                           cell_columns=cell_columns(), month_text=services.month_text, percent=percent)


@bp.get(f"/coverage.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def coverage_export(fmt: str):
    name = request.args.get("table", "categories")
    if name not in COVERAGE_TABLES:
        abort(400, "unknown table")
    _scope, _flt, _unit, report = _coverage_report()
    return send(coverage_tables(report)[name], fmt)


def _courses():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    rows = services.course_report(db_session(), unit, flt.period, now=request_now())
    return scope, flt, unit, rows


@bp.get("/courses")
@roles_required(*REPORT_ROLES)
def courses():
    scope, flt, unit, rows = _courses()
    return render_template("reports/courses.html", rows=rows, flt=flt, unit=unit, crumbs=breadcrumbs(scope, unit),
                           table=courses_table(unit, rows),
                           as_of=services.as_of_moment(flt.period, request_now()))


@bp.get(f"/courses.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def courses_export(fmt: str):
    _scope, _flt, unit, rows = _courses()
    return send(courses_table(unit, rows), fmt)


def _course(code: str):
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    course = db_session().scalar(select(Course).where(Course.code == code)) if len(code) <= 32 else None
    if course is None:
        abort(404)
    total, rows = services.course_by_unit(db_session(), unit, course, flt.period, now=request_now())
    return scope, flt, unit, course, total, rows


@bp.get("/courses/<code>")
@roles_required(*REPORT_ROLES)
def course(code: str):
    scope, flt, unit, course, total, rows = _course(code)
    return render_template("reports/course.html", course=course, total=total, rows=rows, flt=flt, unit=unit,
                           crumbs=breadcrumbs(scope, unit),
                           as_of=services.as_of_moment(flt.period, request_now()))


@bp.get(f"/courses/<code>/units.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def course_export(code: str, fmt: str):
    _scope, _flt, unit, course, total, rows = _course(code)
    return send(course_units_table(unit, course, total, rows), fmt)


def _learners():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    q = request.args.get("q", "")[:100]
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100_000 else 1
    rows, total = services.learners(db_session(), unit, q=q, page=page)
    return scope, flt, unit, q, page, rows, total


@bp.get("/learners")
@roles_required(*REPORT_ROLES)
def learners():
    scope, flt, unit, q, page, rows, total = _learners()
    return render_template("reports/learners.html", rows=rows, total=total, q=q, page=page, flt=flt, unit=unit,
                           crumbs=breadcrumbs(scope, unit), pages=max(1, -(-total // 50)))


@bp.get(f"/learners.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def learners_export(fmt: str):
    _scope, _flt, unit, _q, _page, rows, _total = _learners()
    return send(learners_table(unit, rows), fmt)


@bp.get("/transcript")
@login_required
def my_transcript():
    return redirect(url_for("reports.transcript", user_id=viewer().id))


@bp.get("/learners/<int(max=9223372036854775807):user_id>")
@login_required
def transcript(user_id: int):
    person, rows = transcript_of(user_id)
    unit = db_session().get(OrgUnit, person.org_unit_id) if person.org_unit_id else None
    return render_template("reports/transcript.html", person=person, unit=unit, rows=rows, now=request_now())


@bp.get(f"/learners/<int(max=9223372036854775807):user_id>/transcript.<{FORMATS}:fmt>")
@login_required
def transcript_export(user_id: int, fmt: str):
    person, rows = transcript_of(user_id)
    return send(transcript_table(person, rows), fmt)
