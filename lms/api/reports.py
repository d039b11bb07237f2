"""The reports as JSON under /api/v1/reports (bearer tokens; training
managers and administrators; the same scope as the pages)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify

from lms.api import errors
from lms.api.views import authenticate
from lms.courses.services import get_course
from lms.permissions import roles_required
from lms.reports import services
from lms.reports.models import CELLS, cell_column
from lms.reports.requests import REPORT_ROLES, filters_or_400, report_scope, transcript_of, unit_in_scope
from lms.web import db_session, request_now

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
bp.before_request(authenticate)  # bearer token only, exactly as the rest of /api/v1
errors.register(bp)


def _iso(moment):
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def _unit(unit):
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}


def _period(period: services.Period) -> dict:
    return {"start": services.month_text(period.start) if period.start else None,
            "end": services.month_text(period.end), "headcount_date": period.end_date.isoformat()}


def _cells(figures: services.Figures) -> list[dict]:
    return [{"skill_type": s, "target_level": t, "people": figures.cells[cell_column(s, t)]} for s, t in CELLS]


@bp.get("/coverage")
@roles_required(*REPORT_ROLES)
def coverage():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    report = services.coverage(db_session(), unit, flt.period, category=flt.category, mode=flt.mode)
    return jsonify(
        unit=_unit(unit), period=_period(flt.period), category=flt.category, mode=flt.mode,
        categories=[{"staff_category": c, **report.by_category[c].as_dict(), "cells": _cells(report.by_category[c])}
                    for c in report.categories],
        total={**report.total.as_dict(), "cells": _cells(report.total)},
        units=[{"unit": _unit(r.unit), "own_staff": r.own, "has_children": r.has_children, **r.figures.as_dict()}
               for r in report.rows],
        months=[{"month": services.month_text(p.month), "completions": p.completions, "newly_trained": p.trained}
                for p in report.months],
    )


@bp.get("/courses")
@roles_required(*REPORT_ROLES)
def courses():
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    rows = services.course_report(db_session(), unit, flt.period, now=request_now())
    return jsonify(unit=_unit(unit), as_of=_iso(services.as_of_moment(flt.period, request_now())),
                   courses=[{"code": r.course.code, "title": r.course.title, "skill_type": r.course.skill_type,
                             "target_level": r.course.target_level, **r.figures.as_dict()} for r in rows])


@bp.get("/courses/<code>")
@roles_required(*REPORT_ROLES)
def course(code: str):
    scope = report_scope()
    flt = filters_or_400()
    unit = unit_in_scope(scope, flt.unit_id)
    found = get_course(db_session(), code) if len(code) <= 32 else None
    if found is None:
        abort(404, "No such course.")
    total, rows = services.course_by_unit(db_session(), unit, found, flt.period, now=request_now())
    return jsonify(unit=_unit(unit), as_of=_iso(services.as_of_moment(flt.period, request_now())),
                   course={"code": found.code, "title": found.title, "skill_type": found.skill_type,
                           "target_level": found.target_level},
                   total=total.as_dict(),
                   units=[{"unit": _unit(r.unit), "own_staff": r.own, "has_children": r.has_children,
                           **r.figures.as_dict()} for r in rows])


@bp.get("/learners/<int:user_id>/transcript")
@roles_required(*REPORT_ROLES)
def transcript(user_id: int):
    person, rows = transcript_of(user_id)
    return jsonify(
        user={"id": person.id, "username": person.username, "full_name": person.full_name,
              "staff_category": person.staff_category},
        courses=[{"code": r.course.code, "title": r.course.title, "skill_type": r.course.skill_type,
                  "target_level": r.course.target_level, "enrolled_at": _iso(r.enrolled_at),
                  "completed_at": _iso(r.completed_at), "mode": r.mode, "score": r.score, "quiz_attempts": r.attempts,
                  "lessons_done": r.lessons_done, "lessons_total": r.lessons_total} for r in rows])

