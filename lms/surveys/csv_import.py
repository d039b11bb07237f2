"""CSV import of paper questionnaires into an open survey.

One row per respondent: `ref` (the questionnaire's number, unique in the
survey), `unit_code`, `staff_category`, `language` (optional), then one column
per topic, named by the topic's key, holding `not_needed`, `useful`,
`essential` or `no_answer` (or 0, 1, 2; empty = no answer), and for a topic
that takes comments an optional `<key>_comment` column.

As the other imports (lms.csvfile): a file with any bad row writes nothing
and every error comes with its line number; importing the same file again
changes nothing (the ref identifies a questionnaire; a changed row updates
it). Then the survey's counters are rebuilt from its answers. No flask.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from lms.csvfile import ImportResult, RowError, bad_choice, decode, read_rows, refuse
from lms.db import must_get, table_of
from lms.enums import LANGUAGES
from lms.msgids import N_
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.surveys.models import NEED_CODES, NEEDS, NO_ANSWER, Survey, SurveyAnswer, SurveyResponse, SurveyTopic
from lms.surveys.services import MAX_COMMENT, NotAccepting, accepting, lock_survey, rebuild_counters, unit_targeted
from lms.zones import local_date

REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
FIXED_COLUMNS = ("ref", "unit_code", "staff_category", "language")
NUMBERS = {"0": "not_needed", "1": "useful", "2": "essential"}
CHUNK = 900  # values per IN (...): under SQLite's limit on parameters


def columns_of(survey: Survey) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every column the file may have, the required ones) for this survey."""
    topics = [t.key for t in survey.topics]
    comments = [f"{t.key}_comment" for t in survey.topics if t.comment_allowed]
    return (*FIXED_COLUMNS, *topics, *comments), ("ref", "unit_code", "staff_category", *topics)


@dataclass
class PaperRow:
    line: int
    ref: str
    unit_code: str
    staff_category: str
    language: str
    answers: dict[int, tuple[int, str | None]]  # topic id -> (need code, comment)
    unit_id: int = 0


def read_responses(survey: Survey, data: bytes | str, *, default_language: str) -> tuple[list[PaperRow], list[RowError]]:
    """Check the file on its own (no database): the header and every row."""
    columns, required = columns_of(survey)
    rows, errors = read_rows(decode(data), columns, required)
    parsed: list[PaperRow] = []
    seen: dict[str, int] = {}
    topics: list[SurveyTopic] = list(survey.topics)
    for line, r in rows:
        problems: list[tuple[str, dict[str, object]]] = []
        ref = r.get("ref", "")
        if not ref:
            problems.append((N_("%(column)s is required"), {"column": "ref"}))
        elif not REF_RE.match(ref):
            problems.append((N_("bad ref %(value)s (letters, digits, '.', '_', '-'; at most 64)"), {"value": repr(ref)}))
        elif ref in seen:
            problems.append((N_("duplicate ref %(value)s (also on line %(other)s)"), {"value": repr(ref), "other": seen[ref]}))
        else:
            seen[ref] = line
        unit_code = r.get("unit_code", "")
        if not unit_code:
            problems.append((N_("%(column)s is required"), {"column": "unit_code"}))
        category = r.get("staff_category", "")
        if category not in survey.category_names:
            problems.append(bad_choice("staff_category", category, survey.category_names))
        language = r.get("language", "") or default_language
        if language not in LANGUAGES:
            problems.append(bad_choice("language", language, LANGUAGES))
        answers: dict[int, tuple[int, str | None]] = {}
        for topic in topics:
            raw = r.get(topic.key, "").strip().lower()
            name = NUMBERS.get(raw, raw) or "no_answer"
            if name not in NEED_CODES:
                problems.append((N_("bad answer %(value)s in %(column)s (one of: %(choices)s, or 0, 1, 2, or empty)"),
                                 {"value": repr(raw), "column": topic.key, "choices": ", ".join(NEEDS)}))
                continue
            comment = r.get(f"{topic.key}_comment", "").strip() or None
            if comment is not None and len(comment) > MAX_COMMENT:
                problems.append((N_("%(column)s longer than %(max)s characters"),
                                 {"column": f"{topic.key}_comment", "max": MAX_COMMENT}))
            answers[topic.id] = (NEED_CODES[name], comment)
        errors.extend(RowError(line, msg, params) for msg, params in problems)
        parsed.append(PaperRow(line, ref, unit_code, category, language, answers))
    return parsed, errors


def unit_errors(session: Session, survey: Survey, rows: list[PaperRow], scope: Scope) -> list[RowError]:
    """Every unit must exist, be in the survey's target and in the importer's scope (sets row.unit_id)."""
    codes = sorted({r.unit_code for r in rows if r.unit_code})
    units: dict[str, OrgUnit] = {}
    for i in range(0, len(codes), CHUNK):
        units.update({u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes[i:i + CHUNK])))})
    root = must_get(session, OrgUnit, survey.root_unit_id)
    errors = []
    for row in rows:
        if not row.unit_code:
            continue
        unit = units.get(row.unit_code)
        if unit is None:
            errors.append(RowError(row.line, N_("unknown unit_code %(value)s"), {"value": repr(row.unit_code)}))
        elif not scope.contains_path(unit.path):
            errors.append(RowError(row.line, N_("unit_code %(value)s is outside your org units"), {"value": repr(row.unit_code)}))
        elif not unit_targeted(survey, root.path, unit):
            errors.append(RowError(row.line, N_("unit_code %(value)s is not among the units this survey asks"),
                                   {"value": repr(row.unit_code)}))
        else:
            row.unit_id = unit.id
    return errors


def write_responses(session: Session, survey: Survey, rows: list[PaperRow], *, now: datetime) -> ImportResult:
    """Create the new questionnaires, update the changed ones, then rebuild the counters."""
    result = ImportResult()
    resp, ans = table_of(SurveyResponse), table_of(SurveyAnswer)
    refs = [r.ref for r in rows]
    existing: dict[str, tuple] = {}
    for i in range(0, len(refs), CHUNK):
        for rid, ref, unit_id, category, language in session.execute(
                select(resp.c.id, resp.c.paper_ref, resp.c.org_unit_id, resp.c.staff_category, resp.c.language)
                .where(resp.c.survey_id == survey.id, resp.c.paper_ref.in_(refs[i:i + CHUNK]))):
            existing[ref] = (rid, unit_id, category, language, {})
    ids = [v[0] for v in existing.values()]
    by_id = {v[0]: v for v in existing.values()}
    for i in range(0, len(ids), CHUNK):
        for rid, topic_id, need, comment in session.execute(
                select(ans.c.response_id, ans.c.topic_id, ans.c.need, ans.c.comment)
                .where(ans.c.response_id.in_(ids[i:i + CHUNK]))):
            by_id[rid][4][topic_id] = (need, comment)
    new = [r for r in rows if r.ref not in existing]
    changed = [r for r in rows if r.ref in existing
               and (existing[r.ref][1:4] != (r.unit_id, r.staff_category, r.language) or existing[r.ref][4] != r.answers)]
    if new:
        session.execute(insert(resp), [{"survey_id": survey.id, "user_id": None, "paper_ref": r.ref,
                                        "org_unit_id": r.unit_id, "staff_category": r.staff_category,
                                        "language": r.language, "version": survey.version, "created_at": now,
                                        "updated_at": now} for r in new])
        new_refs = [r.ref for r in new]
        for i in range(0, len(new_refs), CHUNK):
            for rid, ref in session.execute(select(resp.c.id, resp.c.paper_ref).where(
                    resp.c.survey_id == survey.id, resp.c.paper_ref.in_(new_refs[i:i + CHUNK]))):
                existing[ref] = (rid,)
    if changed:
        session.execute(update(resp).where(resp.c.id == bindparam("b_id")).values(
            org_unit_id=bindparam("b_unit"), staff_category=bindparam("b_category"), language=bindparam("b_language"),
            version=bindparam("b_version"), updated_at=bindparam("b_now")),
            [{"b_id": existing[r.ref][0], "b_unit": r.unit_id, "b_category": r.staff_category, "b_language": r.language,
              "b_version": survey.version, "b_now": now} for r in changed])
        changed_ids = [existing[r.ref][0] for r in changed]
        for i in range(0, len(changed_ids), CHUNK):
            session.execute(delete(ans).where(ans.c.response_id.in_(changed_ids[i:i + CHUNK])))
    answers = [{"response_id": existing[r.ref][0], "topic_id": topic_id, "need": need, "comment": comment}
               for r in (*new, *changed) for topic_id, (need, comment) in r.answers.items()]
    for i in range(0, len(answers), 20_000):
        session.execute(insert(ans), answers[i:i + 20_000])
    if new or changed:
        rebuild_counters(session, survey.id)
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(rows) - result.created - result.updated
    return result


def import_responses(session: Session, survey_id: int, data: bytes | str, *, scope: Scope, now: datetime,
                     default_language: str = "zh_CN") -> ImportResult:
    """Parse, check the units, write; a bad file raises ImportInvalid with all
    its errors, sorted by line, and writes nothing. The survey must be open."""
    survey = lock_survey(session, survey_id)
    if not accepting(survey, local_date(now)):
        raise NotAccepting(N_("This survey is not open for answers."))
    rows, errors = read_responses(survey, data, default_language=default_language)
    refuse(errors + unit_errors(session, survey, rows, scope))
    return write_responses(session, survey, rows, now=now)


__all__ = ["FIXED_COLUMNS", "NO_ANSWER", "PaperRow", "columns_of", "import_responses", "read_responses"]
