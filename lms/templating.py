"""Template globals and filters shared by every blueprint."""
from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from lms import labels
from lms.enums import LANGUAGES, SKILL_TYPES, TARGET_LEVELS


def current_language() -> str:
    """The interface language as one of LANGUAGES (Babel spells zh_CN 'zh_Hans_CN')."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


@lru_cache(maxsize=64)
def _content_hash(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(app: Flask, filename: str) -> str:
    """A short hash of a static file's content (recomputed when the file changes)."""
    path = Path(app.static_folder or "", filename)
    try:
        return _content_hash(str(path), path.stat().st_mtime_ns)
    except OSError:
        return "0"


FRAGMENTS = 256  # rendered fragments kept per worker (see `fragment`)


def init_app(app: Flask) -> None:
    def static_url(filename: str) -> str:
        """The file's URL named by its content: cached for a year, never stale."""
        return url_for("static", filename=filename, v=static_version(app, filename))

    fragments: dict[tuple, Markup] = {}

    def fragment(name: str, render, *key) -> Markup:
        """What `render()` (a macro) gives, rendered once per worker for each
        `key` in each language and script root: only for a fragment that reads
        nothing else (the menu: the same links for everyone with the same roles)."""
        full = (name, str(get_locale()), request.script_root, key)
        html = fragments.get(full)
        if html is None:
            if len(fragments) >= FRAGMENTS:
                fragments.clear()
            html = fragments[full] = Markup(render())  # nosec B704 - a macro's output, escaped by Jinja as it rendered
        return html

    app.jinja_env.globals.update(
        L=labels, SKILL_TYPES=SKILL_TYPES, TARGET_LEVELS=TARGET_LEVELS, LANGUAGES=LANGUAGES,
        current_locale=current_language, static_url=static_url, fragment=fragment,
    )

    @app.after_request
    def _cache_versioned_static(response):
        if request.endpoint == "static" and response.status_code == 200 and response.is_streamed:
            # Static files are small: read them here so that compression works on
            # whole bytes (gzip too) and the file is closed when the response is.
            response.direct_passthrough = False
            response.make_sequence()
        if (request.endpoint == "static" and response.status_code == 200
                and request.args.get("v") == static_version(app, (request.view_args or {}).get("filename", ""))):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

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
