"""Report pages and their CSV/XLSX exports. Training managers see their org
unit's subtree, administrators and national managers everything
(lms.orgs.scope); a unit or person outside the scope answers 404, exactly as
if it did not exist, for pages and exports alike."""
from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, pgettext
from flask_babel import gettext as _
from werkzeug.wsgi import wrap_file

from lms.certificates import services as certificates
from lms.courses.models import DELIVERY_MODES, Course
from lms.courses.services import get_course
from lms.enums import PROFESSIONS, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.labels import DELIVERY_MODE_LABELS, PROFESSION_LABELS, SKILL_TYPE_LABELS, STAFF_CATEGORY_LABELS, TARGET_LEVEL_LABELS
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.params import int_arg
from lms.permissions import login_required, roles_required
from lms.programmes.services import get_programme, published_programmes
from lms.reports import charts, exports, services
from lms.reports import programmes as programme_sql
from lms.reports.exports import DATE, INT, MONTH, NUMBER, PERCENT, Column
from lms.reports.models import cell_column
from lms.reports.requests import REPORT_ROLES, filters_or_400, page_filters, report_scope, transcript_of, unit_in_scope, viewer
from lms.web import db_session, request_now, request_today
from lms.zones import local_date, start_of_local_day

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = "any(csv,xlsx)"
UNITS_PER_PAGE = 100  # children of a unit per coverage page
COVERAGE_TABLES = ("categories", "matrix", "modes", "units", "months")


def breadcrumbs(scope: Scope, unit: OrgUnit) -> list[OrgUnit]:
    return services.ancestors_within(db_session(), unit, None if scope.everything else scope.path)


# ---- tables shared by pages and exports --------------------------------------------

def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def title_part(text: str) -> str:
    """A sentence of a page ("Period: 2026-01 to 2026-04.") as a part of an export's title row."""
    return text.rstrip(".。 ")


def unit_label(unit: OrgUnit) -> str:
    return f"{unit.name} ({unit.code})"


def period_label(period: services.Period) -> str:
    end = services.month_text(period.end)
    if period.start:
        return title_part(_("Period: %(start)s to %(end)s.", start=services.month_text(period.start), end=end))
    return title_part(_("As of the end of %(end)s.", end=end))


def as_of_label(moment: datetime) -> str:
    return title_part(_("As of %(moment)s.", moment=format_datetime(moment, "short")))


FIGURE_COLUMNS = ("headcount", "registered", "enrolled", "completed", "coverage", "trained_in_period",
                  "completions_in_period")


def figure_labels() -> list[Column]:
    return [Column(_("Headcount"), INT), Column(_("Registered"), INT), Column(_("People enrolled"), INT),
            Column(_("Completed at least one course"), INT), Column(_("Coverage"), PERCENT),
            Column(_("Newly trained in the period"), INT), Column(_("Completions in the period"), INT)]


def figure_values(f: services.Figures) -> list:
    return [f.headcount, f.registered, f.enrolled, f.completed, f.coverage, f.trained_in_period,
            f.completions_in_period]


def mode_labels() -> list[Column]:
    """People trained per mode of training (lms.reports.services: a person trained two ways counts in both)."""
    return [Column(_("Trained: %(mode)s", mode=DELIVERY_MODE_LABELS[m]), INT) for m in DELIVERY_MODES]


def mode_values(f: services.Figures) -> list:
    return [f.modes[m] for m in DELIVERY_MODES]


def cell_labels() -> list[Column]:
    return [Column(f"{SKILL_TYPE_LABELS[s]} · {TARGET_LEVEL_LABELS[t]}", INT) for s in SKILL_TYPES for t in TARGET_LEVELS]


def unit_name(row) -> str:
    return _("%(unit)s (own staff)", unit=row.unit.name) if row.own else row.unit.name


def coverage_tables(report: services.CoverageReport) -> dict[str, exports.ExportTable]:
    stem = f"coverage-{report.unit.code}"
    cats = [(c, report.by_category[c]) for c in report.categories]
    context = [unit_label(report.unit), str(STAFF_CATEGORY_LABELS[report.category]) if report.category else "",
               mode_context(report.mode), period_label(report.period)]
    return {
        "categories": exports.ExportTable(
            f"{stem}-categories", _("Coverage by staff category"), [_("Staff category"), *figure_labels()],
            [[str(STAFF_CATEGORY_LABELS[c]), *figure_values(f)] for c, f in cats]
            + [[_("Total"), *figure_values(report.total)]], context),
        "matrix": exports.ExportTable(
            f"{stem}-matrix", _("People trained per skill type and target level"), [_("Staff category"), *cell_labels()],
            [[str(STAFF_CATEGORY_LABELS[c]), *[f.cells[col] for col in cell_columns()]] for c, f in cats]
            + [[_("Total"), *[report.total.cells[col] for col in cell_columns()]]], context),
        "modes": exports.ExportTable(
            f"{stem}-modes", _("People trained per mode of training"), [_("Staff category"), *mode_labels()],
            [[str(STAFF_CATEGORY_LABELS[c]), *mode_values(f)] for c, f in cats]
            + [[_("Total"), *mode_values(report.total)]], context),
        "units": exports.ExportTable(
            f"{stem}-units", _("Coverage by org unit"),
            [_("Org unit code"), _("Org unit"), *figure_labels(), *mode_labels()],
            [[r.unit.code, unit_name(r), *figure_values(r.figures), *mode_values(r.figures)] for r in report.rows]
            + [["", _("Total"), *figure_values(report.total), *mode_values(report.total)]], context),
        "months": exports.ExportTable(
            f"{stem}-months", _("Completions per month"),
            [Column(_("Month"), MONTH), Column(_("Completions"), INT), Column(_("Newly trained"), INT)],
            [[services.month_first_day(p.month), p.completions, p.trained] for p in report.months], context),
    }


def mode_context(mode: str | None) -> str:
    """The mode filter, in an export's title rows ("" without one)."""
    return title_part(_("Training of mode %(mode)s only.", mode=DELIVERY_MODE_LABELS[mode])) if mode else ""


def cell_columns() -> list[str]:
    return [cell_column(s, t) for s in SKILL_TYPES for t in TARGET_LEVELS]


COURSE_LABELS = None


def course_labels() -> list[Column]:
    return [Column(_("People enrolled"), INT), Column(_("In progress"), INT), Column(_("Completed"), INT),
            Column(_("Pass rate"), PERCENT), Column(_("Average best score"), NUMBER),
            Column(_("Median days to complete"), NUMBER), Column(_("Assignments overdue"), INT)]


def course_values(f: services.CourseFigures) -> list:
    return [f.enrolled, f.in_progress, f.completed, f.pass_rate, f.average_best_score, f.median_days, f.overdue]


def review_values(course: Course, today: date) -> list:
    """Review by, and "overdue" when the published course is past it (the review cycle, issue 18)."""
    overdue = course.status == "published" and course.review_by is not None and course.review_by < today
    return [course.review_by, _("Review overdue") if overdue else ""]


def courses_table(unit: OrgUnit, rows: list[services.CourseRow], as_of: datetime, today: date,
                  review_overdue_only: bool = False) -> exports.ExportTable:
    context = [unit_label(unit), as_of_label(as_of)]
    if review_overdue_only:
        context.append(_("Only courses past their review date"))
    return exports.ExportTable(
        f"courses-{unit.code}", _("Completion per course"),
        [_("Course code"), _("Course"), _("Skill type"), _("Target level"), *course_labels(), _("Mode of training"),
         Column(_("Review by"), DATE), _("Review status")],
        [[r.course.code, r.course.title, str(SKILL_TYPE_LABELS[r.course.skill_type]),
          str(TARGET_LEVEL_LABELS[r.course.target_level]), *course_values(r.figures),
          str(DELIVERY_MODE_LABELS[r.course.delivery_mode]), *review_values(r.course, today)] for r in rows],
        context)


def course_units_table(unit: OrgUnit, course: Course, total, rows, as_of: datetime) -> exports.ExportTable:
    return exports.ExportTable(
        f"course-{course.code}-{unit.code}", _("%(course)s by org unit", course=course.title),
        [_("Org unit code"), _("Org unit"), *course_labels()],
        [[r.unit.code, unit_name(r), *course_values(r.figures)] for r in rows] + [["", _("Total"), *course_values(total)]],
        [course.code, unit_label(unit), as_of_label(as_of)])


def person_label(person) -> str:
    return f"{person.full_name} ({person.username})" if person.full_name else person.username


def recorded_line(info: services.RecordedInfo | None) -> str:
    """ "recorded by <name> on <date>: <place>" for training done elsewhere, else ""."""
    if info is None:
        return ""
    return _("recorded by %(name)s on %(date)s: %(place)s", name=info.by or "—", date=format_date(info.at, "medium"),
             place=info.place)


def transcript_table(person, unit: OrgUnit | None, rows, now: datetime) -> exports.ExportTable:
    return exports.ExportTable(
        "-".join(part for part in ("transcript", person.username, person.full_name, unit.code if unit else "") if part),
        _("Transcript"),
        [_("Course code"), _("Course"), Column(pgettext("date", "Enrolled"), DATE), Column(pgettext("date", "Completed"), DATE),
         Column(_("Score"), NUMBER), Column(_("Quiz attempts"), INT), Column(_("Lessons done"), INT),
         Column(_("Lessons"), INT), _("Mode of training"), _("Recorded (training done elsewhere)")],
        [[r.course.code, r.course.title, local_date(r.enrolled_at), local_date(r.completed_at) if r.completed_at else None,
          r.score, r.attempts, r.lessons_done, r.lessons_total, str(DELIVERY_MODE_LABELS[r.mode]) if r.mode else "",
          recorded_line(r.recorded)] for r in rows],
        [person_label(person), unit_label(unit) if unit else "", as_of_label(now)])


def learners_table(unit: OrgUnit, q: str, rows) -> exports.ExportTable:
    """Every person of the search (not one page): `rows` are services.LearnerLine, streamed."""
    categories = {c: str(STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES}
    return exports.ExportTable(
        f"learners-{unit.code}", _("Learners"),
        [_("Username"), _("Name"), _("Staff category"), _("Org unit code"), _("Org unit"), _("Status"),
         Column(_("Enrolments"), INT), Column(_("Completions"), INT)],
        ([r.username, r.full_name, categories.get(r.staff_category, r.staff_category), r.unit_code, r.unit_name,
          r.status, r.enrolled, r.completed] for r in rows),
        [unit_label(unit), f"{_('Name or username')}: {q}" if q else ""])


def learner_lines(unit_path: str, q: str, profession: str | None = None) -> Iterator[services.LearnerLine]:
    """All people of a learner search, read through a read-only session of
    their own: a streamed CSV is written after the view returned, when the
    request's session is already closed. The session opens with the first
    row and closes with the last (or when the download is abandoned)."""
    database = current_app.extensions["lms_db"]

    def lines() -> Iterator[services.LearnerLine]:
        session = database.session()
        try:
            yield from services.all_learners(session, unit_path, q=q, profession=profession)
        finally:
            session.close()

    return lines()


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_IN_MEMORY = 1024 * 1024  # a larger workbook is spooled to a temporary file


def send(table: exports.ExportTable, fmt: str) -> Response:
    """CSV streams row by row; XLSX is written (memory bounded) before the
    response starts, then sent from its spool file."""
    if fmt == "csv":
        # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype itself.
        response = Response(exports.csv_chunks(table), content_type=CSV_TYPE)
    else:
        spool = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY)  # noqa: SIM115 - closed by the response
        try:
            exports.write_xlsx(table, spool)
        except BaseException:
            spool.close()
            raise
        size = spool.tell()
        spool.seek(0)
        if size <= XLSX_IN_MEMORY:  # still in memory: send the bytes
            with spool:
                response = Response(spool.read(), content_type=XLSX_TYPE)
        else:
            response = Response(wrap_file(request.environ, spool), content_type=XLSX_TYPE, direct_passthrough=True)
            response.content_length = size
    response.headers["Content-Disposition"] = attachment(table.name, fmt)
    response.headers["Cache-Control"] = "no-store"
    return response


def ascii_name(name: str) -> str:
    """The file name in ASCII letters, digits, - and _ (a part of nothing but other characters is left out)."""
    plain = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else " " for ch in name)
    parts = (re.sub(r"[\s_]+", "_", part.strip(" _")) for part in plain.split("-"))
    return "-".join(part for part in parts if part)[:80] or "report"


def attachment(stem: str, fmt: str) -> str:
    """Content-Disposition: an ASCII file name, and the full one (Chinese
    names) as RFC 6266 filename* where it differs."""
    plain = f"{ascii_name(stem)}.{fmt}"
    full = re.sub(r'[\x00-\x1f\x7f\\/:*?"<>|]+', "_", stem).strip(" ._")[:120]
    if not full or f"{full}.{fmt}" == plain:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(f'{full}.{fmt}', safe='')}"


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


def _coverage_report(*, page: bool = False):
    scope = report_scope()
    flt = page_filters() if page else filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    report = services.coverage(db_session(), unit, flt.period, category=flt.category, mode=flt.mode)
    return scope, flt, unit, report


@bp.get("/coverage")
@roles_required(*REPORT_ROLES)
def coverage():
    scope, flt, unit, full = _coverage_report(page=True)
    # The page shows the unit's own staff and one page of its children (by
    # code); the exports and the totals hold every child.
    children = full.rows[1:]
    pages = max(1, -(-len(children) // UNITS_PER_PAGE))
    page = min(int_arg("page", maximum=1_000_000) or 1, pages)
    report = dataclasses.replace(full, rows=full.rows[:1] + children[(page - 1) * UNITS_PER_PAGE:page * UNITS_PER_PAGE])
    return render_template("reports/coverage.html", report=report, flt=flt, unit=unit, page=page, pages=pages,
                           children_total=len(children),
                           crumbs=breadcrumbs(scope, unit), tables=coverage_tables(report),
                           charts=coverage_charts(report), categories=STAFF_CATEGORIES,
                           cell_columns=cell_columns(), delivery_modes=DELIVERY_MODES, month_text=services.month_text, percent=percent), \
        (400 if flt.problems else 200)


@bp.get(f"/coverage.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def coverage_export(fmt: str):
    name = request.args.get("table", "categories")
    if name not in COVERAGE_TABLES:
        abort(400, "unknown table")
    _scope, _flt, _unit, report = _coverage_report()
    return send(coverage_tables(report)[name], fmt)


REVIEW_FILTERS = ("", "overdue")  # ?review=overdue: only published courses past their review date


def _review_filter() -> bool:
    value = (request.args.get("review") or "").strip()
    if value not in REVIEW_FILTERS:
        abort(400, "review must be empty or overdue")
    return value == "overdue"


def _courses(*, page: bool = False):
    scope = report_scope()
    flt = page_filters() if page else filters_or_400()
    review_only = _review_filter()
    unit = unit_in_scope(scope, flt.unit_id)
    rows = services.course_report(db_session(), unit, flt.period, now=request_now(), mode=flt.mode,
                                  review_overdue_only=review_only)
    return scope, flt, unit, rows, review_only


@bp.get("/courses")
@roles_required(*REPORT_ROLES)
def courses():
    scope, flt, unit, rows, review_only = _courses(page=True)
    as_of = services.as_of_moment(flt.period, request_now())
    return render_template("reports/courses.html", rows=rows, flt=flt, unit=unit, crumbs=breadcrumbs(scope, unit),
                           table=courses_table(unit, rows, as_of, request_today(), review_only), as_of=as_of,
                           review_only=review_only,
                           query=flt.query(**({"review": "overdue"} if review_only else {}))), \
        (400 if flt.problems else 200)


@bp.get(f"/courses.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def courses_export(fmt: str):
    _scope, flt, unit, rows, review_only = _courses()
    return send(courses_table(unit, rows, services.as_of_moment(flt.period, request_now()), request_today(),
                              review_only), fmt)


def _course(code: str):
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    course = get_course(db_session(), code) if len(code) <= 32 else None
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
    _scope, flt, unit, course, total, rows = _course(code)
    return send(course_units_table(unit, course, total, rows, services.as_of_moment(flt.period, request_now())), fmt)


def _learner_search():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    q = request.args.get("q", "")[:100].strip()
    return scope, flt, unit, q


def profession_arg() -> str | None:
    """The ?profession= filter (empty: everyone); an unknown value is a 400."""
    value = request.args.get("profession", "")
    if value and value not in PROFESSIONS:
        abort(400, "unknown profession")
    return value or None


@bp.get("/learners")
@roles_required(*REPORT_ROLES)
def learners():
    scope, flt, unit, q = _learner_search()
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    profession = profession_arg()
    rows, total = services.learners(db_session(), unit, q=q, page=page, profession=profession)
    return render_template("reports/learners.html", rows=rows, total=total, q=q, page=page, flt=flt, unit=unit,
                           crumbs=breadcrumbs(scope, unit), pages=max(1, -(-total // 50)), profession=profession,
                           professions=PROFESSIONS)


@bp.get(f"/learners.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def learners_export(fmt: str):
    """Everyone the search finds, whatever page the reader was on."""
    _scope, _flt, unit, q = _learner_search()
    return send(learners_table(unit, q, learner_lines(unit.path, q, profession_arg())), fmt)


@bp.get("/transcript")
@login_required
def my_transcript():
    return redirect(url_for("reports.transcript", user_id=viewer().id))


@bp.get("/learners/<int:user_id>")
@login_required
def transcript(user_id: int):
    person, rows = transcript_of(user_id)
    unit = db_session().get(OrgUnit, person.org_unit_id) if person.org_unit_id else None
    return render_template("reports/transcript.html", person=person, unit=unit, rows=rows, now=request_now(),
                           certs=certificates.codes_by_course(db_session(), user_id=person.id))


@bp.get(f"/learners/<int:user_id>/transcript.<{FORMATS}:fmt>")
@login_required
def transcript_export(user_id: int, fmt: str):
    person, rows = transcript_of(user_id)
    unit = db_session().get(OrgUnit, person.org_unit_id) if person.org_unit_id else None
    return send(transcript_table(person, unit, rows, request_now()), fmt)


# ---- programmes (issue 16) ----------------------------------------------------------

PROGRAMME_TABLES = ("categories", "units", "people")
PEOPLE_ON_PAGE = 500


def programme_tables(unit: OrgUnit, programme, rows, units, people, profession: str | None,
                     category: str | None) -> dict[str, exports.ExportTable]:
    stem = f"programme-{programme.code}-{unit.code}"
    context = [programme.title, unit_label(unit), str(PROFESSION_LABELS[profession]) if profession else ""]
    figures = [Column(_("Headcount"), INT), Column(_("Registered"), INT), Column(_("Completed the programme"), INT),
               Column(_("Coverage"), PERCENT)]
    return {
        "units": exports.ExportTable(
            f"{stem}-units", _("Coverage of the programme by org unit"), [_("Org unit code"), _("Org unit"), *figures],
            [[r.unit.code, unit_name(r), r.headcount, r.registered, r.completed, r.coverage] for r in units],
            [*context, str(STAFF_CATEGORY_LABELS[category]) if category else ""]),
        "categories": exports.ExportTable(
            f"{stem}-categories", _("Coverage of the programme by staff category"),
            [_("Staff category"), Column(_("Headcount"), INT), Column(_("Registered"), INT),
             Column(_("Completed the programme"), INT), Column(_("Coverage"), PERCENT)],
            [[str(STAFF_CATEGORY_LABELS[r.staff_category]), r.headcount, r.registered, r.completed, r.coverage]
             for r in rows], context),
        "people": exports.ExportTable(
            f"{stem}-people", _("Progress per person"),
            [_("Username"), _("Name"), _("Staff category"), _("Profession"), _("Org unit code"), _("Org unit"),
             Column(_("Required courses done"), INT), Column(_("Optional courses done"), INT),
             Column(_("Programme completed"), DATE)],
            ([p.username, p.full_name, str(STAFF_CATEGORY_LABELS[p.staff_category]),
              str(PROFESSION_LABELS[p.profession]) if p.profession else "", p.unit_code, p.unit_name,
              p.required_done, p.optional_done, local_date(p.completed_at) if p.completed_at else None] for p in people),
            context),
    }


def _programme_report(code: str, *, limit: int | None):
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    programme = get_programme(db_session(), code)
    if programme is None or programme.status == "draft":
        abort(404)
    profession = profession_arg()
    session = db_session()
    today = request_today()
    rows = programme_sql.coverage_by_category(session, unit, programme, today=today, profession=profession)
    units = programme_sql.coverage_by_unit(session, unit, programme, today=today, category=flt.category,
                                           profession=profession)
    people = programme_sql.people_progress(session, unit, programme, profession=profession, limit=limit)
    return scope, flt, unit, programme, profession, rows, units, people


@bp.get("/programmes")
@roles_required(*REPORT_ROLES)
def programmes():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    return render_template("reports/programmes.html", programmes=published_programmes(db_session()), unit=unit,
                           flt=flt, crumbs=breadcrumbs(scope, unit))


@bp.get("/programmes/<code>")
@roles_required(*REPORT_ROLES)
def programme(code: str):
    scope, flt, unit, found, profession, rows, units, people = _programme_report(code, limit=PEOPLE_ON_PAGE + 1)
    people = list(people)
    return render_template("reports/programme.html", programme=found, unit=unit, flt=flt, rows=rows, units=units,
                           categories=STAFF_CATEGORIES, unit_name=unit_name,
                           people=people[:PEOPLE_ON_PAGE], more=len(people) > PEOPLE_ON_PAGE, profession=profession,
                           professions=PROFESSIONS, crumbs=breadcrumbs(scope, unit), percent=percent)


@bp.get(f"/programmes/<code>.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def programme_export(code: str, fmt: str):
    name = request.args.get("table", "categories")
    if name not in PROGRAMME_TABLES:
        abort(400, "unknown table")
    _scope, flt, unit, found, profession, rows, units, people = _programme_report(code, limit=None)
    return send(programme_tables(unit, found, rows, units, people, profession, flt.category)[name], fmt)
# ---- certificates (issue 16) ---------------------------------------------------------

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
CERTIFICATES_PER_PAGE = 100


def _day_arg(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        if not _DAY_RE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        abort(400, f"{name} must be a date YYYY-MM-DD")


def _certificate_filters():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    code = (request.args.get("course") or "").strip()[:32]
    course = get_course(db_session(), code) if code else None
    if code and course is None:
        abort(400, "unknown course code")
    status = (request.args.get("status") or "").strip() or None
    if status is not None and status not in certificates.STATUSES:
        abort(400, "unknown status")
    issued_from, issued_to = _day_arg("issued_from"), _day_arg("issued_to")
    if issued_from and issued_to and issued_from > issued_to:
        abort(400, "issued_from is after issued_to")
    listed = certificates.ListFilters(
        unit_path=unit.path, course_id=course.id if course else None, status=status,
        issued_from=start_of_local_day(issued_from) if issued_from else None,
        issued_before=start_of_local_day(issued_to + timedelta(days=1)) if issued_to else None)
    args = {k: v for k, v in {"course": code, "status": status, "issued_from": issued_from and issued_from.isoformat(),
                              "issued_to": issued_to and issued_to.isoformat()}.items() if v}
    return scope, flt, unit, listed, args


def certificate_status_label(status: str) -> str:
    return {"valid": _("valid"), "revoked": _("revoked"), "expired": _("expired")}[status]


def certificates_table(unit: OrgUnit, rows: Iterator[certificates.ListRow], args: dict, now: datetime) -> exports.ExportTable:
    return exports.ExportTable(
        f"certificates-{unit.code}", _("Certificates"),
        [_("Serial number"), _("Holder"), _("Username"), _("Org unit code"), _("Org unit (when issued)"),
         _("Course or programme"), Column(_("Completed on"), DATE), Column(_("Hours"), NUMBER),
         Column(_("Issued on"), DATE), Column(_("Valid until"), DATE), _("Status"), Column(_("Revoked on"), DATE)],
        ([r.certificate.serial, r.certificate.holder_name, r.username, r.unit_code, r.certificate.unit_name,
          r.certificate.title, r.certificate.completed_at, r.certificate.hours, r.certificate.issued_at,
          r.certificate.expires_at, certificate_status_label(r.status), r.certificate.revoked_at] for r in rows),
        [unit_label(unit), *(f"{label}: {certificate_status_label(args[key]) if key == 'status' else args[key]}"
                             for key, label in certificate_filter_labels().items() if key in args), as_of_label(now)])


def certificate_filter_labels() -> dict[str, str]:
    return {"course": _("Course code"), "status": _("Status"), "issued_from": _("Issued from"),
            "issued_to": _("Issued until")}


def certificate_lines(flt: certificates.ListFilters, now: datetime) -> Iterator[certificates.ListRow]:
    """Every certificate of the list, read through a session of its own (the CSV streams after the view returned)."""
    database = current_app.extensions["lms_db"]

    def lines() -> Iterator[certificates.ListRow]:
        session = database.session()
        try:
            yield from certificates.all_certificates(session, flt, now=now)
        finally:
            session.close()

    return lines()


@bp.get("/certificates")
@roles_required(*REPORT_ROLES)
def certificate_list():
    scope, flt, unit, listed, args = _certificate_filters()
    page = int_arg("page", maximum=1_000_000) or 1
    rows, total = certificates.certificate_list(db_session(), listed, now=request_now(), page=page,
                                                per_page=CERTIFICATES_PER_PAGE)
    return render_template("reports/certificates.html", rows=rows, total=total, flt=flt, unit=unit, args=args,
                           crumbs=breadcrumbs(scope, unit), page=page, statuses=certificates.STATUSES,
                           pages=max(1, -(-total // CERTIFICATES_PER_PAGE)))


@bp.get(f"/certificates.<{FORMATS}:fmt>")
@roles_required(*REPORT_ROLES)
def certificates_export(fmt: str):
    _scope, _flt, unit, listed, args = _certificate_filters()
    now = request_now()
    return send(certificates_table(unit, certificate_lines(listed, now), args, now), fmt)
