"""Simplified Chinese and English ship complete; Chinese users see Chinese."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.builders import make_user

TRANSLATIONS = Path(__file__).resolve().parents[1] / "lms" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    catalog = _catalog(language)
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    problems = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        wanted.discard((message.context, msgid))
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {msgid!r}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(msgid)) for s in strings):
            problems.append(f"placeholders differ: {msgid!r}")
    assert problems == [] and wanted == set()


def test_chinese_interface_for_chinese_users(app, db, client):
    make_user(db, username="wang", language="zh_CN")
    db.commit()
    assert "课程目录" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    client.post("/auth/login", data={"username": "wang", "password": "correct horse battery"})
    page = client.get("/my", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "我的学习" in page and "专业技能" not in page  # the user's own language wins
    english = client.post("/auth/language", data={"language": "en"})
    assert english.status_code == 302
    assert "My learning" in client.get("/my").get_data(as_text=True)


def test_skill_type_and_staff_category_are_told_apart_in_chinese(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "专业技能" in page  # the skill type, not the staff category 专业技术人员


# Examples of Markdown and GIFT syntax in help texts are code, not prose.
SYNTAX_EXAMPLE = re.compile(r"\[[^\]]*\]\([^)]*\)|::\w+::|\$CATEGORY:|\\\\:")


def test_chinese_interface_text_uses_chinese_punctuation():
    """The zh_CN catalogue follows the style sheet the starter courses follow
    (docs/style.md, 2): no ASCII , : ; ( ) ? ! next to Chinese text."""
    from tests.test_course_style import ascii_punctuation_problems

    problems = []
    for message in _catalog("zh_Hans_CN"):
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in strings:
            bare = SYNTAX_EXAMPLE.sub("X", PLACEHOLDER.sub("X", text or ""))
            problems += [f"{text!r}: ASCII {mark!r}" for _line, _column, mark in ascii_punctuation_problems(bare)]
    assert problems == []
    assert ascii_punctuation_problems("已保存,共 X 项") != []  # the check itself bites on a catalogue string
