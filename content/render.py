"""Markdown -> safe HTML. The only way course text becomes HTML.

Engine: markdown-it-py (CommonMark plus tables). Python-Markdown, used before,
is built on regular expressions and recursion: a run of 2,500 backticks took
minutes, a chain of 30,000 links or 40,000 headings more than 15 s, and 2,000
nested list items raised RecursionError. Those costs come from many different
constructs, so no short list of limits on run lengths and nesting could bound
it. markdown-it-py follows the design of markdown-it, which keeps parsing linear
in the length of the input (CommonMark's pathological cases are part of its
test suite), parses nested blocks only down to `maxNesting` levels, and renders
from a flat token stream without recursion. The limits below are therefore
only about size and depth, and the HTML it emits is still cleaned by
content.sanitize, the one sanitiser.

Every function here does work bounded by the length of its input. Text that
markdown_problem refuses (too long, nested too deeply, too many raw HTML tags)
is never rendered as Markdown: render_markdown shows it as escaped plain text,
so a caller that forgot to validate still cannot make a request slow.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType

from content.sanitize import ID_PREFIX, sanitize_html

__all__ = [
    "MAX_MARKDOWN_CHARS",
    "MAX_SHORT_MARKDOWN_CHARS",
    "MAX_NESTING_DEPTH",
    "MAX_HTML_TAGS",
    "MarkdownProblem",
    "markdown_problem",
    "render_checked",
    "render_markdown",
    "render_inline",
]

MAX_MARKDOWN_CHARS = 50_000  # one lesson body: 2 hours of reading (the largest real lesson: 14,000); the worst text this long renders in about 0.3 s
MAX_SHORT_MARKDOWN_CHARS = 20_000  # summary, terms, question/option text and feedback
MAX_NESTING_DEPTH = 8  # lists and block quotes inside each other
MAX_HTML_TAGS = 2_000  # raw HTML start tags in one text: nh3's cost grows with their nesting

# The engine's own recursion guard, counted in tokens: a list level takes two
# (list + item), so MAX_NESTING_DEPTH lists fit with room for a table or a
# paragraph inside. Text within MAX_NESTING_DEPTH never reaches it, so valid
# text is never cut short by it.
_ENGINE_NESTING = 2 * MAX_NESTING_DEPTH + 4

_CONTAINERS_OPEN = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open"})
_CONTAINERS_CLOSE = frozenset({"blockquote_close", "bullet_list_close", "ordered_list_close"})
_START_TAG_RE = re.compile(r"<[A-Za-z]")
_SINGLE_PARAGRAPH_RE = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)
_TOC_MARKER = "[TOC]"


@dataclass(frozen=True)
class MarkdownProblem:
    """Why a Markdown text is refused. `line` is 1-based within the text, when known."""

    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.field}: {self.message}{where}"


# --------------------------------------------------------------------------- heading ids, toc, table alignment


def _slugify(value: str) -> str:
    # As Python-Markdown's slugify_unicode, so existing in-page links keep
    # working: Unicode-aware (Chinese headings get readable ids) and prefixed
    # with the sanitiser's namespace so nh3 leaves the ids alone.
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return ID_PREFIX + re.sub(r"[-\s]+", "-", value)


_ID_COUNT_RE = re.compile(r"^(.*)_([0-9]+)$")


def _unique(anchor: str, used: set[str], counters: dict[str, int]) -> str:
    """`anchor`, or anchor_1, anchor_2... (Python-Markdown's scheme), in amortised constant time."""
    if anchor in used:
        match = _ID_COUNT_RE.match(anchor)
        base, number = (match.group(1), int(match.group(2))) if match else (anchor, 0)
        number = max(number, counters.get(base, 0))
        candidate = f"{base}_{number + 1}"
        while candidate in used:
            number += 1
            candidate = f"{base}_{number + 1}"
        counters[base] = number + 1
        anchor = candidate
    used.add(anchor)
    return anchor


def _plain_text(inline: Token) -> str:
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


@dataclass
class _TocEntry:
    level: int
    anchor: str
    text: str
    children: list[_TocEntry]


def _nest(headings: list[tuple[int, str, str]]) -> list[_TocEntry]:
    roots: list[_TocEntry] = []
    open_entries: list[_TocEntry] = []
    for level, anchor, text in headings:
        entry = _TocEntry(level, anchor, text, [])
        while open_entries and open_entries[-1].level >= level:
            open_entries.pop()
        (open_entries[-1].children if open_entries else roots).append(entry)
        open_entries.append(entry)
    return roots


def _toc_list(entries: list[_TocEntry], out: list[str]) -> None:
    # Recursion depth is at most 6: a child always has a deeper heading level.
    out.append("<ul>\n")
    for entry in entries:
        out.append(f'<li><a href="#{html.escape(entry.anchor)}">{html.escape(entry.text)}</a>')
        if entry.children:
            _toc_list(entry.children, out)
        out.append("</li>\n")
    out.append("</ul>\n")


def _toc_html(headings: list[tuple[int, str, str]]) -> str:
    out = ['<div class="toc">\n']
    _toc_list(_nest(headings), out)
    out.append("</div>\n")
    return "".join(out)


def _is_toc_marker(tokens: list[Token], index: int) -> bool:
    if index + 2 >= len(tokens) or tokens[index + 2].type != "paragraph_close":
        return False
    inline = tokens[index + 1]
    children = inline.children or []
    return inline.content.strip() == _TOC_MARKER and all(child.type == "text" for child in children)


def _annotate(state: StateCore) -> None:
    """Core rule: heading ids, the first [TOC] marker, and align="..." on table cells.

    Only the first [TOC] is expanded: expanding every one would make the output
    grow with markers x headings.
    """
    tokens = state.tokens
    used: set[str] = set()
    counters: dict[str, int] = {}
    headings: list[tuple[int, str, str]] = []
    marker: int | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            text = _plain_text(tokens[index + 1])
            anchor = _unique(_slugify(text), used, counters)
            token.attrSet("id", anchor)
            headings.append((int(token.tag[1]), anchor, text))
        elif token.type in ("th_open", "td_open"):
            # The sanitiser never allows style; align is an allowed attribute.
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("align", style.removeprefix("text-align:"))
        elif token.type == "paragraph_open" and marker is None and _is_toc_marker(tokens, index):
            marker = index
    if marker is not None:
        toc = Token(
            "html_block", "", 0, block=True, content=_toc_html(headings), level=tokens[marker].level, meta={"toc": True}
        )
        state.tokens = tokens[:marker] + [toc] + tokens[marker + 3 :]


# --------------------------------------------------------------------------- the engine

# Han, CJK symbols and punctuation, kana, Hangul, full-width forms.
_CJK_RE = re.compile(
    "[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def _is_cjk(char: str) -> bool:
    return _CJK_RE.match(char) is not None


class _CjkStateInline(StateInline):
    """CommonMark's emphasis rules, made to work in Chinese text.

    CommonMark lets `**` open only if it is not followed by punctuation unless
    preceded by a space or punctuation (and the mirror rule for closing), so
    `执行**“就医地目录”**：` stays literal: Chinese puts no spaces around
    emphasis. As the "CJK-friendly" amendment to CommonMark proposes, a CJK
    character next to the run counts like punctuation for that test.
    Python-Markdown, used before, accepted these runs.
    """

    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:  # noqa: N802,N803 - markdown-it's names
        pos = start
        maximum = self.posMax
        marker = self.src[start]
        last_char = self.src[start - 1] if start > 0 else " "  # start of line counts as a space
        while pos < maximum and self.src[pos] == marker:
            pos += 1
        next_char = self.src[pos] if pos < maximum else " "  # so does the end
        last_punct = isMdAsciiPunct(ord(last_char)) or isPunctChar(last_char)
        next_punct = isMdAsciiPunct(ord(next_char)) or isPunctChar(next_char)
        last_space = isWhiteSpace(ord(last_char))
        next_space = isWhiteSpace(ord(next_char))
        left_flanking = not (next_space or (next_punct and not (last_space or last_punct or _is_cjk(last_char))))
        right_flanking = not (last_space or (last_punct and not (next_space or next_punct or _is_cjk(next_char))))
        can_open = left_flanking and (canSplitWord or not right_flanking or last_punct)
        can_close = right_flanking and (canSplitWord or not left_flanking or next_punct)
        return Scanned(can_open, can_close, pos - start)


class _CjkParserInline(ParserInline):
    def parse(self, src: str, md: MarkdownIt, env: EnvType, tokens: list[Token]) -> list[Token]:
        # As ParserInline.parse, with the CJK-aware state.
        state = _CjkStateInline(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


class _Engine(MarkdownIt):
    def __init__(self) -> None:
        options = {"maxNesting": _ENGINE_NESTING, "xhtmlOut": False}
        super().__init__("commonmark", options)
        self.inline = _CjkParserInline()
        self.configure("commonmark", options)  # again, for the new inline parser's rules
        self.enable("table")

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        # The URL policy lives in content.sanitize, the one sanitiser. markdown-it's
        # own filter would turn `[x](javascript:...)` into literal text; here it
        # becomes a link whose href the sanitiser drops, as before.
        return True


def _engine() -> MarkdownIt:
    md = _Engine()
    md.core.ruler.push("lms_annotate", _annotate)
    # The rulers compile their rule chains on first use; do it now, before
    # threads share this instance (parsing itself keeps no state in it).
    md.parse("# h\n\n- a\n\n> b\n\n| a |\n| - |\n| b |\n\n[TOC]\n")
    return md


_MD = _engine()


# --------------------------------------------------------------------------- validation


def _too_long(text: str, field: str, max_chars: int) -> MarkdownProblem | None:
    if len(text) > max_chars:
        return MarkdownProblem(field, f"is {len(text):,} characters long; the limit is {max_chars:,}")
    return None


def _tokens_problem(tokens: list[Token], field: str) -> MarkdownProblem | None:
    depth = 0
    tags = 0
    for token in tokens:
        if token.type in _CONTAINERS_OPEN:
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                line = token.map[0] + 1 if token.map else None
                return MarkdownProblem(
                    field, f"lists and block quotes are nested more than {MAX_NESTING_DEPTH} levels deep", line
                )
        elif token.type in _CONTAINERS_CLOSE:
            depth -= 1
        elif token.type == "html_block" and not token.meta.get("toc"):  # the toc is ours, at most 6 deep
            tags += len(_START_TAG_RE.findall(token.content))
        elif token.type == "inline" and token.children:
            tags += sum(1 for child in token.children if child.type == "html_inline" and _START_TAG_RE.match(child.content))
    if tags > MAX_HTML_TAGS:
        return MarkdownProblem(field, f"has {tags:,} HTML tags; the limit is {MAX_HTML_TAGS:,}")
    return None


def markdown_problem(text: str, field: str = "text", *, max_chars: int = MAX_MARKDOWN_CHARS) -> MarkdownProblem | None:
    """Why `text` cannot be saved as the Markdown field `field`, or None if it can.

    Refused: more than `max_chars` characters, lists and block quotes nested
    more than MAX_NESTING_DEPTH deep, more than MAX_HTML_TAGS raw HTML tags.
    Takes time linear in len(text) (the length is checked before parsing).
    """
    problem = _too_long(text, field, max_chars)
    if problem is None:
        problem = _tokens_problem(_MD.parse(text), field)
    return problem


# --------------------------------------------------------------------------- rendering


def _plain(text: str) -> str:
    # Refused text is shown as it was typed, escaped: nothing lost, nothing parsed.
    return sanitize_html(f"<pre>{html.escape(text, quote=False)}</pre>")


def _unwrap(rendered: str) -> str:
    match = _SINGLE_PARAGRAPH_RE.match(rendered)
    # Only unwrap when it really is one paragraph: `<p>a</p>\n<p>b</p>` also
    # starts with <p> and ends with </p>.
    if match and "<p>" not in match.group(1) and "</p>" not in match.group(1):
        return match.group(1)
    return rendered


def render_checked(
    text: str, field: str = "text", *, max_chars: int = MAX_MARKDOWN_CHARS, inline: bool = False
) -> tuple[str, MarkdownProblem | None]:
    """Validate and render in one parse: (html, None), or (text as escaped plain text, problem).

    With inline=True the HTML is that of render_inline.
    """
    if not text:
        return "", None
    problem = _too_long(text, field, max_chars)
    if problem is not None:
        return _plain(text), problem
    env: dict[str, object] = {}
    tokens = _MD.parse(text, env)
    problem = _tokens_problem(tokens, field)
    if problem is not None:
        return _plain(text), problem
    # markdown-it ends every block with a newline; the stored HTML never did.
    rendered = sanitize_html(_MD.renderer.render(tokens, _MD.options, env).rstrip("\n"))
    return (_unwrap(rendered.strip()) if inline else rendered), None


def render_markdown(source: str) -> str:
    """Render Markdown to HTML and sanitise it. Always sanitised; no opt-out.

    Text that markdown_problem would refuse comes back as escaped plain text.
    """
    return render_checked(source)[0]


def render_inline(text: str) -> str:
    """Render a short string (option text, labels): like render_markdown, minus a lone wrapping <p>."""
    return render_checked(text, inline=True)[0]
