"""Numbers from the outside world (URL paths, query strings, form fields),
parsed once, with bounds. Ids are positive 32-bit integers (INTEGER on PostgreSQL): anything else in a
path answers 404 and in a query string counts as absent, never an
OverflowError from the database driver."""
from __future__ import annotations

import math
import re
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map
from wtforms.validators import NumberRange

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL (a larger number is a DataError there)
MAX_DIGITS = 19  # longer is not a number we take, whatever the bound


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: at most MAX_ID unless the route says less."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 - werkzeug's names
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_int(raw: Any, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum], else None."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_DIGITS or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


MAX_NUMBER_TEXT = 40
_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")


def parse_float(raw: Any, *, minimum: float | None = None, maximum: float | None = None) -> float | None:
    """A decimal number written in ASCII (1234.5, -0.25, 1e-3) within [minimum, maximum], else None."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > MAX_NUMBER_TEXT or not _DECIMAL_RE.fullmatch(raw):
        return None
    value = float(raw)
    if not math.isfinite(value):
        return None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return value


def int_arg(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A query-string integer (`?unit=12`), or None when absent or not a valid one."""
    return parse_int(request.args.get(name), minimum=minimum, maximum=maximum)


def valid_id(value: Any) -> int | None:
    """An id from a form field already parsed as an int: itself when in range, else None
    (a form shown again with its error must not look up an impossible id)."""
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def id_range() -> NumberRange:
    """The validator every id field of a form carries."""
    return NumberRange(min=1, max=MAX_ID)
