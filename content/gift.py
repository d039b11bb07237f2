"""Moodle GIFT quiz format -> QuestionSpec, with a report of what could not be imported.

Supported: multiple choice (``=`` right, ``~`` wrong), true/false (``{T}``, ``{F}``,
``{TRUE}``, ``{FALSE}``), multiple answers with weights (``~%50%...``), per-answer
feedback (``#...``), general feedback (``####...``), comments (``//`` lines),
categories (``$CATEGORY:``), question titles (``::title::``), format markers
(``[markdown]``, ``[html]``, ``[plain]``, ``[moodle]``) and the escapes ``\\= \\~ \\#
\\{ \\} \\: \\\\ \\n``.

Not supported by the platform, and listed in the report with their line numbers
(never dropped silently): short answer, numerical, matching, essay,
description, and missing-word questions (answer block inside the text).

A malformed file raises PackageInvalid with line-numbered problems; nothing of
it is imported. Partial-credit weights are mapped to an all-or-nothing multiple
choice question whose correct options are the answers with a positive weight;
each such mapping is reported as a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from content.problems import PackageInvalid, Problem
from content.render import MAX_SHORT_MARKDOWN_CHARS, markdown_problem, render_inline, render_markdown
from content.spec import MAX_OPTIONS, MAX_QUESTIONS, TRUE_FALSE_LABELS, OptionSpec, QuestionSpec

__all__ = ["GiftReport", "Skipped", "parse_gift", "MAX_GIFT_BYTES"]

MAX_GIFT_BYTES = 1024 * 1024

_ESCAPABLE = "=~#{}:\\"
_FORMAT_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_BRACE_OR_ESCAPE_RE = re.compile(r"[\\{}]")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}


@dataclass(frozen=True)
class Skipped:
    line: int
    title: str
    kind: str  # e.g. "short answer"
    text: str  # the beginning of the question, for the author to find it


@dataclass(frozen=True)
class GiftReport:
    questions: tuple[QuestionSpec, ...]
    lines: tuple[int, ...]  # first line of each imported question
    skipped: tuple[Skipped, ...]
    warnings: tuple[Problem, ...]
    categories: tuple[str, ...]


def _find_unescaped(text: str, chars: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in chars:
            return i
        i += 1
    return -1


def _split_unescaped(text: str, chars: str) -> list[tuple[int, str, str]]:
    """Split at unescaped `chars`; returns (offset, marker, piece) with marker '' for the head."""
    out: list[tuple[int, str, str]] = []
    start, marker, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in chars:
            out.append((start, marker, text[start:i]))
            marker, start = ch, i + 1
        i += 1
    out.append((start, marker, text[start:]))
    return out


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPABLE:
                out.append(nxt)
                i += 2
                continue
            if nxt == "n":
                out.append("\n")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in _unescape(text).strip().split("\n"))


class _AnswerBlockScan:
    """Is an answer block open (an unescaped `{` with no unescaped `}` after it)?

    Fed the text a line at a time, so a long question costs one pass, not one
    pass per line over everything before it.
    """

    def __init__(self) -> None:
        self.escaped = False  # the last piece ended with a lone backslash
        self.opened = False
        self.closed = False

    @property
    def is_open(self) -> bool:
        return self.opened and not self.closed

    def feed(self, piece: str) -> None:
        pos = 1 if self.escaped and piece else 0
        self.escaped = False
        while (match := _BRACE_OR_ESCAPE_RE.search(piece, pos)) is not None:
            char, at = match.group(), match.start()
            if char == "\\":
                if at + 1 == len(piece):
                    self.escaped = True
                pos = at + 2
                continue
            if char == "{":
                self.opened = True
            elif self.opened:
                self.closed = True
            pos = at + 1


def _blocks(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Questions (first line, text) separated by blank lines; categories (line, name)."""
    blocks: list[tuple[int, str]] = []
    categories: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    scan = _AnswerBlockScan()
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not current and stripped.upper().startswith("$CATEGORY:"):
            categories.append((number, stripped.split(":", 1)[1].strip()))
            continue
        if not stripped and not scan.is_open:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current:
            start = number
            scan = _AnswerBlockScan()
        else:
            scan.feed("\n")  # the line break joining the lines (it absorbs a trailing backslash)
        current.append(line)
        scan.feed(line)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks, categories


def parse_gift(data: str | bytes, *, language: str = "zh_CN", file: str = "quiz.gift") -> GiftReport:
    problems: list[Problem] = []
    if isinstance(data, bytes):
        if len(data) > MAX_GIFT_BYTES:
            raise PackageInvalid([Problem(file, None, None, f"file is {len(data)} bytes; the limit is {MAX_GIFT_BYTES}")])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PackageInvalid([Problem(file, None, None, f"file is not valid UTF-8 (byte {exc.start})")]) from None
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    blocks, categories = _blocks(text)
    if len(blocks) > MAX_QUESTIONS:
        raise PackageInvalid([Problem(file, None, None, f"the file holds {len(blocks):,} questions; the limit is "
                                      f"{MAX_QUESTIONS:,} (split it into several files)")])
    questions: list[QuestionSpec] = []
    lines: list[int] = []
    skipped: list[Skipped] = []
    warnings: list[Problem] = []
    for line, block in blocks:
        result = _parse_block(file, line, block, language, problems, warnings)
        if isinstance(result, Skipped):
            skipped.append(result)
        elif result is not None:
            questions.append(result)
            lines.append(line)
    if not blocks and not problems:
        problems.append(Problem(file, None, None, "no question found"))
    if problems:
        raise PackageInvalid(problems)
    return GiftReport(tuple(questions), tuple(lines), tuple(skipped), tuple(warnings),
                      tuple(name for _line, name in categories))


def _line_at(block: str, offset: int, first: int) -> int:
    return first + block.count("\n", 0, offset)


def _markdown_refused(problems: list[Problem], file: str, line: int, texts: list[tuple[str, str]]) -> bool:
    """Report each (field, Markdown text) too large or complex to render; True if any was."""
    found = [problem for field, text in texts
             if (problem := markdown_problem(text, field, max_chars=MAX_SHORT_MARKDOWN_CHARS)) is not None]
    for problem in found:
        where = "" if problem.line is None else f" (line {problem.line} of the text)"
        problems.append(Problem(file, line, problem.field, problem.message + where))
    return bool(found)


def _parse_block(file: str, line: int, block: str, language: str, problems: list[Problem],
                 warnings: list[Problem]) -> QuestionSpec | Skipped | None:
    title = ""
    body = block.lstrip()
    lead = len(block) - len(body)
    if body.startswith("::"):
        end = body.find("::", 2)
        while end > 0 and body[end - 1] == "\\":
            end = body.find("::", end + 1)
        if end < 0:
            problems.append(Problem(file, line, "title", "the question title (::title::) is not closed"))
            return None
        title = _clean(body[2:end])
        lead += end + 2
        body = body[end + 2:]
    open_at = _find_unescaped(body, "{")
    if open_at < 0:
        if _find_unescaped(body, "}") >= 0:
            problems.append(Problem(file, _line_at(block, lead + _find_unescaped(body, "}"), line), None,
                                    "'}' without a matching '{' (write \\} for a literal brace)"))
            return None
        return Skipped(line, title, "description", _clean(body)[:80])
    close_at = _find_unescaped(body, "}", open_at + 1)
    if close_at < 0:
        problems.append(Problem(file, _line_at(block, lead + open_at, line), None,
                                "the answer block '{' is not closed by '}'"))
        return None
    stem = body[:open_at]
    answers = body[open_at + 1:close_at]
    tail = body[close_at + 1:]
    if _find_unescaped(tail, "{}") >= 0:
        problems.append(Problem(file, _line_at(block, lead + close_at + 1 + _find_unescaped(tail, "{}"), line), None,
                                "more than one answer block in a question (or an unescaped brace)"))
        return None
    stem_text = _FORMAT_RE.sub("", stem.strip(), count=1)
    if tail.strip():
        return Skipped(line, title, "missing word", _clean(stem_text + " _____ " + tail)[:80])
    text = _clean(stem_text)
    if not text:
        problems.append(Problem(file, line, "text", "the question has no text"))
        return None
    answers_offset = lead + open_at + 1
    inner = answers.strip()
    if not inner:
        return Skipped(line, title, "essay", text[:80])
    if inner.startswith("#"):
        return Skipped(line, title, "numerical", text[:80])

    general = ""
    general_at = inner.find("####")
    if general_at >= 0:
        general = _clean(inner[general_at + 4:])
        inner = inner[:general_at]

    head, *rest = _split_unescaped(inner, "#")
    if head[2].strip().upper() in _TRUE | _FALSE and not _find_unescaped(inner, "=~") >= 0:
        answer = head[2].strip().upper() in _TRUE
        feedbacks = [_clean(piece) for _o, _m, piece in rest]
        if len(feedbacks) > 2:
            problems.append(Problem(file, line, "feedback", "a true/false question has at most two feedbacks"))
            return None
        # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
        wrong_fb = feedbacks[0] if feedbacks else ""
        right_fb = feedbacks[1] if len(feedbacks) > 1 else ""
        fb_true, fb_false = (right_fb, wrong_fb) if answer else (wrong_fb, right_fb)
        labels = TRUE_FALSE_LABELS.get(language, TRUE_FALSE_LABELS["en"])
        if _markdown_refused(problems, file, line, [("text", text), ("feedback", general),
                                                    ("feedback", fb_true), ("feedback", fb_false)]):
            return None
        true_false = tuple(OptionSpec(label, render_inline(label), answer is value, fb, render_markdown(fb) if fb else "")
                           for label, value, fb in zip(labels, (True, False), (fb_true, fb_false), strict=True))
        return QuestionSpec("true_false", text, render_markdown(text), general, render_markdown(general) if general else "",
                            1, true_false)

    pieces = _split_unescaped(inner, "=~")
    if pieces[0][2].strip():
        problems.append(Problem(file, _line_at(block, answers_offset, line), None,
                                f"unexpected text before the first answer: {_clean(pieces[0][2])[:40]!r} "
                                "(answers start with = or ~)"))
        return None
    if len(pieces) - 1 > MAX_OPTIONS:
        problems.append(Problem(file, line, "answers", f"a question has at most {MAX_OPTIONS} answers, "
                                                       f"found {len(pieces) - 1:,}"))
        return None
    parsed: list[tuple[int, str, float | None, str, str]] = []  # line, marker, weight, text, feedback
    for offset, marker, piece in pieces[1:]:
        at = _line_at(block, answers_offset + offset, line)
        weight = None
        piece = piece.strip()
        match = _WEIGHT_RE.match(piece)
        if match:
            weight = float(match.group(1))
            piece = piece[match.end():]
            if not -100 <= weight <= 100:
                problems.append(Problem(file, at, "weight", f"weight {match.group(1)}% is not between -100% and 100%"))
                return None
        elif piece.startswith("%"):
            problems.append(Problem(file, at, "weight", "a weight is written %number% (e.g. ~%50%answer)"))
            return None
        answer_text, *feedbacks = (p for _o, _m, p in _split_unescaped(piece, "#"))
        if len(feedbacks) > 1:
            problems.append(Problem(file, at, "feedback", "an answer has more than one feedback (#)"))
            return None
        parsed.append((at, marker, weight, answer_text, _clean(feedbacks[0]) if feedbacks else ""))
    for at, _m, _w, answer_text, _f in parsed:
        if not _clean(answer_text):
            problems.append(Problem(file, at, "answer", "an answer has no text"))
            return None
    if any("->" in a for _l, m, _w, a, _f in parsed if m == "="):
        return Skipped(line, title, "matching", text[:80])
    if all(m == "=" for _l, m, _w, _a, _f in parsed):
        return Skipped(line, title, "short answer", text[:80])
    if _markdown_refused(problems, file, line, [("text", text), ("feedback", general)]
                         + [(f"answer {n}", _clean(a)) for n, (_l, _m, _w, a, _f) in enumerate(parsed, start=1)]
                         + [(f"answer {n} feedback", f) for n, (_l, _m, _w, _a, f) in enumerate(parsed, start=1)]):
        return None
    options: list[OptionSpec] = []
    correct_flags: list[bool] = []
    weights: list[float] = []
    for at, marker, weight, answer_text, feedback in parsed:
        cleaned = _clean(answer_text)
        if not cleaned:
            problems.append(Problem(file, at, "answer", "an answer has no text"))
            return None
        is_correct = (weight > 0) if weight is not None else marker == "="
        weights.append(weight if weight is not None else (100.0 if marker == "=" else 0.0))
        correct_flags.append(is_correct)
        options.append(OptionSpec(cleaned, render_inline(cleaned), is_correct, feedback,
                                  render_markdown(feedback) if feedback else ""))
    if len(options) < 2:
        problems.append(Problem(file, line, "answers", "a choice question needs at least 2 answers"))
        return None
    correct = sum(correct_flags)
    if correct == 0:
        problems.append(Problem(file, line, "answers", "no answer is right (mark one with = or give it a positive weight)"))
        return None
    has_weights = any(w is not None for _l, _m, w, _a, _f in parsed)
    kind = "single" if correct == 1 else "multiple"
    if has_weights:
        positive = [w for w in weights if w > 0]
        # Only "one answer at 100%, the others at 0%" means what our single choice
        # means; any other weighting gives partial credit, which we grade all-or-nothing.
        exact = kind == "single" and positive == [100.0] and all(w == 0 for w in weights if w <= 0)
        if not exact:
            shown = ", ".join(f"{w:g}%" for w in weights)
            warnings.append(Problem(file, line, title or None,
                                    f"partial-credit weights ({shown}) cannot be represented exactly: imported as "
                                    f"{'single' if kind == 'single' else 'multiple'} choice, right only when exactly "
                                    "the answers with a positive weight are chosen"))
    elif correct > 1:
        warnings.append(Problem(file, line, title or None,
                                "several answers are marked '=': imported as multiple choice (all of them required)"))
    return QuestionSpec(kind, text, render_markdown(text), general, render_markdown(general) if general else "", 1,
                        tuple(options))
