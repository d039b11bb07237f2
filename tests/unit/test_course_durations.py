"""Durations that agree (issue 18.2): a course's total, its lessons' minutes and its programme text.

A lesson's minutes are its reading time (content.loader.reading_minutes). The
starter courses leave ``estimated_minutes`` out of course.toml, so the total is
the sum of the lessons; the minutes their ``programme`` and ``conditions``
terms state are the computed ones. A package declaring a total further than
max(10 minutes, 25 %) from its lessons (plus the quiz's time limit) is refused.
Pure Python plus the content package: no Flask app, no database.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from content import PackageInvalid, load_package, load_package_from_files

COURSES = Path(__file__).resolve().parents[2] / "courses"
PACKAGES = sorted(p.parent for p in COURSES.glob("*/course.toml"))

# "约22分钟" / "about 22 minutes"
_MINUTES = re.compile(r"约(\d+)分钟|about (\d+) minutes")
# The reading time a conditions term states: "阅读约22分钟" / "about 22 minutes of reading".
_READING = re.compile(r"阅读约(\d+)分钟|about (\d+) minutes of reading")


def _numbers(pattern: re.Pattern[str], text: str) -> list[int]:
    return [int(a or b) for a, b in pattern.findall(text)]


def _margin(minutes: int) -> int:
    return max(10, minutes // 4)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_declared_total_is_within_the_margin_of_the_lessons(package: Path) -> None:
    spec = load_package(package)
    lessons = sum(lesson.estimated_minutes for lesson in spec.lessons)
    quiz = (spec.quiz.time_limit_minutes or 0) if spec.quiz else 0
    declared = tomllib.loads((package / "course.toml").read_text("utf-8")).get("estimated_minutes")
    if declared is None:
        assert spec.estimated_minutes == lessons
    else:
        assert lessons - _margin(lessons) <= declared <= lessons + quiz + _margin(lessons + quiz)
        assert spec.estimated_minutes == declared


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_programme_states_the_computed_minutes(package: Path) -> None:
    """The programme gives the total, then each lesson's minutes in order; conditions repeat the total."""
    spec = load_package(package)
    expected = [spec.estimated_minutes, *(lesson.estimated_minutes for lesson in spec.lessons)]
    assert _numbers(_MINUTES, spec.terms.programme) == expected
    assert set(_numbers(_READING, spec.terms.conditions)) <= {spec.estimated_minutes}


# Two lessons of 4,000 Chinese characters: 10 minutes each at 400 a minute.
LESSON = ("# 第{n}课\n\n" + "养老保险" * 1000 + "\n").format
COURSE = """\
code = "T-DUR-101"
title = "时长测试"
skill_type = "social-security"
target_level = "information"
language = "zh_CN"
estimated_minutes = {minutes}
"""
QUIZ = """\
title = "时长测试结业测验"
{limit}
[[questions]]
kind = "true_false"
text = "个人账户记录本人缴费。"
answer = true
"""


def declaring(minutes: int, *, time_limit: int | None = None) -> dict[str, bytes]:
    files = {
        "course.toml": COURSE.format(minutes=minutes).encode(),
        "lessons/01-one.md": LESSON(n=1).encode(),
        "lessons/02-two.md": LESSON(n=2).encode(),
    }
    if time_limit is not None:
        files["quiz.toml"] = QUIZ.format(limit=f"time_limit_minutes = {time_limit}").encode()
    return files


def refusal(files: dict[str, bytes]) -> str:
    with pytest.raises(PackageInvalid) as caught:
        load_package_from_files(files)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.field) == ("course.toml", 6, "estimated_minutes")
    return problem.message


def test_the_lessons_take_twenty_minutes() -> None:
    files = declaring(1)
    files["course.toml"] = COURSE.replace("estimated_minutes = {minutes}\n", "").encode()
    spec = load_package_from_files(files)
    assert [lesson.estimated_minutes for lesson in spec.lessons] == [10, 10]
    assert spec.estimated_minutes == 20


def test_a_total_far_above_the_lessons_is_refused() -> None:
    assert refusal(declaring(120)) == (
        "declared 120 minutes, but the lessons take 20 minutes; declare at most 30 or leave it out"
    )


@pytest.mark.parametrize("minutes", [10, 20, 28, 30])
def test_a_total_within_the_margin_loads(minutes: int) -> None:
    assert load_package_from_files(declaring(minutes)).estimated_minutes == minutes


def test_the_margin_is_ten_minutes_or_a_quarter() -> None:
    assert "declare at most 30" in refusal(declaring(31))
    assert "declare at least 10" in refusal(declaring(9))
    # 40 minutes of lessons and quiz: a quarter is 10, the margin stays 10 ...
    assert load_package_from_files(declaring(50, time_limit=20)).estimated_minutes == 50
    # ... 80 minutes: a quarter, 20.
    assert load_package_from_files(declaring(100, time_limit=60)).estimated_minutes == 100
    assert "declare at most 100" in refusal(declaring(101, time_limit=60))


def test_the_quiz_time_limit_may_be_counted() -> None:
    assert refusal(declaring(120, time_limit=30)) == (
        "declared 120 minutes, but the lessons take 20 minutes (and the quiz 30); declare at most 62 or leave it out"
    )
    assert load_package_from_files(declaring(50, time_limit=30)).estimated_minutes == 50
    # Leaving the quiz out of the total stays allowed: it is what the default does.
    assert load_package_from_files(declaring(20, time_limit=30)).estimated_minutes == 20
