"""Times are stored in UTC and shown in the site's time zone (LMS_TIMEZONE,
Asia/Shanghai by default): a quiz started at 07:48 in Beijing does not show
23:48 the day before."""
from __future__ import annotations

from datetime import date, datetime


def _show(app, value, filter_name, lang="en"):
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        return app.jinja_env.filters[filter_name](value)


def test_times_and_dates_are_shown_in_beijing_time(app):
    late_evening_utc = datetime(2026, 3, 1, 23, 48)  # 07:48 on 2 March in Beijing
    assert "7:48" in _show(app, late_evening_utc, "datetime") and "3/2/26" in _show(app, late_evening_utc, "datetime")
    assert _show(app, late_evening_utc, "date") == "Mar 2, 2026"
    assert _show(app, late_evening_utc, "date", "zh-CN") == "2026年3月2日"
    assert _show(app, date(2026, 3, 1), "date") == "Mar 1, 2026"  # a date is a date: no shift


def test_the_zone_is_configurable(app_config):
    from lms import create_app

    app = create_app({**app_config, "TIMEZONE": "UTC"})
    assert "11:48" in _show(app, datetime(2026, 3, 1, 23, 48), "datetime")
    app.extensions["lms_db"].dispose()
