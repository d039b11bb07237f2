"""Moodle GIFT quiz format <-> QuestionSpec, read as Moodle's own importer reads it.

Every question type GIFT has is imported (question/format/gift/format.php is
the reference for what the syntax means):

- multiple choice ``{=right ~wrong}``: one answer to pick when any answer is
  marked ``=``; several (check boxes, partial credit) when none is. Weights
  ``~%50%half`` give partial credit; ``=`` is 100 %, ``~`` alone 0 %;
- true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}`` (the first ``#feedback`` is
  for a wrong answer, the second for a right one);
- short answer ``{=北京 =%50%Peking#feedback}`` (an answer without weight is
  100 %; ``*`` matches any text);
- numerical ``{#4:0.5}``, ``{#1..5}``, several answers ``{#=%100%4 =%50%4:1
  ~#feedback for any other number}``;
- matching ``{=item -> answer =item2 -> answer2 = -> distractor}``;
- essay ``{}``;
- missing word: an answer block followed by text (``A {=b ~c} d``) is a
  question of the block's type with ``_____`` where the block was.

Per-answer feedback ``#...``, general feedback ``####...``, comments ``//``,
categories ``$CATEGORY:`` (listed in the report), titles ``::title::`` (kept as
the question's title) and the escapes ``\\= \\~ \\# \\{ \\} \\: \\\\ \\n``.

Text formats: ``[markdown]`` text is Markdown; ``[plain]`` is literal text
(shown exactly, line breaks kept); ``[html]`` is HTML; ``[moodle]``, the
default when no marker is given, is Moodle's auto-format (HTML allowed, line
breaks kept, no Markdown). The question's marker is the default of its answers
and feedback, which may carry their own. Everything is stored as the Markdown
that shows the same text (the platform's one text format).

A ``// lms: {...}`` comment (JSON) inside a question carries what GIFT cannot
say and exports write: points, all-or-nothing grading of a multiple-choice
question, units of a numerical question and the length limit of an essay.
Moodle ignores it as a comment.

Descriptions (text without an answer block) are not questions: they are
listed in the report with their lines. A malformed file raises PackageInvalid
with line-numbered problems; nothing of it is imported.
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from content.grading import MAX_TEXT_ANSWER_CHARS, normalise_answer, numerical_range, numerical_value
from content.problems import PackageInvalid, Problem
from content.render import MAX_SHORT_MARKDOWN_CHARS, markdown_problem, render_inline, render_markdown
from content.spec import MAX_ESSAY_CHARS, MAX_OPTIONS, MAX_QUESTIONS, TRUE_FALSE_LABELS, OptionSpec, QuestionSpec, UnitSpec

__all__ = ["GiftReport", "Imported", "Skipped", "parse_gift", "dump_gift", "plain_to_markdown",
           "html_to_markdown", "MAX_GIFT_BYTES", "KIND_NAMES"]

MAX_GIFT_BYTES = 1024 * 1024

# The names the report uses for each kind (Moodle's names, as authors know them).
KIND_NAMES = {
    "single": "multiple choice", "multiple": "multiple choice (several answers)", "true_false": "true/false",
    "short_answer": "short answer", "numerical": "numerical", "matching": "matching", "essay": "essay",
    "description": "description",
}

# Escaped characters become private-use placeholders while the question is
# parsed (as Moodle's importer does), so that no escaped character is taken
# for syntax; they turn back into the literal character at the end.
_ESCAPES = {":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005", "~": "\ue006"}
_BACKSLASH = "\ue000"
_NEWLINE = "\ue007"
_BLANK = "\ue008"  # where a missing word's answer block stood
_PLACEHOLDERS = {v: k for k, v in _ESCAPES.items()} | {_BACKSLASH: "\\", _NEWLINE: "\n", _BLANK: _BLANK}
_PRIVATE_RE = re.compile("[\ue000-\ue008]")

_FORMAT_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]")
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>|<!--")
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")
_LMS_META = "// lms:"
_META_KEYS = {"points", "grading", "units", "max_chars"}

# Markdown that plain text must not trigger: characters escaped anywhere, and
# line starts that would open a heading, list, quote, fence or break.
_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|])")  # "!" needs none: "[" is escaped, so no image can start
_MD_LINE_START_RE = re.compile(r"^([#+\-=>~]|\d{1,9}(?=[.)]))")


@dataclass(frozen=True)
class Skipped:
    line: int
    title: str
    kind: str  # e.g. "description"
    text: str  # the beginning of the question, for the author to find it


@dataclass(frozen=True)
class Imported:
    line: int
    title: str
    kind: str  # a QUESTION_KINDS value
    missing_word: bool = False


@dataclass(frozen=True)
class GiftReport:
    questions: tuple[QuestionSpec, ...]
    lines: tuple[int, ...]  # first line of each imported question
    skipped: tuple[Skipped, ...]
    warnings: tuple[Problem, ...]
    categories: tuple[str, ...]
    imported: tuple[Imported, ...] = ()


# --------------------------------------------------------------------------- text


def plain_to_markdown(text: str, *, entities: bool = False) -> str:
    """Markdown that shows `text` literally: line breaks kept, nothing taken for
    Markdown. With `entities`, `&name;` stays an HTML entity (Moodle's auto-format)."""
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = []
        for raw in block.split("\n"):
            line = _MD_SPECIAL_RE.sub(r"\\\1", raw.strip())
            if not entities:
                line = line.replace("&", "\\&")
            line = _MD_LINE_START_RE.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
                                         line)
            if line:
                lines.append(line)
        if lines:
            paragraphs.append("\\\n".join(lines))
    return "\n\n".join(paragraphs)


def html_to_markdown(text: str, *, inline: bool, breaks: bool = False) -> str:
    """Markdown holding `text` as one raw HTML block (shown as HTML, after sanitising;
    Markdown syntax inside it means nothing). With `breaks`, line ends become <br>."""
    body = text.strip()
    if breaks:
        body = body.replace("\n", "<br>\n")
    body = re.sub(r"\n[ \t]*(?=\n)", "", body)  # a blank line would end the HTML block
    tag = "span" if inline else "div"
    return f"<{tag}>\n{body}\n</{tag}>"


def _restore(text: str) -> str:
    return _PRIVATE_RE.sub(lambda m: _PLACEHOLDERS.get(m.group(), ""), text)


def _blank_markdown(text: str) -> str:
    """Put the missing word's blank in: five underscores, escaped only where they would draw a line."""
    lines = text.split("\n")
    return "\n".join(line.replace(_BLANK, "\\_\\_\\_\\_\\_" if line.strip() == _BLANK else "_____") for line in lines)


def _to_markdown(raw: str, fmt: str, *, inline: bool) -> str:
    """Parsed GIFT text (placeholders in) in format `fmt` -> the Markdown that shows it."""
    text = _restore(raw).strip()
    if fmt == "markdown":
        out = text
    elif fmt == "plain":
        out = plain_to_markdown(text)
    elif _TAG_RE.search(text):  # html or moodle with tags: kept as HTML
        out = html_to_markdown(text, inline=inline, breaks=fmt == "moodle")
    elif fmt == "html":  # no tags: line breaks are spaces, entities stay entities
        out = plain_to_markdown(" ".join(text.split()), entities=True)
    else:  # moodle without tags
        out = plain_to_markdown(text, entities=True)
    return "\n".join(line.rstrip() for line in _blank_markdown(out).split("\n")).strip()


def _split_format(raw: str, default: str) -> tuple[str, str]:
    """(format, text) of a text that may start with [markdown] [html] [plain] [moodle]."""
    text = raw.strip()
    match = _FORMAT_RE.match(text)
    if match is None:
        return default, text
    return match.group(1), text[match.end():]


def _plain(raw: str) -> str:
    """Text of a short answer or a matching answer: plain, format marker dropped."""
    return " ".join(_restore(_split_format(raw, "plain")[1]).split())


# --------------------------------------------------------------------------- blocks


def _escape_placeholders(text: str) -> str:
    text = _PRIVATE_RE.sub("\ufffd", text)  # our placeholders cannot come from the file
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "\\":
                out.append(_BACKSLASH)
                i += 2
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(_NEWLINE)
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass
class _Block:
    line: int
    text: str  # escapes already replaced by placeholders
    meta: list[tuple[int, str]] = field(default_factory=list)  # (line, JSON) of `// lms:` comments


def _blocks(text: str) -> tuple[list[_Block], list[tuple[int, str]]]:
    """Questions separated by blank lines (not while an answer block is open); categories."""
    blocks: list[_Block] = []
    categories: list[tuple[int, str]] = []
    current: list[str] = []
    meta: list[tuple[int, str]] = []
    start = 0
    depth_open = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("//"):
            if stripped.startswith(_LMS_META):
                meta.append((number, stripped[len(_LMS_META):].strip()))
            continue
        if not current and stripped.upper().startswith("$CATEGORY:"):
            categories.append((number, _restore(stripped.split(":", 1)[1]).strip()))
            meta = []
            continue
        if not stripped and not depth_open:
            if current:
                blocks.append(_Block(start, "\n".join(current), meta))
                current, meta = [], []
            continue
        if not current:
            start = number
        current.append(line)
        opened = line.count("{")
        closed = line.count("}")
        if opened or closed:
            depth_open = line.rfind("{") > line.rfind("}")
    if current:
        blocks.append(_Block(start, "\n".join(current), meta))
    return blocks, categories


# --------------------------------------------------------------------------- parsing


def parse_gift(data: str | bytes, *, language: str = "zh_CN", file: str = "quiz.gift") -> GiftReport:
    problems: list[Problem] = []
    if isinstance(data, bytes):
        if len(data) > MAX_GIFT_BYTES:
            raise PackageInvalid([Problem(file, None, None, f"file is {len(data)} bytes; the limit is {MAX_GIFT_BYTES}")])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PackageInvalid([Problem(file, None, None, f"file is not valid UTF-8 (byte {exc.start})")]) from None
    text = _escape_placeholders(data.replace("\r\n", "\n").replace("\r", "\n"))
    blocks, categories = _blocks(text)
    if len(blocks) > MAX_QUESTIONS:
        raise PackageInvalid([Problem(file, None, None, f"the file holds {len(blocks):,} questions; the limit is "
                                      f"{MAX_QUESTIONS:,} (split it into several files)")])
    questions: list[QuestionSpec] = []
    imported: list[Imported] = []
    skipped: list[Skipped] = []
    warnings: list[Problem] = []
    for block in blocks:
        parser = _QuestionParser(file, block, language, problems, warnings)
        result = parser.parse()
        if isinstance(result, Skipped):
            skipped.append(result)
        elif result is not None:
            questions.append(result)
            imported.append(Imported(block.line, result.title, result.kind, parser.missing_word))
    if not blocks and not problems:
        problems.append(Problem(file, None, None, "no question found"))
    if problems:
        raise PackageInvalid(problems)
    return GiftReport(tuple(questions), tuple(i.line for i in imported), tuple(skipped), tuple(warnings),
                      tuple(name for _line, name in categories), tuple(imported))


class _Refused(Exception):
    """A problem was reported; stop parsing this question."""


class _QuestionParser:
    def __init__(self, file: str, block: _Block, language: str, problems: list[Problem],
                 warnings: list[Problem]) -> None:
        self.file = file
        self.block = block
        self.language = language
        self.problems = problems
        self.warnings = warnings
        self.title = ""
        self.missing_word = False
        self.fmt = "moodle"
        self.meta: dict[str, object] = {}
        self.inner_at = 0  # offset of the answer block's text in the block

    # ---- reporting

    def line_at(self, offset: int) -> int:
        return self.block.line + self.block.text.count("\n", 0, max(0, offset))

    def fail(self, message: str, offset: int | None = None, field_name: str | None = None) -> _Refused:
        line = self.block.line if offset is None else self.line_at(offset)
        self.problems.append(Problem(self.file, line, field_name, message))
        return _Refused()

    # ---- the question

    def parse(self) -> QuestionSpec | Skipped | None:
        try:
            return self._parse()
        except _Refused:
            return None

    def _parse(self) -> QuestionSpec | Skipped | None:
        self._read_meta()
        text = self.block.text
        body_at = len(text) - len(text.lstrip())
        body = text.strip()
        if body.startswith("::"):
            end = body.find("::", 2)
            if end < 0:
                raise self.fail("the question title (::title::) is not closed", field_name="title")
            self.title = " ".join(_restore(body[2:end]).split())[:200]
            body_at += end + 2
            body = body[end + 2:]
            body_at += len(body) - len(body.lstrip())
            body = body.lstrip()
        open_at = body.find("{")
        close_at = body.find("}")
        if open_at < 0 and close_at < 0:
            return Skipped(self.block.line, self.title, "description", _restore(body)[:80])
        if close_at >= 0 and (open_at < 0 or close_at < open_at):
            raise self.fail("'}' without a matching '{' (write \\} for a literal brace)", body_at + close_at)
        close_at = body.find("}", open_at)
        if close_at < 0:
            raise self.fail("the answer block '{' is not closed by '}'", body_at + open_at)
        tail = body[close_at + 1:]
        if "{" in tail or "}" in tail:
            at = min(i for i in (tail.find("{"), tail.find("}")) if i >= 0)
            raise self.fail("more than one answer block in a question (or an unescaped brace)",
                            body_at + close_at + 1 + at)
        answers_at = body_at + open_at + 1
        answers = body[open_at + 1:close_at]
        if tail.strip():
            self.missing_word = True
            stem = body[:open_at] + _BLANK + tail
        else:
            stem = body[:open_at]
        self.fmt, stem_text = _split_format(stem.strip(), "moodle")
        question_md = _to_markdown(stem_text, self.fmt, inline=False)
        if not _restore(stem_text).replace(_BLANK, "").strip():
            raise self.fail("the question has no text", field_name="text")
        general = ""
        general_at = answers.rfind("####")
        if general_at >= 0:
            general = self.text(answers[general_at + 4:])
            answers = answers[:general_at]
        inner = answers.strip()
        self.inner_at = answers_at + len(answers) - len(answers.lstrip())
        kind = self._kind(inner)
        question = self._question(kind, inner, question_md, general)
        self._check_markdown(question)
        if self.missing_word:
            self.warnings.append(Problem(self.file, self.block.line, self.title or None,
                                         f"missing word: imported as {KIND_NAMES[kind]}, with _____ where the "
                                         "answer goes; the answer is asked below the text"))
        return question

    def _read_meta(self) -> None:
        for line, raw in self.block.meta:
            try:
                value = json.loads(_restore(raw))
            except ValueError:
                value = None
            if not isinstance(value, dict) or not set(value) <= _META_KEYS:
                self.problems.append(Problem(self.file, line, None, "a '// lms:' comment holds a JSON object with "
                                                                    f"keys among {', '.join(sorted(_META_KEYS))}"))
                raise _Refused()
            self.meta.update(value)

    def _kind(self, inner: str) -> str:
        """Moodle's order of tests."""
        if not inner:
            return "essay"
        if inner.startswith("#"):
            return "numerical"
        if "~" in inner:
            return "single" if "=" in inner else "multiple"
        if "=" in inner and "->" in inner:
            return "matching"
        check = inner.split("#", 1)[0].strip() if inner.find("#") > 0 else inner
        if check in _TRUE + _FALSE:
            return "true_false"
        return "short_answer"

    def text(self, raw: str, *, inline: bool = False) -> str:
        fmt, body = _split_format(raw, self.fmt)
        return _to_markdown(body, fmt, inline=inline)

    def _points(self) -> int:
        points = self.meta.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 100:
            raise self.fail("points (in '// lms:') is a whole number from 1 to 100")
        return points

    def _question(self, kind: str, inner: str, text: str, general: str) -> QuestionSpec:
        build: Callable[[str], tuple[list[OptionSpec], dict[str, object]]] = {
            "single": self._choice, "multiple": self._choice, "true_false": self._true_false,
            "short_answer": self._short_answer, "numerical": self._numerical, "matching": self._matching,
            "essay": self._essay,
        }[kind]
        options, extra = build(inner)
        units = extra.get("units", ())
        max_chars = extra.get("max_chars")
        if not isinstance(units, tuple) or not (max_chars is None or isinstance(max_chars, int)):
            raise TypeError("units must be a tuple and max_chars an int or None")
        return QuestionSpec(kind, text, render_markdown(text), general, render_markdown(general) if general else "",
                            self._points(), tuple(options), title=self.title, units=units, max_chars=max_chars)

    # ---- answers

    def _pieces(self, inner: str, markers: str, skip: int = 0) -> list[tuple[int, str, str]]:
        """(offset in the block, marker, text) of each answer; text before the first marker is an
        answer too when it is not empty (Moodle keeps it). `skip`: characters of the block
        before `inner` that are not part of the answer block's text (numerical's #)."""
        offset = self.inner_at + skip
        pieces: list[tuple[int, str, str]] = []
        start, marker = 0, ""
        for i, char in enumerate(inner):
            if char in markers:
                pieces.append((offset + start, marker, inner[start:i]))
                start, marker = i + 1, char
        pieces.append((offset + start, marker, inner[start:]))
        return [p for n, p in enumerate(pieces) if n > 0 or p[2].strip()]

    def _weight(self, piece: str, at: int, *, low: float = -100) -> tuple[float | None, str]:
        piece = piece.strip()
        match = _WEIGHT_RE.match(piece)
        if match:
            weight = float(match.group(1))
            if not low <= weight <= 100:
                raise self.fail(f"weight {match.group(1)}% is not between {low:g}% and 100%", at, "weight")
            return weight, piece[match.end():]
        if piece.startswith("%"):
            raise self.fail("a weight is written %number% (e.g. ~%50%answer)", at, "weight")
        return None, piece

    def _feedback(self, piece: str) -> tuple[str, str]:
        answer, _sep, feedback = piece.partition("#")
        return answer, self.text(feedback) if feedback.strip() else ""

    def _choice(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        single = "=" in inner
        all_or_nothing = self.meta.get("grading") == "all_or_nothing"
        pieces = self._pieces(inner, "=~")
        if pieces and pieces[0][1] == "":
            raise self.fail(f"unexpected text before the first answer: {_restore(pieces[0][2]).strip()[:40]!r} "
                            "(answers start with = or ~)", pieces[0][0])
        if len(pieces) > MAX_OPTIONS:
            raise self.fail(f"a question has at most {MAX_OPTIONS} answers, found {len(pieces):,}", None, "answers")
        if len(pieces) < 2:
            raise self.fail("a choice question needs at least 2 answers", None, "answers")
        parsed: list[tuple[int, float, bool, str, str]] = []  # offset, weight, explicit, text, feedback
        for at, marker, piece in pieces:
            if marker == "=":
                if piece.strip().startswith("%"):
                    raise self.fail("'=' marks a right answer (100%); write ~%50%answer for a partly right one",
                                    at, "weight")
                weight, explicit, rest = 100.0, False, piece.strip()
            else:
                found, rest = self._weight(piece, at)
                weight, explicit = (found, True) if found is not None else (0.0, False)
            answer, feedback = self._feedback(rest)
            answer_md = self.text(answer, inline=True)
            if not answer_md:
                raise self.fail("an answer has no text", at, "answer")
            parsed.append((at, weight, explicit, answer_md, feedback))
        weights = [w for _a, w, _e, _t, _f in parsed]
        equals = sum(1 for _a, marker, _p in pieces if marker == "=")
        weighted = not all_or_nothing and (any(e for _a, _w, e, _t, _f in parsed) or equals > 1 or not single)
        if single and max(weights) != 100:
            raise self.fail("no answer is worth 100% (mark one with =)", None, "answers")
        if not single:
            positive = sum(w for w in weights if w > 0)
            if positive <= 0:
                raise self.fail("no answer is right (mark one with = or give it a positive weight)", None, "answers")
            if not all_or_nothing and abs(positive - 100) > 0.5:
                raise self.fail(f"the positive weights add up to {positive:g}%; with several right answers they "
                                "must add up to 100%", None, "answers")
        options = []
        for _at, weight, _explicit, answer_md, feedback in parsed:
            correct = (weight >= 100 if single else weight > 0)
            options.append(OptionSpec(answer_md, render_inline(answer_md), correct, feedback,
                                      render_markdown(feedback) if feedback else "",
                                      weight=weight if weighted else None))
        return options, {}

    def _true_false(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        bits = inner.split("#", 2)
        answer = bits[0].strip() in _TRUE
        wrong_fb = self.text(bits[1]) if len(bits) > 1 else ""
        right_fb = self.text(bits[2]) if len(bits) > 2 else ""
        fb_true, fb_false = (right_fb, wrong_fb) if answer else (wrong_fb, right_fb)
        labels = TRUE_FALSE_LABELS.get(self.language, TRUE_FALSE_LABELS["en"])
        return [OptionSpec(label, render_inline(label), answer is value, fb, render_markdown(fb) if fb else "")
                for label, value, fb in zip(labels, (True, False), (fb_true, fb_false), strict=True)], {}

    def _short_answer(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        pieces = self._pieces(inner, "=")
        if len(pieces) > MAX_OPTIONS:
            raise self.fail(f"a question has at most {MAX_OPTIONS} answers, found {len(pieces):,}", None, "answers")
        options = []
        for at, _marker, piece in pieces:
            weight, rest = self._weight(piece, at, low=0)
            answer, feedback = self._feedback(rest)
            text = _plain(answer)
            if not text:
                raise self.fail("an answer has no text", at, "answer")
            if len(text) > MAX_TEXT_ANSWER_CHARS:
                raise self.fail(f"an answer is longer than {MAX_TEXT_ANSWER_CHARS} characters", at, "answer")
            if "*" not in text and not normalise_answer(text):
                raise self.fail("an answer is empty once spaces and punctuation are ignored", at, "answer")
            weight = 100.0 if weight is None else weight
            options.append(OptionSpec(text, html.escape(text), weight >= 100, feedback,
                                      render_markdown(feedback) if feedback else "", weight=weight))
        if not options:
            raise self.fail("a short-answer question needs an answer", None, "answers")
        if not any(o.weight == 100 for o in options):
            raise self.fail("no answer is worth 100%", None, "answers")
        return options, {}

    def _numerical(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        body = inner[1:]
        wrong = ""
        tilde = body.find("~")
        if tilde >= 0:
            body, wrong = body[:tilde], body[tilde + 1:]
        pieces = self._pieces(body, "=", skip=1)
        if not pieces:
            raise self.fail("a numerical question needs an answer ({#number})", None, "answers")
        if len(pieces) + (1 if tilde >= 0 else 0) > MAX_OPTIONS:
            raise self.fail(f"a question has at most {MAX_OPTIONS} answers", None, "answers")
        options = []
        for at, _marker, piece in pieces:
            weight, rest = self._weight(piece, at, low=0)
            answer, feedback = self._feedback(rest)
            number = _restore(answer).strip()
            low, high = self._range(number, at)
            weight = 100.0 if weight is None else weight  # Moodle: an answer without weight is right
            options.append(OptionSpec("", "", weight >= 100, feedback, render_markdown(feedback) if feedback else "",
                                      weight=weight, min_value=low, max_value=high))
        if tilde >= 0:
            _answer, feedback = self._feedback(wrong)
            options.append(OptionSpec("", "", False, feedback, render_markdown(feedback) if feedback else "",
                                      weight=0.0))
        if not any(o.weight == 100 for o in options):
            raise self.fail("no answer is worth 100%", None, "answers")
        return options, {"units": self._units()}

    def _range(self, number: str, at: int) -> tuple[float | None, float | None]:
        try:
            if number == "*":
                return None, None
            if ".." in number[1:]:
                cut = number.index("..", 1)
                low, high = float(number[:cut]), float(number[cut + 2:])
            elif ":" in number[1:]:
                cut = number.index(":", 1)
                value, tolerance = float(number[:cut]), abs(float(number[cut + 1:]))
                low, high = numerical_range(value, tolerance)
            else:
                low = high = float(number)
        except ValueError:
            raise self.fail(f"{number[:40]!r} is not a number, a number:tolerance or a min..max range",
                            at, "answer") from None
        if not all(abs(x) < float("inf") for x in (low, high)):
            raise self.fail(f"{number[:40]!r} is not a finite number", at, "answer")
        if low > high:
            raise self.fail(f"the range {number[:40]!r} ends below its start", at, "answer")
        return low, high

    def _units(self) -> tuple[UnitSpec, ...]:
        raw = self.meta.get("units", [])
        units: list[UnitSpec] = []
        if not isinstance(raw, list):
            raise self.fail("units (in '// lms:') is a list of [unit, multiplier]")
        for item in raw:
            if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str)
                    or isinstance(item[1], bool) or not isinstance(item[1], (int, float)) or item[1] <= 0):
                raise self.fail("units (in '// lms:') is a list of [unit, multiplier], the multiplier above 0")
            units.append(UnitSpec(item[0].strip(), float(item[1])))
        return tuple(units)

    def _matching(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        pieces = self._pieces(inner, "=")
        if len(pieces) > MAX_OPTIONS:
            raise self.fail(f"a question has at most {MAX_OPTIONS} pairs, found {len(pieces):,}", None, "answers")
        pairs: list[OptionSpec] = []
        distractors: list[OptionSpec] = []
        for at, _marker, piece in pieces:
            if "->" not in piece:
                raise self.fail("a matching pair is written =item -> answer", at, "answer")
            item, _arrow, answer = piece.partition("->")
            item_md = self.text(item, inline=True)
            match = _plain(answer)
            if not match:
                raise self.fail("a matching pair has no answer after ->", at, "answer")
            if item_md:
                pairs.append(OptionSpec(item_md, render_inline(item_md), True, "", "", match=match))
            elif match not in {o.match for o in pairs + distractors}:
                distractors.append(OptionSpec("", "", False, "", "", match=match))
        if len(pairs) < 2:
            raise self.fail(f"a matching question needs at least 2 pairs, found {len(pairs)}", None, "answers")
        distractors = [d for d in distractors if d.match not in {p.match for p in pairs}]
        return pairs + distractors, {}

    def _essay(self, inner: str) -> tuple[list[OptionSpec], dict[str, object]]:
        max_chars = self.meta.get("max_chars")
        if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(max_chars, int)
                                      or not 1 <= max_chars <= MAX_ESSAY_CHARS):
            raise self.fail(f"max_chars (in '// lms:') is a whole number from 1 to {MAX_ESSAY_CHARS}")
        return [], {"max_chars": max_chars}

    def _check_markdown(self, question: QuestionSpec) -> None:
        texts = [("text", question.text_md), ("feedback", question.feedback_md)]
        texts += [(f"answer {n}", o.text_md) for n, o in enumerate(question.options, start=1)]
        texts += [(f"answer {n} feedback", o.feedback_md) for n, o in enumerate(question.options, start=1)]
        found = [problem for name, text in texts
                 if text and (problem := markdown_problem(text, name, max_chars=MAX_SHORT_MARKDOWN_CHARS)) is not None]
        for problem in found:
            where = "" if problem.line is None else f" (line {problem.line} of the text)"
            self.problems.append(Problem(self.file, self.block.line, problem.field, problem.message + where))
        if found:
            raise _Refused()


# --------------------------------------------------------------------------- writing


def _escape(text: str, *, protect: bool = True) -> str:
    """GIFT text: the special characters escaped, line breaks written \\n (as Moodle's export does).
    A text that starts like a format marker gets one, so the marker is read as text."""
    out = text.replace("\\", "\\\\")
    if protect and (_FORMAT_RE.match(text) or text.startswith("%")):  # not a marker, not a weight
        out = "[markdown]" + out
    for char in "#=~{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _answer_feedback(option: OptionSpec) -> str:
    return f"#{_escape(option.feedback_md)}" if option.feedback_md else ""


def _choice_lines(question: QuestionSpec) -> list[str]:
    lines = []
    single = question.kind == "single"
    weighted = question.weighted
    correct = sum(1 for o in question.options if o.correct)
    for option in question.options:
        if not weighted and single:
            marker = "=" if option.correct else "~"
        elif not weighted:  # all or nothing: Moodle reads it as partial credit; the // lms: comment says otherwise
            marker = f"~%{_number(100 / correct)}%" if option.correct else "~%-100%"
        elif single and option.weight == 100:
            marker = "="
        else:
            marker = f"~%{_number(option.weight or 0.0)}%"
        lines.append(f"\t{marker}{_escape(option.text_md)}{_answer_feedback(option)}")
    return lines


def _question_gift(question: QuestionSpec) -> str:
    meta: dict[str, object] = {}
    if question.points != 1:
        meta["points"] = question.points
    if question.kind == "multiple" and not question.weighted:
        meta["grading"] = "all_or_nothing"
    if question.units:
        meta["units"] = [[u.unit, u.multiplier] for u in question.units]
    if question.max_chars is not None:
        meta["max_chars"] = question.max_chars
    head = []
    if meta:
        head.append(f"{_LMS_META} {json.dumps(meta, ensure_ascii=False)}")
    name = f"::{_escape(question.title, protect=False)}::" if question.title else ""
    general = f"\t####{_escape(question.feedback_md)}\n" if question.feedback_md else ""
    text = f"{name}[markdown]{_escape(question.text_md, protect=False)}"
    kind = question.kind
    if kind == "essay":
        body = "{" + general.strip() + "}"
    elif kind == "true_false":
        true_option, false_option = question.options
        right, wrong = (true_option, false_option) if true_option.correct else (false_option, true_option)
        answer = "TRUE" if true_option.correct else "FALSE"
        feedback = ""
        if wrong.feedback_md or right.feedback_md:
            feedback = f"#{_escape(wrong.feedback_md)}" + (f"#{_escape(right.feedback_md)}" if right.feedback_md else "")
        body = "{" + answer + feedback + general.strip() + "}"
    else:
        lines: list[str] = []
        if kind in ("single", "multiple"):
            lines = _choice_lines(question)
        elif kind == "short_answer":
            lines = [f"\t=%{_number(o.weight if o.weight is not None else 100)}%{_escape(o.text_md)}{_answer_feedback(o)}"
                     for o in question.options]
        elif kind == "numerical":
            for n, option in enumerate(question.options):
                if option.min_value is None or option.max_value is None:
                    if n == len(question.options) - 1 and not option.weight:
                        lines.append(f"\t~{_answer_feedback(option) or '#'}")
                        continue
                    number = "*"
                else:
                    exact = numerical_value(option.min_value, option.max_value)
                    if exact is None:
                        number = f"{_number(option.min_value)}..{_number(option.max_value)}"
                    else:
                        number = _number(exact[0]) + (f":{_number(exact[1])}" if exact[1] else "")
                weight = _number(option.weight if option.weight is not None else 100)
                lines.append(f"\t=%{weight}%{number}{_answer_feedback(option)}")
        elif kind == "matching":
            lines = [f"\t={_escape(o.text_md)} -> {_escape(o.match)}" for o in question.options]
        opener = "{#" if kind == "numerical" else "{"
        body = opener + "\n" + "\n".join(lines) + "\n" + general + "}"
    return "\n".join([*head, text + body])


def dump_gift(questions: Sequence[QuestionSpec], *, category: str = "") -> str:
    """GIFT for `questions`: parse_gift(dump_gift(qs)) gives qs back. Texts are
    written as [markdown]; what GIFT cannot say goes in a `// lms:` comment."""
    parts = [f"$CATEGORY: {category}"] if category else []
    parts += [_question_gift(q) for q in questions]
    return "\n\n".join(parts) + "\n"

