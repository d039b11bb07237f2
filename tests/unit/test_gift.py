"""GIFT import: supported kinds, feedback, escapes; unsupported kinds are
listed with their lines; malformed files are refused with line numbers."""
from __future__ import annotations

import pytest

from content import PackageInvalid
from content.gift import parse_gift

VALID = """// A comment line is ignored
$CATEGORY: $course$/养老保险

::Q1:: 领取基本养老金的最低缴费年限是多少？ {
  =15 年#正确。
  ~10 年#太少了。
  ~5 年
  ####累计缴费满 15 年。
}

::TF:: 个人账户储存额可以继承。{T#再想想。#对。}

::F:: Contributions stop at retirement. {FALSE}

::W:: Which are social insurance schemes? {
  ~%50%Pension#yes
  ~%50%Medical
  ~%-100%Lottery#no
}

::SA:: Capital of China? {=Beijing =北京}

::N:: 2 + 2 = {#4}

::M:: Match {=pension -> 养老 =medical -> 医疗}

Describe your bureau. {}

The \\{braces\\}, \\= \\~ \\# and \\: are escaped {=yes\\: right ~no}

Moodle {=is ~isn't} a missing-word question.

Just a description, no answers.
"""


def test_valid_file_imports_supported_kinds():
    report = parse_gift(VALID, language="zh_CN")
    kinds = [q.kind for q in report.questions]
    assert kinds == ["single", "true_false", "true_false", "multiple", "single"]
    single = report.questions[0]
    assert single.text_md == "领取基本养老金的最低缴费年限是多少？"
    assert [(o.text_md, o.correct, o.feedback_md) for o in single.options] == [
        ("15 年", True, "正确。"), ("10 年", False, "太少了。"), ("5 年", False, "")]
    assert single.feedback_md == "累计缴费满 15 年。"
    tf = report.questions[1]
    # GIFT: first feedback for a wrong answer, second for a right one; the answer is true.
    assert [(o.text_md, o.correct, o.feedback_md) for o in tf.options] == [("正确", True, "对。"), ("错误", False, "再想想。")]
    assert [o.correct for o in report.questions[2].options] == [False, True]
    weighted = report.questions[3]
    assert [(o.text_md, o.correct) for o in weighted.options] == [("Pension", True), ("Medical", True), ("Lottery", False)]
    escaped = report.questions[4]
    assert escaped.text_md == "The {braces}, = ~ # and : are escaped"
    assert escaped.options[0].text_md == "yes: right"
    assert report.categories == ("$course$/养老保险",)
    assert report.lines == (4, 11, 13, 15, 29)


def test_unsupported_kinds_are_listed_with_their_lines():
    report = parse_gift(VALID)
    assert [(s.line, s.kind) for s in report.skipped] == [
        (21, "short answer"), (23, "numerical"), (25, "matching"), (27, "essay"), (31, "missing word"),
        (33, "description")]
    assert report.skipped[0].title == "SA"


def test_partial_credit_weights_are_reported():
    report = parse_gift(VALID)
    assert len(report.warnings) == 1
    warning = report.warnings[0]
    assert warning.line == 15 and "50%, 50%, -100%" in warning.message and "cannot be represented exactly" in warning.message


def test_html_in_gift_text_is_sanitised():
    report = parse_gift('<script>alert(1)</script>Which? {=<img src=x onerror=alert(1)>a ~b}')
    question = report.questions[0]
    assert "<script" not in question.text_html and "onerror" not in question.options[0].text_html


@pytest.mark.parametrize("text, line, fragment", [
    ("Q1 {=a ~b}\n\nQ2 {=a\n~b\n", 3, "not closed"),
    ("Q {~a ~b}", 1, "no answer is right"),
    ("\n\nQ {~%100%a}\n", 3, "at least 2 answers"),
    ("::T Q {=a ~b}", 1, "title"),
    ("Q {=a ~b} and {=c ~d}", 1, "more than one answer block"),
    ("Q {=a\n~%abc%b}", 2, "weight"),
    ("Q {=a ~%150%b}", 1, "between -100% and 100%"),
    ("Q {=a ~}", 1, "no text"),
    ("Q {=a#x#y ~b}", 1, "more than one feedback"),
    ("Q }", 1, "without a matching"),
    ("{=a ~b}", 1, "no text"),
])
def test_malformed_files_give_line_numbered_errors(text, line, fragment):
    with pytest.raises(PackageInvalid) as caught:
        parse_gift(text)
    problems = caught.value.problems
    assert any(p.line == line and fragment in p.message for p in problems), [str(p) for p in problems]


def test_errors_anywhere_refuse_the_whole_file():
    with pytest.raises(PackageInvalid):
        parse_gift("Good {=a ~b}\n\nBad {~a ~b}\n")


def test_encoding_and_size_are_checked():
    with pytest.raises(PackageInvalid, match="UTF-8"):
        parse_gift(b"\xff\xfe bad")
    with pytest.raises(PackageInvalid, match="limit"):
        parse_gift(b"x" * (1024 * 1024 + 1))
    assert parse_gift("\ufeffQ {=a ~b}".encode()).questions[0].text_md == "Q"
