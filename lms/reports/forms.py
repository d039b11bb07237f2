"""The report filters (GET query strings): unit, staff category, period in
whole months. Invalid values are refused with 400, never guessed: the API and
the exports answer 400 with the reason; the pages show the reason beside the
filters as they were typed (parse_filters(..., lenient=True))."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime

from lms.enums import DELIVERY_MODES, STAFF_CATEGORIES
from lms.msgids import N_
from lms.params import MAX_ID
from lms.reports.services import Period
from lms.zones import to_local

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


class FilterError(ValueError):
    """A filter that cannot be used: a msgid and its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Filters:
    unit_id: int | None
    category: str | None
    period: Period
    start_text: str
    end_text: str
    mode: str | None = None  # mode of training (online | classroom | blended): of the completions, or of the course
    problems: tuple[FilterError, ...] = ()  # values left out because they were not understood (pages only)

    def query(self, **override) -> dict:
        """Query-string arguments that keep the current filters."""
        args = {"unit": self.unit_id, "category": self.category or None, "start": self.start_text or None,
                "end": self.end_text or None, "mode": self.mode or None}
        args.update(override)
        return {k: v for k, v in args.items() if v is not None}


def _month(text: str, problem: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    match = _MONTH_RE.fullmatch(text)
    if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
        raise FilterError(problem)
    return int(match[1]) * 100 + int(match[2])


def parse_filters(args, now: datetime, *, lenient: bool = False) -> Filters:
    """The filters of a query string. Strict: the first bad value raises
    FilterError. Lenient (pages): a bad value is left out (the default is used)
    and its FilterError collected in `problems`; the typed text is kept."""
    problems: list[FilterError] = []

    def check(parse, fallback):
        try:
            return parse()
        except FilterError as exc:
            if not lenient:
                raise
            problems.append(exc)
            return fallback

    def unit() -> int | None:
        unit_text = (args.get("unit") or "").strip()
        if not unit_text:
            return None
        if not (unit_text.isascii() and unit_text.isdigit() and 0 < int(unit_text) <= MAX_ID):
            raise FilterError(N_("The org unit must be given by its number."))
        return int(unit_text)

    def category() -> str | None:
        value = (args.get("category") or "").strip() or None
        if value is not None and value not in STAFF_CATEGORIES:
            raise FilterError(N_("Unknown staff category."))
        return value

    def mode() -> str | None:
        value = (args.get("mode") or "").strip() or None
        if value is not None and value not in DELIVERY_MODES:
            raise FilterError(N_("Unknown mode of training."))
        return value

    start_text, end_text = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    unit_id, category_value, mode_value = check(unit, None), check(category, None), check(mode, None)
    start = check(lambda: _month(start_text, N_("The first month must be written YYYY-MM, e.g. 2026-03.")), None)
    local = to_local(now)
    end = check(lambda: _month(end_text, N_("The last month must be written YYYY-MM, e.g. 2026-06.")), None) or local.year * 100 + local.month  # this month, in the site's zone
    if start is not None and start > end:
        start = check(lambda: _raise(FilterError(N_("The first month is after the last one."))), None)
    flt = Filters(unit_id, category_value, Period(end=end, start=start), start_text, end_text, mode_value)
    return dataclasses.replace(flt, problems=tuple(problems)) if problems else flt


def _raise(exc: Exception):
    raise exc
