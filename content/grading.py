"""What each question kind's answer is worth: the grading rules, as pure functions.

The learning service loads a quiz's key once (AnswerKey rows), checks what a
learner sent against the attempt, and calls `grade` per question. Nothing here
touches a database or the network.

Rules (Moodle's, unless said otherwise):

- single / true_false: the chosen option is right (1) or not (0). With weights
  (partial credit) the chosen option's weight, a negative one counting 0.
- multiple: without weights, right only when exactly the correct options are
  chosen. With weights, the sum of the chosen options' weights, floored at 0
  and capped at 100 % for the question.
- short_answer: the first accepted answer (in the author's order) that the
  response matches gives its weight. Matching ignores case, full-width/half-width
  forms, Chinese/ASCII punctuation and spaces (runs become one, and spaces next
  to Chinese characters or punctuation are dropped); `*` in an answer matches
  any text (`\\*` a literal asterisk).
- numerical: the first accepted answer whose range holds the number gives its
  weight; a number may carry one of the question's units (its value is then
  divided by the unit's multiplier).
- matching: the share of items given their right answer.
- essay: graded later by a person (None until then); an empty essay is 0.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "AnswerKey",
    "QuestionKey",
    "Grade",
    "MAX_TEXT_ANSWER_CHARS",
    "MAX_NUMBER_CHARS",
    "normalise_answer",
    "wildcard_matches",
    "parse_number",
    "grade_choice",
    "grade_short_answer",
    "grade_numerical",
    "grade_matching",
    "grade_essay",
    "numerical_range",
    "numerical_value",
]

MAX_TEXT_ANSWER_CHARS = 500  # a short answer longer than this is refused, never graded
MAX_NUMBER_CHARS = 100

# Chinese punctuation that NFKC leaves alone, mapped to its ASCII counterpart
# (NFKC already turns the full-width forms such as ，：；？！（） into ASCII).
_PUNCTUATION = str.maketrans({
    "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
    "《": "<", "》": ">", "〈": "<", "〉": ">", "【": "[", "】": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]",
    "—": "-", "–": "-", "―": "-", "−": "-", "…": "...", "·": ".", "・": ".", "～": "~", "〜": "~",
})
_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# A space is dropped next to a CJK character or a punctuation mark ('*' excepted:
# it is the wildcard, and "the * house" must keep its two spaces).
_SPACE_BEFORE = re.compile(rf" (?=[{_CJK}]|[^\w\s*])")
_SPACE_AFTER = re.compile(rf"(?<=[{_CJK}]|[^\w\s*]) ")
_NUMBER_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)(.*)", re.DOTALL)
_THOUSANDS_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+)(?!\d)")


@dataclass(frozen=True)
class AnswerKey:
    """What grading needs of one option (or accepted answer, or matching pair)."""

    id: int
    correct: bool
    weight: float | None = None
    text: str = ""  # short_answer: the accepted answer
    min_value: float | None = None
    max_value: float | None = None
    match: str = ""  # matching: the item's answer


@dataclass(frozen=True)
class QuestionKey:
    """What grading needs of a question: never sent to a learner."""

    kind: str
    points: int
    answers: tuple[AnswerKey, ...] = ()
    units: tuple[tuple[str, float], ...] = ()
    max_chars: int | None = None  # essay

    @property
    def weighted(self) -> bool:
        return any(answer.weight is not None for answer in self.answers)


@dataclass(frozen=True)
class Grade:
    fraction: float | None  # 0..1; None: waits for a person
    selected: tuple[int, ...] = ()  # options chosen, or the accepted answer that matched


def _clamp(value: float) -> float:
    """0..1, rounded so that weights like 33.333% x 3 give exactly 1."""
    return min(1.0, max(0.0, round(value, 9)))


def normalise_answer(text: str) -> str:
    """The form of a short answer that comparisons use (see the module's rules)."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION).casefold()
    text = " ".join(text.split())
    return _SPACE_AFTER.sub("", _SPACE_BEFORE.sub("", text))


def _pattern(answer: str) -> re.Pattern[str]:
    normal = normalise_answer(answer)
    pieces: list[str] = []
    i = 0
    literal: list[str] = []
    while i < len(normal):
        char = normal[i]
        if char == "\\" and i + 1 < len(normal) and normal[i + 1] == "*":
            literal.append("*")
            i += 2
            continue
        if char == "*":
            pieces.append(re.escape("".join(literal)))
            pieces.append(".*")
            literal = []
        else:
            literal.append(char)
        i += 1
    pieces.append(re.escape("".join(literal)))
    return re.compile("".join(pieces), re.DOTALL)


def wildcard_matches(answer: str, response: str) -> bool:
    """Does `response` match the accepted `answer` (normalised; `*` any text)?"""
    if "*" not in answer:
        return normalise_answer(answer) == normalise_answer(response)
    return _pattern(answer).fullmatch(normalise_answer(response)) is not None


def parse_number(text: str, units: Sequence[tuple[str, float]] = ()) -> float | None:
    """The number a learner wrote, in the question's base unit; None if it is not one.

    Accepted: full-width digits, a leading sign, a decimal point, thousands
    separated by commas (1,234.5), an exponent (1.5e3), then optionally one of
    the units (the value is divided by its multiplier).
    """
    normal = " ".join(unicodedata.normalize("NFKC", text).translate(_PUNCTUATION).split())
    if not normal or len(normal) > MAX_NUMBER_CHARS:
        return None
    normal = _THOUSANDS_RE.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), normal, count=1)
    match = _NUMBER_RE.fullmatch(normal)
    if match is None:
        return None
    value = float(match.group(1))
    if not math.isfinite(value):
        return None
    unit = match.group(2).strip()
    if not unit:
        return value
    wanted = unit.casefold()
    for name, multiplier in units:
        if name.strip().casefold() == wanted and multiplier:
            return value / multiplier
    return None


def numerical_range(value: float, tolerance: float) -> tuple[float, float]:
    """The accepted range of `value` +/- `tolerance`."""
    return value - tolerance, value + tolerance


def _shortest(number: float, fits: Callable[[float], bool]) -> float:
    """The number with the fewest significant digits that still `fits` (else `number`)."""
    for digits in range(1, 18):
        candidate = float(f"{number:.{digits}g}")
        if fits(candidate):
            return candidate
    return number


def numerical_value(low: float, high: float) -> tuple[float, float] | None:
    """(value, tolerance) that numerical_range turns back into exactly (low, high),
    written with as few digits as possible; None when no such pair exists (write the range)."""
    value = _shortest((low + high) / 2, lambda v: numerical_range(v, (high - low) / 2) == (low, high)
                      or any(numerical_range(v, t) == (low, high) for t in (high - v, v - low)))
    for tolerance in (high - value, value - low):
        if tolerance >= 0 and numerical_range(value, tolerance) == (low, high):
            tolerance = _shortest(tolerance, lambda t: numerical_range(value, t) == (low, high))
            return value, tolerance
    return None


def grade_choice(key: QuestionKey, chosen: frozenset[int]) -> Grade:
    selected = tuple(sorted(chosen))
    if not chosen:
        return Grade(0.0, ())
    if key.weighted:
        weights = {a.id: (a.weight or 0.0) for a in key.answers}
        total = sum(weights.get(option, 0.0) for option in chosen)
        return Grade(_clamp(total / 100), selected)
    correct = frozenset(a.id for a in key.answers if a.correct)
    return Grade(1.0 if chosen == correct else 0.0, selected)


def grade_short_answer(key: QuestionKey, response: str) -> Grade:
    if not response.strip():
        return Grade(0.0, ())
    for answer in key.answers:
        if wildcard_matches(answer.text, response):
            return Grade(_clamp((answer.weight if answer.weight is not None else 100.0) / 100), (answer.id,))
    return Grade(0.0, ())


def _within(answer: AnswerKey, value: float) -> bool:
    if answer.min_value is None or answer.max_value is None:
        return True  # "any other number"
    # Room for the rounding of decimal fractions (0.1 + 0.2 is not 0.3 in binary).
    slack = 1e-9 * max(1.0, abs(answer.min_value), abs(answer.max_value))
    return answer.min_value - slack <= value <= answer.max_value + slack


def grade_numerical(key: QuestionKey, value: float | None) -> Grade:
    if value is None:
        return Grade(0.0, ())
    for answer in key.answers:
        if _within(answer, value):
            return Grade(_clamp((answer.weight if answer.weight is not None else 100.0) / 100), (answer.id,))
    return Grade(0.0, ())


def grade_matching(key: QuestionKey, response: Mapping[int, int]) -> Grade:
    """`response`: item option id -> the option id standing for the chosen answer."""
    items = [a for a in key.answers if a.text]
    if not items:
        return Grade(0.0, ())
    matches = {a.id: a.match for a in key.answers}
    right = sum(1 for item in items if item.id in response and matches.get(response[item.id]) == item.match)
    return Grade(right / len(items), tuple(sorted(response)))


def grade_essay(response: str) -> Grade:
    return Grade(None if response.strip() else 0.0, ())
