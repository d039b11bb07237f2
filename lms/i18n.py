"""Interface language: the user's preference, then a `lang` cookie, then the
browser's Accept-Language, then the configured default."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel
from flask_login import current_user

from lms.enums import LANGUAGES


def preferred_language() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best in ("zh-CN", "zh"):
        return "zh_CN"
    return best or current_app.config["DEFAULT_LANGUAGE"]


def select_locale() -> str:
    # Babel parses "zh_CN" as zh_Hans_CN, so the Chinese catalogue lives in
    # lms/translations/zh_Hans_CN.
    return preferred_language()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
