"""Template globals and filters shared by every blueprint."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from lms import labels
from lms.enums import LANGUAGES, SKILL_TYPES, TARGET_LEVELS


def current_language() -> str:
    """The interface language as one of LANGUAGES (Babel spells zh_CN 'zh_Hans_CN')."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        L=labels, SKILL_TYPES=SKILL_TYPES, TARGET_LEVELS=TARGET_LEVELS, LANGUAGES=LANGUAGES,
        current_locale=current_language,
    )

    @app.template_filter("datetime")
    def _datetime(value: datetime | None) -> str:
        return format_datetime(value, "short") if value else ""

    @app.template_filter("date")
    def _date(value) -> str:
        return format_date(value, "medium") if value else ""

    @app.template_filter("trusted_html")
    def _trusted_html(value: str | None) -> Markup:
        """Mark sanitised HTML safe. Only for columns produced by
        content.render_markdown (lesson, question, option, feedback, summary, terms)."""
        return Markup(value or "")  # nosec B704 - only ever given nh3-sanitised HTML (see docstring)
