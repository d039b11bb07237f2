"""The needs report as tables (the page's, CSV and XLSX) and as JSON.

Every figure arrives here already suppressed (lms.surveys.needs): a group
of fewer than 5 respondents is the text '<5' in every table, cell and JSON
field, never a number. Shares are written as percentages with one decimal
in the tables (55.6 in a column "... (%)") and as 0..1 in the JSON; need
scores 0..100."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.labels import LANGUAGE_LABELS, SCHEME_LABELS, SKILL_TYPE_LABELS, STAFF_CATEGORY_LABELS, TARGET_LEVEL_LABELS
from lms.orgs.labels import KIND_LABELS, LEVEL_LABELS
from lms.reports.exports import ExportTable
from lms.surveys.needs import MIN_GROUP, SUPPRESSED, Cell, Figure, GroupRow, Need, NeedsReport

TABLES = ("cells", "topics", "categories", "units", "levels", "kinds", "answered")


def pct(value: Figure) -> Figure:
    """A share 0..1 as percent with one decimal; '<5' and None as they are."""
    return round(value * 100, 1) if isinstance(value, int | float) else value


def num(value: Figure) -> Figure:
    return round(value, 1) if isinstance(value, float) else value


def cell_label(cell: Cell) -> str:
    return f"{SKILL_TYPE_LABELS[cell[0]]} · {TARGET_LEVEL_LABELS[cell[1]]}"


def _need_values(need: Need | None) -> list:
    if need is None:
        return [None, None, None, None]
    return [need.respondents, num(need.score), pct(need.essential_share), pct(need.no_answer_rate)]


def _need_labels() -> list[str]:
    return [_("Respondents"), _("Need score (0-100)"), _("Share 'essential' (%)"), _("'No answer' rate (%)")]


def _group_labels(report: NeedsReport) -> list[str]:
    labels = [_("Respondents"), _("Headcount"), _("Response rate (%)"), _("'No answer' rate (%)")]
    need, essential = _("need score"), _("essential (%)")
    for cell in report.topic_cells:
        labels += [f"{cell_label(cell)} · {need}", f"{cell_label(cell)} · {essential}"]
    return labels


def _group_values(report: NeedsReport, row: GroupRow) -> list:
    values = [row.respondents, row.headcount, pct(row.response_rate), pct(row.no_answer_rate)]
    for cell in report.topic_cells:
        need = row.cells.get(cell)
        values += [num(need.score), pct(need.essential_share)] if need is not None else [None, None]
    return values


def unit_name(row: GroupRow) -> str:
    name = row.unit.name if row.unit is not None else row.key
    return _("%(unit)s (own staff)", unit=name) if row.own else name


def context(report: NeedsReport) -> str:
    parts = [report.survey.title, f"{report.unit.name} ({report.unit.code})",
             str(STAFF_CATEGORY_LABELS[report.category]) if report.category else "",
             _("As of %(date)s", date=report.today.isoformat())]
    return " · ".join(p for p in parts if p)


def table_titles() -> dict[str, str]:
    return {"cells": _("Needs per skill type and target level"), "topics": _("Needs per topic"),
            "categories": _("Needs by staff category"), "units": _("Needs by org unit"),
            "levels": _("Needs by level of unit"), "kinds": _("Needs by kind of unit"),
            "answered": _("Units that answered, by level and kind")}


def needs_tables(report: NeedsReport) -> dict[str, ExportTable]:
    stem = f"needs-{report.survey.id}-{report.unit.code}"
    language = LANGUAGE_LABELS[report.language]
    yes = _("yes")

    titles = table_titles()

    def table(name: str, columns: list, rows: list[list]) -> ExportTable:
        return ExportTable(f"{stem}-{name}", f"{titles[name]} · {context(report)}", columns, rows)

    return {
        "cells": table("cells",
                       [_("Skill type"), _("Target level"), _("Topics"), *_need_labels(),
                        _("Published courses in %(language)s", language=language), _("People trained"), _("Headcount"),
                        _("Coverage (%)"), _("High need, few courses")],
                       [[str(SKILL_TYPE_LABELS[c.skill_type]), str(TARGET_LEVEL_LABELS[c.target_level]), len(c.topics),
                         *_need_values(c.need), c.offer, c.trained, c.headcount, pct(c.coverage),
                         yes if c.flagged else ""] for c in report.cells]),
        "topics": table("topics",
                        [_("Key"), _("Topic"), _("Skill type"), _("Target level"), _("Schemes"), *_need_labels(),
                         _("Published courses in %(language)s", language=language), _("High need, few courses")],
                        [[t.topic.key, t.topic.title, str(SKILL_TYPE_LABELS[t.topic.skill_type]),
                          str(TARGET_LEVEL_LABELS[t.topic.target_level]),
                          ", ".join(str(SCHEME_LABELS[s]) for s in t.topic.scheme_names), *_need_values(t.need), t.offer,
                          yes if t.flagged else ""]
                         for t in report.topics]),
        "categories": table("categories", [_("Staff category"), *_group_labels(report)],
                            [[str(STAFF_CATEGORY_LABELS[r.key]), *_group_values(report, r)] for r in report.by_category]
                            + [[_("Total"), *_group_values(report, report.total)]]),
        "units": table("units", [_("Org unit code"), _("Org unit"), *_group_labels(report)],
                       [[r.key, unit_name(r), *_group_values(report, r)] for r in report.by_unit]
                       + [["", _("Total"), *_group_values(report, report.total)]]),
        "levels": table("levels", [_("Level"), *_group_labels(report)],
                        [[str(LEVEL_LABELS.get(r.key, r.key)), *_group_values(report, r)] for r in report.by_level]),
        "kinds": table("kinds", [_("Kind"), *_group_labels(report)],
                       [[str(KIND_LABELS.get(r.key, r.key)), *_group_values(report, r)] for r in report.by_kind]),
        "answered": table("answered",
                          [_("Level"), _("Kind"), _("Units"), _("Respondents")],
                          [[str(LEVEL_LABELS.get(r.level, r.level)), str(KIND_LABELS.get(r.kind, r.kind)), r.units,
                            r.respondents] for r in report.units_answered]),
    }


# ---- JSON ------------------------------------------------------------------------------

def _share(value: Figure) -> Figure:
    return round(value, 6) if isinstance(value, float) else value


def _score(value: Figure) -> Figure:
    return round(value, 2) if isinstance(value, float) else value


def need_json(need: Need) -> dict:
    return {"respondents": need.respondents, "need_score": _score(need.score),
            "essential_share": _share(need.essential_share), "no_answer_rate": _share(need.no_answer_rate)}


def unit_json(unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}


def group_json(report: NeedsReport, row: GroupRow) -> dict:
    return {"respondents": row.respondents, "headcount": row.headcount, "response_rate": _share(row.response_rate),
            "no_answer_rate": _share(row.no_answer_rate),
            "cells": [{"skill_type": s, "target_level": t, **need_json(row.cells[(s, t)])} for s, t in report.topic_cells]}


def survey_json(survey, root, state: str) -> dict:
    return {"id": survey.id, "title": survey.title, "state": state, "version": survey.version,
            "opens_on": survey.opens_on.isoformat(), "closes_on": survey.closes_on.isoformat(),
            "root_unit": unit_json(root), "staff_categories": survey.category_names, "levels": survey.level_names}


def needs_json(report: NeedsReport) -> dict:
    return {
        "survey": survey_json(report.survey, report.survey.root_unit, report.state),
        "unit": unit_json(report.unit), "staff_category": report.category, "as_of": report.today.isoformat(),
        "language": report.language, "min_group": MIN_GROUP, "suppressed_value": SUPPRESSED,
        "total": group_json(report, report.total),
        "cells": [{"skill_type": c.skill_type, "target_level": c.target_level, "topics": [t.key for t in c.topics],
                   **(need_json(c.need) if c.need is not None else
                      {"respondents": 0, "need_score": None, "essential_share": None, "no_answer_rate": None}),
                   "courses": c.offer, "courses_by_language": c.offer_by_language, "people_trained": c.trained,
                   "headcount": c.headcount, "coverage": _share(c.coverage), "flagged": c.flagged} for c in report.cells],
        "topics": [{"key": t.topic.key, "title": t.topic.title, "skill_type": t.topic.skill_type,
                    "target_level": t.topic.target_level, "schemes": t.topic.scheme_names, **need_json(t.need),
                    "courses": t.offer, "courses_by_language": t.offer_by_language, "flagged": t.flagged}
                   for t in report.topics],
        "by_category": [{"staff_category": r.key, **group_json(report, r)} for r in report.by_category],
        "by_unit": [{"unit": unit_json(r.unit), "own_staff": r.own, "has_children": r.has_children,
                     **group_json(report, r)} for r in report.by_unit],
        "by_level": [{"level": r.key, **group_json(report, r)} for r in report.by_level],
        "by_kind": [{"kind": r.key, **group_json(report, r)} for r in report.by_kind],
        "units_answered": [{"level": r.level, "kind": r.kind, "units": r.units, "respondents": r.respondents}
                           for r in report.units_answered],
    }
