"""Interface language: the user's preference, then a `lang` cookie, then the
browser's Accept-Language, then the configured default."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_babel import Babel, get_translations
from flask_login import current_user

from lms import zones
from lms.enums import LANGUAGES


def preferred_language() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return browser_language() or current_app.config["DEFAULT_LANGUAGE"]


def browser_language() -> str | None:
    """The first language of Accept-Language, by quality, that we speak: any
    Chinese (zh, zh-CN, zh-Hans, ...) is zh_CN, any English is en."""
    for tag, quality in request.accept_languages:  # werkzeug sorts by quality, keeping the order of ties
        if quality <= 0:
            continue
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return None


def select_locale() -> str:
    # Babel parses "zh_CN" as zh_Hans_CN, so the Chinese catalogue lives in
    # lms/translations/zh_Hans_CN.
    return preferred_language()


def select_timezone() -> str | None:
    """The signed-in user's own zone, if they chose one; else the site's."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return getattr(current_user, "timezone", None) or None
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    # Every DateTime column holds naive UTC; Babel shows it in the site's zone.
    zone = str(app.config.get("TIMEZONE") or zones.DEFAULT_ZONE)
    if not zones.known_zone(zone):
        raise RuntimeError(f"LMS_TIMEZONE={zone!r} is not a time zone name (e.g. Asia/Shanghai)")
    zones.configure(zone)
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone,
          default_translation_directories="translations")
    # Templates call _() a few dozen times per page; Flask-Babel looks its
    # translations up anew each time (six lookups in g per call).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _translations():
    """flask_babel.get_translations(), kept on Flask-Babel's per-request context
    with the locale and domain it was found for: found again whenever they
    change (force_locale, refresh) and outside a request."""
    try:
        ctx = g._flask_babel
        locale, domain, translations = ctx.lms_translations
        if locale is ctx.babel_locale and domain is ctx.babel_domain:
            return translations
    except (AttributeError, RuntimeError):  # not yet in this request, or no request
        pass
    translations = get_translations()
    try:
        ctx = g._flask_babel
        ctx.lms_translations = (ctx.babel_locale, ctx.babel_domain, translations)
    except (AttributeError, RuntimeError):
        pass
    return translations
