"""The report filters (GET query strings): unit, staff category, period in
whole months. Invalid values are refused with 400, never guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lms.courses.models import DELIVERY_MODES
from lms.enums import STAFF_CATEGORIES
from lms.params import MAX_ID
from lms.reports.services import Period

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Filters:
    unit_id: int | None
    category: str | None
    period: Period
    start_text: str
    end_text: str
    mode: str | None = None  # the course's mode of training (online | classroom | blended), course report only

    def query(self, **override) -> dict:
        """Query-string arguments that keep the current filters."""
        args = {"unit": self.unit_id, "category": self.category or None, "start": self.start_text or None,
                "end": self.end_text or None, "mode": self.mode or None}
        args.update(override)
        return {k: v for k, v in args.items() if v is not None}


def _month(text: str, name: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    match = _MONTH_RE.fullmatch(text)
    if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
        raise FilterError(f"{name} must be a month YYYY-MM")
    return int(match[1]) * 100 + int(match[2])


def parse_filters(args, now: datetime) -> Filters:
    unit_text = (args.get("unit") or "").strip()
    unit_id = None
    if unit_text:
        if not (unit_text.isascii() and unit_text.isdigit() and 0 < int(unit_text) <= MAX_ID):
            raise FilterError("unit must be an org unit id")
        unit_id = int(unit_text)
    category = (args.get("category") or "").strip() or None
    if category is not None and category not in STAFF_CATEGORIES:
        raise FilterError("unknown staff category")
    start_text, end_text = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    start, end = _month(start_text, "start"), _month(end_text, "end")
    end = end or now.year * 100 + now.month
    if start is not None and start > end:
        raise FilterError("start is after end")
    mode = (args.get("mode") or "").strip() or None
    if mode is not None and mode not in DELIVERY_MODES:
        raise FilterError("unknown mode of training")
    return Filters(unit_id, category, Period(end=end, start=start), start_text, end_text, mode)
