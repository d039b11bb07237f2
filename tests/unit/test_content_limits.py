"""Markdown with bounded cost: a corpus of pathological inputs, each rendered (or refused)
quickly and without RecursionError, and the limits that refuse the rest at save/import time."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from content.render import (
    MAX_HTML_TAGS,
    MAX_MARKDOWN_CHARS,
    MAX_NESTING_DEPTH,
    MarkdownProblem,
    markdown_problem,
    render_checked,
    render_inline,
    render_markdown,
)

L = MAX_MARKDOWN_CHARS


def _repeat(unit: str, prefix: str = "", suffix: str = "") -> str:
    """`unit` repeated to fill the field up to its size limit."""
    return prefix + unit * ((L - len(prefix) - len(suffix)) // len(unit)) + suffix


def _nested(open_: str, middle: str, close: str) -> str:
    count = (L - len(middle)) // (len(open_) + len(close))
    return open_ * count + middle + close * count


# Each builds a text at (or, for the refused ones, past) the lesson limit. Python-Markdown
# took 2 s (1,000 backticks) to minutes on most of these, or raised RecursionError.
CORPUS: dict[str, Callable[[], str]] = {
    "backtick run": lambda: "`" * L,
    "backtick runs of growing length": lambda: "".join("e" + "`" * n for n in range(1, 440)),
    "brackets [[[...]]]": lambda: _nested("[", "a", "]"),
    "brackets, then closers": lambda: "[" * (L // 2) + "]" * (L // 2),
    "link openers [a[a": lambda: _repeat("[a"),
    "link closers a]a]": lambda: _repeat("a]"),
    "link chain": lambda: _repeat("[a](b)"),
    "nested links": lambda: _nested("[", "a", "](b)"),
    "nested images": lambda: _nested("![", "a", "](b)"),
    "images in links": lambda: _nested("[![", "a", "](b)](c)"),
    "[ (](": lambda: _repeat("[ (]("),
    "![[]()": lambda: _repeat("![[]()"),
    "unclosed links <": lambda: _repeat("[a](<b"),
    "unclosed links": lambda: _repeat("[a](b"),
    "link openers and emphasis": lambda: _repeat("[ a_"),
    "nested emphasis": lambda: _nested("*a **a ", "b", " a** a*"),
    "alternating emphasis": lambda: _nested("*_", "a", "_*"),
    "emphasis closers": lambda: _repeat("a_ "),
    "emphasis openers": lambda: _repeat("_a "),
    "mismatched emphasis": lambda: _repeat("*a_ "),
    "closers, multiple of 3": lambda: _repeat("c* ", prefix="a**b"),
    "star run": lambda: "*" * L,
    "underscore run": lambda: "e" + "_" * (L - 1),
    "nested lists, one line": lambda: _repeat("- ", suffix="x"),
    "nested lists, blank lines": lambda: "- " * (L // 4) + "x" + "\n" * (L // 4),
    "nested ordered lists": lambda: _repeat("1. ", suffix="x"),
    "nested quotes": lambda: _repeat("> ", suffix="a"),
    "nested quotes, no spaces": lambda: ">" * (L // 2) + "a*" * (L // 4),
    "quotes and lists": lambda: _repeat("> - ", suffix="x"),
    "indented nested list (300 levels)": lambda: "".join("  " * n + "- a\n" for n in range(300)),
    "unclosed comments": lambda: _repeat("<!--", prefix="</"),
    "inline HTML openers": lambda: _repeat("a <"),
    "nested div tags": lambda: _repeat("<div>"),
    "nested list tags": lambda: _repeat("<li><ul>"),
    "many references": lambda: "".join(f"[{n}]: u\n" for n in range(5000)) + _repeat("[0] ")[: L // 2],
    "wide table": lambda: "|" + "a|" * (L // 4 - 2) + "\n|" + "-|" * (L // 4 - 2) + "\n",
    "long table": lambda: "|a|b|\n|-|-|\n" + "|x|y|\n" * (L // 6 - 2),
    "table of pipes": lambda: "a|" * (L // 4 - 1) + "\n" + "-|" * (L // 4 - 1),
    "headings with one slug": lambda: _repeat("# h\n"),
    "headings, ids that collide with suffixes": lambda: "".join(f"# h_{n}\n" for n in range(1, 3000)) + _repeat("# h\n")[: L // 2],
    "many [TOC] markers and headings": lambda: _repeat("[TOC]\n\n# h\n\n"),
    "fence runs": lambda: _repeat("```\n"),
    "entity starts": lambda: _repeat("&#"),
    "backslashes": lambda: "\\" * L,
    "autolink openers": lambda: _repeat("<http://a"),
    "tildes": lambda: "~" * L,
    "Chinese text": lambda: _repeat("养老保险是社会保险的重要组成部分。"),
    "just over the limit": lambda: "a" * (L + 1),
    "ten times the limit": lambda: "[a" * (5 * L),
}

# A safety bound, not a speed target (the house rule keeps timing targets out of tests):
# each of these renders in about a second or less on a 2-core machine, while
# Python-Markdown needed minutes for several. 5 s only catches a return of
# super-linear blow-up, with room for a slow or busy CI machine.
GENEROUS_SECONDS = 5.0


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_pathological_input_renders_or_is_refused_within_a_generous_bound(name: str) -> None:
    source = CORPUS[name]()
    started = time.perf_counter()
    html, problem = render_checked(source, "body")  # what the loader does: validate and render in one parse
    elapsed = time.perf_counter() - started
    assert elapsed < GENEROUS_SECONDS, f"{name}: {elapsed:.1f} s for {len(source):,} characters"
    if problem is not None:
        assert html.startswith("<pre>"), "refused text is shown as plain text"


def _deep_in_the_stack(frames: int, work: Callable[[], object]) -> object:
    # A web request renders from well inside Flask, Jinja and the app.
    return work() if frames == 0 else _deep_in_the_stack(frames - 1, work)


@pytest.mark.parametrize(
    "name", ["nested lists, one line", "nested quotes", "nested images", "images in links", "alternating emphasis"]
)
def test_deep_nesting_never_recurses_deeply(name: str) -> None:
    source = CORPUS[name]()[:20_000]  # depth is what matters here
    _deep_in_the_stack(600, lambda: render_markdown(source))
    _deep_in_the_stack(600, lambda: markdown_problem(source))


def test_too_deep_nesting_is_refused_with_its_line_and_shown_as_text() -> None:
    source = "intro\n\n" + "".join("  " * n + "- level\n" for n in range(40))
    problem = markdown_problem(source, "body")
    assert problem == MarkdownProblem(
        "body", f"lists and block quotes are nested more than {MAX_NESTING_DEPTH} levels deep", line=3 + MAX_NESTING_DEPTH
    )
    assert str(problem) == f"body: {problem.message} (line {3 + MAX_NESTING_DEPTH})"
    html, refused = render_checked(source, "body")
    assert refused == problem
    assert html.startswith("<pre>intro\n\n- level\n") and "<ul>" not in html


def test_nesting_up_to_the_limit_renders_whole() -> None:
    # The engine's own cut-off must never drop the text of a valid document.
    lists = "".join("  " * n + f"- level {n + 1}\n" for n in range(MAX_NESTING_DEPTH)) + "\nafter\n"
    quotes = "> " * MAX_NESTING_DEPTH + "deepest\n\nafter\n"
    mixed = "> - " * (MAX_NESTING_DEPTH // 2) + "deepest\n"
    for source in (lists, quotes, mixed):
        assert markdown_problem(source) is None, source
    html = render_markdown(lists)
    assert html.count("<ul>") == MAX_NESTING_DEPTH and f"level {MAX_NESTING_DEPTH}" in html and "<p>after</p>" in html
    assert render_markdown(quotes).count("<blockquote>") == MAX_NESTING_DEPTH
    assert "deepest" in render_markdown(mixed)
    assert markdown_problem("> " * (MAX_NESTING_DEPTH + 1) + "x") is not None


def test_length_limit_is_per_field() -> None:
    assert markdown_problem("a" * L) is None
    problem = markdown_problem("a" * (L + 1), "text")
    assert problem is not None and problem.message == f"is {L + 1:,} characters long; the limit is {L:,}"
    short = markdown_problem("a" * 21, "feedback", max_chars=20)
    assert short == MarkdownProblem("feedback", "is 21 characters long; the limit is 20")


def test_raw_html_tag_limit() -> None:
    assert markdown_problem("<span>a</span>" * MAX_HTML_TAGS) is None
    problem = markdown_problem("x <b>y</b>\n\n" + "<div>" * MAX_HTML_TAGS)
    assert problem is not None and problem.message == f"has {MAX_HTML_TAGS + 1:,} HTML tags; the limit is {MAX_HTML_TAGS:,}"
    # Tags inside code are text, not tags.
    assert markdown_problem("```\n" + "<div>" * (MAX_HTML_TAGS + 1) + "\n```") is None


def test_headings_get_unique_ids_in_linear_time() -> None:
    html = render_markdown("# h_1\n\n" + "# h\n\n" * 3 + "# h_1\n")
    ids = [part.split('"')[0] for part in html.split('id="')[1:]]
    assert ids == ["sec-h_1", "sec-h", "sec-h_2", "sec-h_3", "sec-h_4"]


def test_a_long_table_of_contents_is_not_counted_as_raw_html() -> None:
    source = "[TOC]\n\n" + "## h\n\n" * MAX_HTML_TAGS
    html, problem = render_checked(source)
    assert problem is None and html.count("<li>") == MAX_HTML_TAGS


def test_only_the_first_toc_marker_is_expanded() -> None:
    html = render_markdown("[TOC]\n\n# a\n\n[TOC]\n\n## b\n")
    assert html.count('<div class="toc">') == 1 and "<p>[TOC]</p>" in html
    assert '<a href="#sec-b"' in html.split("</div>")[0], "the table lists headings after the marker too"


def test_emphasis_works_in_chinese_text() -> None:
    # CommonMark alone leaves these `**` literal: no spaces around emphasis in Chinese.
    assert render_markdown("执行**“就医地目录、参保地政策”**：") == "<p>执行<strong>“就医地目录、参保地政策”</strong>：</p>"
    assert render_markdown("要注意**“含财政补贴”**两种口径") == "<p>要注意<strong>“含财政补贴”</strong>两种口径</p>"
    assert render_inline("*强调*文本，**粗体**。") == "<em>强调</em>文本，<strong>粗体</strong>。"
    # ...without changing English: intraword underscores stay literal.
    assert render_inline("snake_case_name and 2*3*4") == "snake_case_name and 2<em>3</em>4"


def test_render_checked_matches_render_markdown_and_inline() -> None:
    text = "**a** [b](https://b.example)"
    assert render_checked(text) == (render_markdown(text), None)
    assert render_checked(text, inline=True) == (render_inline(text), None)
    assert render_checked("") == ("", None)
