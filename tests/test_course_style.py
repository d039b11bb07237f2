"""The starter courses follow docs/style.md.

Chinese packages (``language = "zh_CN"`` in course.toml) use full-width
punctuation: an ASCII , : ; ( ) ? ! next to Chinese text is reported with its
file and line, except inside code (`...`, fenced blocks) and in the grouping
brackets of a formula. Terms listed as "不用" in docs/style.md are reported
outside quotations. Titles carry no stray spaces. Pure Python plus the content
package: no Flask app, no database.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from content import load_package

ROOT = Path(__file__).resolve().parents[1]
COURSES = ROOT / "courses"
STYLE = ROOT / "docs" / "style.md"

_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese text for the adjacency test: ideographs, CJK and full-width punctuation, Chinese quotes.
_CHINESE = re.compile(rf"[{_IDEOGRAPH}\u3000-\u303f\uff00-\uffef“”‘’《》〈〉—…]")
_CJK_SPACE_CJK = re.compile(rf"[{_IDEOGRAPH}]\s+[{_IDEOGRAPH}]")
_ASCII_PUNCT = ",:;()?!"
_TRANSPARENT = " \t*_~"  # spaces and Markdown emphasis markers do not separate a mark from its neighbour
_FORMULA_OPERATORS = re.compile(r"[=+×÷≈^−]|\s[-*/]\s")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_QUOTED = re.compile(r"“[^“”\n]*”")
_MASK = "\x00"  # stands in for code and formula brackets: neutral, never Chinese


def _packages() -> list[Path]:
    return sorted(p.parent for p in COURSES.glob("*/course.toml"))


def _language(package: Path) -> str:
    return tomllib.loads((package / "course.toml").read_text("utf-8")).get("language", "")


def _chinese_packages() -> list[Path]:
    return [p for p in _packages() if _language(p) == "zh_CN"]


def _text_files(package: Path) -> list[Path]:
    files = [package / "course.toml", *sorted((package / "lessons").glob("*.md")), *sorted((package / "tasks").glob("*.md"))]
    return files + ([package / "quiz.toml"] if (package / "quiz.toml").exists() else [])


def _prose_lines(text: str):
    """(line number, line) outside fenced code blocks, with code spans masked."""
    fenced = False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, _CODE_SPAN.sub(lambda m: _MASK * len(m.group(0)), line)


def _mask_formula_brackets(line: str) -> str:
    """Mask the ( ) pairs that group a formula: `(8000 + 8000) ÷ 2`, `(1 + 利率)^年数`."""
    chars, stack = list(line), []
    for index, char in enumerate(line):
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            start = stack.pop()
            if _FORMULA_OPERATORS.search(line[start + 1 : index]):
                chars[start] = chars[index] = _MASK
    return "".join(chars)


def _neighbour(line: str, index: int, step: int) -> str:
    index += step
    while 0 <= index < len(line) and line[index] in _TRANSPARENT:
        index += step
    return line[index] if 0 <= index < len(line) else ""


def ascii_punctuation_problems(text: str) -> list[tuple[int, int, str]]:
    """(line, column, mark) of every ASCII , : ; ( ) ? ! next to Chinese text."""
    problems = []
    for number, line in _prose_lines(text):
        line = _mask_formula_brackets(line)
        for index, char in enumerate(line):
            if char in _ASCII_PUNCT and any(
                _CHINESE.match(_neighbour(line, index, step) or "a") for step in (-1, 1)
            ):
                problems.append((number, index + 1, char))
    return problems


def _avoided_terms() -> list[tuple[str, tuple[str, ...]]]:
    """(avoided term, preferred terms) from the 用 / 不用 table of docs/style.md."""
    terms, in_table = [], False
    for line in STYLE.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells[:2] == ["用", "不用"]:
            in_table = True
        elif in_table and not cells:
            break
        elif in_table and not set(cells[0]) <= set("-: "):
            preferred = tuple(t.strip() for t in cells[0].split("/") if t.strip())
            terms += [(avoided.strip(), preferred) for avoided in cells[1].split("、") if avoided.strip()]
    return terms


def term_problems(text: str, terms: list[tuple[str, tuple[str, ...]]]) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, avoided term, preferred terms) outside “quotations”; an occurrence that is
    part of a preferred term (身份证号 in 身份证号码) is fine."""
    problems = []
    for number, line in _prose_lines(text):
        line = _QUOTED.sub(lambda m: _MASK * len(m.group(0)), line)
        for avoided, preferred in terms:
            for match in re.finditer(re.escape(avoided), line):
                covered = any(
                    m.start() <= match.start() and match.end() <= m.end()
                    for term in preferred
                    for m in re.finditer(re.escape(term), line)
                )
                if not covered:
                    problems.append((number, avoided, preferred))
    return problems


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    return 0


def _titles(package: Path) -> list[tuple[Path, int, str]]:
    """(file, line, raw title) of the course, its quiz and its lessons, before the loader strips them."""
    titles = []
    for name in ("course.toml", "quiz.toml"):
        path = package / name
        if path.exists():
            text = path.read_text("utf-8")
            title = tomllib.loads(text).get("title", "")
            titles.append((path, _line_of(text, "title"), title))
    for path in sorted((package / "lessons").glob("*.md")):
        lines = path.read_text("utf-8").split("\n")
        if lines and lines[0] == "+++":
            end = lines.index("+++", 1)
            title = tomllib.loads("\n".join(lines[1:end])).get("title", "")
            titles.append((path, 1 + next(i for i in range(1, end) if lines[i].startswith("title")), title))
        elif lines and lines[0].startswith("#"):
            titles.append((path, 1, lines[0].lstrip("#")[1:] if lines[0].lstrip("#").startswith(" ") else lines[0]))
    return titles


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


# --------------------------------------------------------------------------- the checks themselves


def test_the_checks_catch_what_they_should_and_nothing_else():
    assert ascii_punctuation_problems("养老保险,基础") == [(1, 5, ",")]
    assert ascii_punctuation_problems("**缴费基数**:一般是") == [(1, 9, ":")]
    assert [p[2] for p in ascii_punctuation_problems("缴费(8%)记入")] == ["(", ")"]
    assert ascii_punctuation_problems("你好吗?") == [(1, 4, "?")]
    # Allowed: formulas, code, numbers, English, TOML syntax.
    assert ascii_punctuation_problems("基础养老金 = (参保人工资 + 8000) ÷ 2 × 1%") == []
    assert ascii_punctuation_problems("公式 `=SUMIFS(明细!G:G, 明细!C:C, 3)` 求和") == []
    assert ascii_punctuation_problems("```\n=COUNTIFS(银行!$K:$K, K2)\n```") == []
    assert ascii_punctuation_problems("余额5,000,000.00元，时间9:30") == []
    assert ascii_punctuation_problems('schemes = ["pension", "medical"]\nHello, world (yes)!') == []
    terms = [("参保人员", ("参保人",)), ("身份证号", ("身份证号码",))]
    assert term_problems("参保人员和参保人\n身份证号码\n身份证号", terms) == [
        (1, "参保人员", ("参保人",)), (3, "身份证号", ("身份证号码",))]
    assert term_problems("骗子说：“您的参保人员资格被冻结”", terms) == []
    assert ("医保卡", ("社会保障卡", "医保电子凭证")) in _avoided_terms()


# --------------------------------------------------------------------------- the starter courses


def test_there_are_chinese_starter_courses_to_check():
    assert len(_chinese_packages()) >= 9


@pytest.mark.parametrize("package", _packages(), ids=lambda p: p.name)
def test_package_loads(package):
    load_package(package)


@pytest.mark.parametrize("package", _chinese_packages(), ids=lambda p: p.name)
def test_no_ascii_punctuation_next_to_chinese(package):
    problems = [
        f"{_where(path, line)}: column {column}: ASCII {mark!r} next to Chinese text; "
        f"use the full-width form (docs/style.md, 2)"
        for path in _text_files(package)
        for line, column, mark in ascii_punctuation_problems(path.read_text("utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", _chinese_packages(), ids=lambda p: p.name)
def test_terms_follow_the_style_sheet(package):
    terms = _avoided_terms()
    problems = [
        f"{_where(path, line)}: {avoided!r}: write {' or '.join(preferred)} (docs/style.md, 1)"
        for path in _text_files(package)
        for line, avoided, preferred in term_problems(path.read_text("utf-8"), terms)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", _packages(), ids=lambda p: p.name)
def test_titles_have_no_stray_spaces(package):
    chinese = _language(package) == "zh_CN"
    problems = []
    for path, line, title in _titles(package):
        if title != title.strip():
            problems.append(f"{_where(path, line)}: title {title!r} has leading or trailing spaces")
        if chinese and _CJK_SPACE_CJK.search(title):
            problems.append(f"{_where(path, line)}: title {title!r} has a space between Chinese characters")
    assert not problems, "\n".join(problems)
