"""The site's time zone. Stored times are naive UTC; people read them in the
site zone (LMS_TIMEZONE, default Asia/Shanghai) or their own (users.timezone),
and reports count months in the site zone: a completion at 07:00 in Beijing on
1 March (23:00 UTC on 28 February) is a March completion.

In SQL, PostgreSQL converts with the zone's rules; SQLite shifts by the zone's
current offset, which is exact for zones without daylight saving time (China's
zones) and otherwise may misplace completions within an hour of midnight at a
change of offset (documented in the README)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Integer, cast, func
from sqlalchemy.orm import Session

DEFAULT_ZONE = "Asia/Shanghai"
_site = ZoneInfo(DEFAULT_ZONE)


def known_zone(name: str) -> bool:
    """An IANA zone name zoneinfo knows (its lookups are cached; listing every zone is not)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def configure(name: str) -> None:
    """Set the site zone (the app factory calls this with LMS_TIMEZONE)."""
    global _site
    _site = ZoneInfo(name)


def site_zone() -> ZoneInfo:
    return _site


def to_local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A stored (naive UTC) time as an aware time in `zone` (default: the site's)."""
    return moment.replace(tzinfo=UTC).astimezone(zone or _site)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of `day` in the site zone, as a naive UTC time (a bound on stored times)."""
    return datetime.combine(day, time.min, tzinfo=_site).astimezone(UTC).replace(tzinfo=None)


def utc_offset_text(name: str) -> str:
    """"+08:00": the zone's offset from UTC now."""
    offset = datetime.now(ZoneInfo(name)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def month_of(moment: datetime) -> int:
    """yyyymm of a stored time, in the site zone."""
    local = to_local(moment)
    return local.year * 100 + local.month


def month_sql(session: Session, column):
    """yyyymm of a stored DateTime column, in the site zone, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(_site.key, func.timezone("UTC", column))
        return cast(func.extract("year", local) * 100 + func.extract("month", local), Integer)
    offset = _site.utcoffset(datetime.now()) or timedelta(0)
    return cast(func.strftime("%Y%m", column, f"{int(offset.total_seconds() // 60):+d} minutes"), Integer)
