"""Course package loading, validation and the dump/load round trip."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content import (
    CourseSpec,
    PackageInvalid,
    Problem,
    content_hash,
    dump_package,
    load_package,
    load_package_from_files,
    load_package_zip,
    normalise_markdown,
)
from content.toml_writer import dumps, format_string

COURSE_TOML = """\
code = "SS-PEN-101"
title = "养老保险基础"
summary = "面向**经办人员**的入门课程。"
skill_type = "social-security"
target_level = "information"
language = "zh_CN"
schemes = ["pension", "medical"]
audience = ["staff", "correspondent"]

[terms]
objectives = "了解养老保险的基本原则。"
programme = "1. 概述\\n2. 缴费"
"""

LESSON_1 = """\
# 什么是养老保险

养老保险是社会保险的重要组成部分。

| 项目 | 比例 |
|------|-----:|
| 单位 | 16% |
"""

LESSON_2 = """\
+++
title = "缴费基数"
estimated_minutes = 7
+++

缴费基数按上年度月平均工资确定。
"""

QUIZ_TOML = """\
title = "单元测验"
pass_mark = 80
attempts_allowed = 3
shuffle_options = true
questions_per_attempt = 2

[[questions]]
kind = "single"
text = "养老保险属于哪一类？"
feedback = "见第一课。"
points = 2

[[questions.options]]
text = "社会保险"
correct = true
feedback = "正确。"

[[questions.options]]
text = "商业保险"

[[questions]]
kind = "multiple"
text = "哪些是社会保险险种？"

[[questions.options]]
text = "养老"
correct = true

[[questions.options]]
text = "医疗"
correct = true

[[questions.options]]
text = "车险"

[[questions]]
kind = "true_false"
text = "单位缴费比例为 16%。"
answer = true
feedback_false = "再读一遍第一课。"
"""


def valid_files() -> dict[str, bytes]:
    return {
        "course.toml": COURSE_TOML.encode(),
        "lessons/01-intro.md": LESSON_1.encode(),
        "lessons/02-base.md": LESSON_2.encode(),
        "quiz.toml": QUIZ_TOML.encode(),
        "images/chart.png": b"\x89PNG\r\n\x1a\n",
    }


def write_package(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(PackageInvalid) as info:
        load_package_from_files(files)
    return info.value.problems


def find(problems: list[Problem], file: str, field: str | None = None, text: str = "") -> Problem:
    for problem in problems:
        if problem.file == file and (field is None or problem.field == field) and text in problem.message:
            return problem
    raise AssertionError(f"no problem for {file} {field} {text!r} in:\n" + "\n".join(map(str, problems)))


def with_changes(changes: dict[str, bytes | None]) -> dict[str, bytes]:
    """valid_files() with some files replaced (or removed, for None)."""
    files = valid_files()
    for name, value in changes.items():
        if value is None:
            files.pop(name, None)
        else:
            files[name] = value
    return files


# --------------------------------------------------------------------------- valid package


def test_valid_package_loads_from_disk(tmp_path: Path) -> None:
    spec = load_package(write_package(tmp_path, valid_files()))
    assert isinstance(spec, CourseSpec)
    assert (spec.code, spec.title, spec.language) == ("SS-PEN-101", "养老保险基础", "zh_CN")
    assert spec.skill_type == "social-security" and spec.target_level == "information"
    assert spec.schemes == ("pension", "medical")
    assert spec.audience == ("staff", "correspondent")
    assert spec.terms.objectives == "了解养老保险的基本原则。"
    assert spec.terms.programme == "1. 概述\n2. 缴费"
    assert spec.terms.conditions == ""
    assert spec.images == ("images/chart.png",)

    intro, base = spec.lessons
    assert (intro.position, intro.slug, intro.title) == (1, "intro", "什么是养老保险")
    assert not intro.body_md.startswith("#"), "the title heading is removed from the body"
    assert "<table>" in intro.body_html
    assert intro.estimated_minutes == 1
    assert (base.position, base.slug, base.title, base.estimated_minutes) == (2, "base", "缴费基数", 7)
    assert base.body_md == "缴费基数按上年度月平均工资确定。"
    assert spec.estimated_minutes == 8, "defaults to the sum of the lessons"

    quiz = spec.quiz
    assert quiz is not None
    assert (quiz.title, quiz.pass_mark, quiz.attempts_allowed) == ("单元测验", 80, 3)
    assert (quiz.shuffle_questions, quiz.shuffle_options) == (False, True)
    assert quiz.time_limit_minutes is None and quiz.questions_per_attempt == 2
    single, multiple, true_false = quiz.questions
    assert single.points == 2 and multiple.points == 1
    assert [o.correct for o in single.options] == [True, False]
    assert single.options[0].text_html == "社会保险", "inline rendering drops the <p>"
    assert single.options[0].feedback_html == "<p>正确。</p>"
    assert single.feedback_html == "<p>见第一课。</p>"
    assert [o.correct for o in multiple.options] == [True, True, False]
    assert [(o.text_md, o.correct) for o in true_false.options] == [("正确", True), ("错误", False)]
    assert true_false.options[1].feedback_md == "再读一遍第一课。"


def test_english_true_false_labels_and_explicit_minutes() -> None:
    files = valid_files()
    files["course.toml"] = COURSE_TOML.replace('"zh_CN"', '"en"').replace(
        'skill_type', 'estimated_minutes = 15\nskill_type'
    ).encode()
    spec = load_package_from_files(files)
    assert spec.estimated_minutes == 15  # declared: within the margin of the 8 minutes of lessons
    assert spec.quiz is not None
    assert [o.text_md for o in spec.quiz.questions[2].options] == ["True", "False"]


def test_defaults_and_minutes_estimate() -> None:
    files = {
        "course.toml": COURSE_TOML.encode(),
        "lessons/01-long.md": ("# 长课\n\n" + "字" * 801).encode(),
        "quiz.toml": b'title = "Q"\n[[questions]]\nkind = "true_false"\ntext = "x"\nanswer = false\n',
    }
    spec = load_package_from_files(files)
    assert spec.lessons[0].estimated_minutes == 3  # ceil(801 / 400)
    quiz = spec.quiz
    assert quiz is not None
    assert (quiz.pass_mark, quiz.attempts_allowed, quiz.shuffle_questions, quiz.questions_per_attempt) == (60, 0, False, None)
    assert [o.correct for o in quiz.questions[0].options] == [False, True]
    assert spec.images == ()


def test_quiz_is_optional_and_crlf_and_bom_are_tolerated() -> None:
    files = {
        "course.toml": b"\xef\xbb\xbf" + COURSE_TOML.replace("\n", "\r\n").encode(),
        "lessons/01-intro.md": LESSON_1.replace("\n", "\r\n").encode(),
    }
    spec = load_package_from_files(files)
    assert spec.quiz is None
    assert spec.lessons[0].title == "什么是养老保险"
    assert "\r" not in spec.lessons[0].body_md


def test_zip_with_top_folder_loads(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pkg/", b"")
        for name, data in valid_files().items():
            archive.writestr(f"pkg/{name}", data)
        archive.writestr("__MACOSX/pkg/._course.toml", b"junk")
    spec = load_package_zip(buffer.getvalue())
    assert spec.code == "SS-PEN-101" and len(spec.lessons) == 2
    zip_path = tmp_path / "pkg.zip"
    zip_path.write_bytes(buffer.getvalue())
    assert content_hash(load_package(zip_path)) == content_hash(spec)


# --------------------------------------------------------------------------- invalid packages


def test_unparseable_toml_reports_tomllib_line() -> None:
    problem = find(problems_of(with_changes({"quiz.toml": b'title = "Q"\n\n[[questions]\nkind = "single"\n'})), "quiz.toml")
    assert problem.line == 3
    assert "invalid TOML" in problem.message
    assert str(problem).startswith("quiz.toml:3: invalid TOML")


def test_front_matter_toml_error_line_counts_the_fence() -> None:
    files = with_changes({"lessons/01-intro.md": b'+++\ntitle = "x"\nestimated_minutes = = 3\n+++\nbody\n'})
    assert find(problems_of(files), "lessons/01-intro.md", text="invalid TOML").line == 3


def test_missing_required_keys() -> None:
    problems = problems_of(with_changes({"course.toml": b'summary = "only this"\n'}))
    for field in ("code", "title", "skill_type", "target_level", "language"):
        assert "missing" in find(problems, "course.toml", field).message


def test_missing_course_toml() -> None:
    assert find(problems_of(with_changes({"course.toml": None})), "course.toml", text="missing")


def test_unknown_keys_are_reported_with_a_hint() -> None:
    course = COURSE_TOML.replace("summary", "sumary") + 'supportz = "x"\n'
    quiz = QUIZ_TOML.replace('feedback = "正确。"', 'feedbak = "正确。"')
    problems = problems_of(with_changes({"course.toml": course.encode(), "quiz.toml": quiz.encode()}))
    typo = find(problems, "course.toml", "sumary")
    assert "did you mean 'summary'" in typo.message and typo.line == 3
    assert find(problems, "course.toml", "terms.supportz").line == 13
    assert find(problems, "quiz.toml", "questions[1].options[1].feedbak").line == 16


def test_true_false_keys_on_a_choice_question_are_unknown() -> None:
    quiz = QUIZ_TOML.replace('points = 2', 'points = 2\nanswer = true')
    assert "single question" in find(problems_of(with_changes({"quiz.toml": quiz.encode()})), "quiz.toml", "questions[1].answer").message


def test_wrong_types() -> None:
    course = COURSE_TOML.replace('title = "养老保险基础"', "title = 3").replace("[\"pension\", \"medical\"]", '"pension"')
    quiz = QUIZ_TOML.replace("points = 2", "points = true").replace("shuffle_options = true", 'shuffle_options = "yes"')
    problems = problems_of(with_changes({"course.toml": course.encode(), "quiz.toml": quiz.encode()}))
    assert "must be a string, not an integer" in find(problems, "course.toml", "title").message
    assert "array" in find(problems, "course.toml", "schemes").message
    assert "integer, not a boolean" in find(problems, "quiz.toml", "questions[1].points").message
    assert find(problems, "quiz.toml", "shuffle_options").line == 4


def test_values_outside_enums() -> None:
    course = (
        COURSE_TOML.replace('"social-security"', '"social"')
        .replace('"information"', '"beginner"')
        .replace('"zh_CN"', '"fr"')
        .replace('"medical"', '"dental"')
        .replace('"correspondent"', '"everyone"')
    )
    quiz = QUIZ_TOML.replace('kind = "multiple"', 'kind = "cloze"')
    problems = problems_of(with_changes({"course.toml": course.encode(), "quiz.toml": quiz.encode()}))
    assert "'social' is not one of" in find(problems, "course.toml", "skill_type").message
    assert find(problems, "course.toml", "target_level").line == 5
    assert find(problems, "course.toml", "language")
    assert find(problems, "course.toml", "schemes[2]", "'dental'")
    assert find(problems, "course.toml", "audience[2]", "'everyone'")
    assert find(problems, "quiz.toml", "questions[2].kind").line == 22


def test_bad_course_code() -> None:
    course = COURSE_TOML.replace("SS-PEN-101", "ss pen")
    assert "A-Z" in find(problems_of(with_changes({"course.toml": course.encode()})), "course.toml", "code").message


def test_duplicate_lesson_numbers_and_slugs() -> None:
    files = valid_files()
    files["lessons/01-other.md"] = b"# Other\n\nbody\n"
    files["lessons/03-intro.md"] = b"# Intro again\n\nbody\n"
    problems = problems_of(files)
    assert "number 01" in find(problems, "lessons/01-other.md", text="also used").message
    assert "slug 'intro'" in find(problems, "lessons/03-intro.md", text="also used").message


@pytest.mark.parametrize("name", ["lessons/1-intro.md", "lessons/01_intro.md", "lessons/01-Intro.md", "lessons/01-x.txt", "lessons/sub/01-x.md"])
def test_badly_named_lesson_files(name: str) -> None:
    files = valid_files()
    files[name] = b"# T\n\nbody\n"
    assert "badly named" in find(problems_of(files), name).message


def test_no_lessons() -> None:
    files = {"course.toml": COURSE_TOML.encode()}
    assert "at least one lesson" in find(problems_of(files), "lessons/").message


def test_empty_lesson_body_and_missing_title() -> None:
    files = with_changes({"lessons/01-intro.md": b"# Only a title\n\n   \n", "lessons/02-base.md": b"no heading here\n"})
    problems = problems_of(files)
    assert find(problems, "lessons/01-intro.md", text="body is empty")
    assert find(problems, "lessons/02-base.md", "title", "no title")


def test_unclosed_front_matter() -> None:
    problem = find(problems_of(with_changes({"lessons/02-base.md": b'+++\ntitle = "x"\nbody\n'})), "lessons/02-base.md")
    assert problem.line == 1 and "never closed" in problem.message


def test_single_choice_needs_exactly_one_correct() -> None:
    quiz = QUIZ_TOML.replace('text = "商业保险"', 'text = "商业保险"\ncorrect = true')
    problem = find(problems_of(with_changes({"quiz.toml": quiz.encode()})), "quiz.toml", "questions[1].options")
    assert "exactly one correct option, found 2" in problem.message
    assert problem.line == 13, "the first [[questions.options]] of that question"
    assert str(problem) == "quiz.toml:13: questions[1].options: a single-choice question needs exactly one correct option, found 2"


def test_multiple_needs_a_correct_option_and_two_options() -> None:
    quiz = QUIZ_TOML.replace("correct = true\n\n[[questions.options]]\ntext = \"医疗\"\ncorrect = true", "\n[[questions.options]]\ntext = \"医疗\"")
    quiz += '\n[[questions]]\nkind = "single"\ntext = "lonely"\n[[questions.options]]\ntext = "a"\ncorrect = true\n'
    problems = problems_of(with_changes({"quiz.toml": quiz.encode()}))
    assert "at least one correct" in find(problems, "quiz.toml", "questions[2].options").message
    assert "at least 2 options" in find(problems, "quiz.toml", "questions[4].options").message


def test_true_false_without_answer_and_with_options() -> None:
    quiz = QUIZ_TOML.replace("answer = true\n", "") + '[[questions.options]]\ntext = "x"\n'
    problems = problems_of(with_changes({"quiz.toml": quiz.encode()}))
    assert "required" in find(problems, "quiz.toml", "questions[3].answer").message
    assert find(problems, "quiz.toml", "questions[3].options", "unknown key")


def test_questions_per_attempt_and_pass_mark_out_of_range() -> None:
    quiz = QUIZ_TOML.replace("questions_per_attempt = 2", "questions_per_attempt = 4").replace("pass_mark = 80", "pass_mark = 101")
    quiz = quiz.replace("attempts_allowed = 3", "attempts_allowed = -1\ntime_limit_minutes = 0")
    problems = problems_of(with_changes({"quiz.toml": quiz.encode()}))
    assert "between 1 and 3, not 4" in find(problems, "quiz.toml", "questions_per_attempt").message
    assert "between 0 and 100" in find(problems, "quiz.toml", "pass_mark").message
    assert find(problems, "quiz.toml", "attempts_allowed")
    assert find(problems, "quiz.toml", "time_limit_minutes")


def test_quiz_without_questions() -> None:
    assert find(problems_of(with_changes({"quiz.toml": b'title = "Q"\n'})), "quiz.toml", "questions", "at least one question")


def test_files_that_are_not_utf8() -> None:
    files = with_changes({"lessons/02-base.md": b"# T\n\nline two\n\xff\xfe broken\n", "quiz.toml": "title = '测'".encode("gbk")})
    problems = problems_of(files)
    bad = find(problems, "lessons/02-base.md", text="UTF-8")
    assert bad.line == 4
    assert find(problems, "quiz.toml", text="UTF-8")


def test_size_limits() -> None:
    files = valid_files()
    files["images/huge.png"] = b"\0" * (2 * 1024 * 1024 + 1)
    assert "limit" in find(problems_of(files), "images/huge.png").message
    files = valid_files()
    for index in range(11):
        files[f"images/{index}.png"] = b"\0" * (2 * 1024 * 1024)
    assert "20 MB" in find(problems_of(files), "(package)").message


def test_size_limits_on_disk_and_in_zip(tmp_path: Path) -> None:
    files = valid_files()
    files["images/huge.png"] = b"\0" * (2 * 1024 * 1024 + 1)
    with pytest.raises(PackageInvalid) as info:
        load_package(write_package(tmp_path, files))
    find(info.value.problems, "images/huge.png", text="limit")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in valid_files().items():
            archive.writestr(name, data)
        archive.writestr("images/bomb.png", b"\0" * (21 * 1024 * 1024))
    with pytest.raises(PackageInvalid) as info:
        load_package_zip(buffer.getvalue())
    find(info.value.problems, "(package)", text="20 MB")


def test_unexpected_files_and_image_types() -> None:
    files = valid_files()
    files["notes.txt"] = b"x"
    files["images/evil.svg"] = b"<svg/>"
    files["images/sub/ok.JPG"] = b"x"
    problems = problems_of(files)
    assert "unexpected file" in find(problems, "notes.txt").message
    assert find(problems, "images/evil.svg", text="image type")


@pytest.mark.parametrize("path", ["../course.toml", "/etc/passwd", "lessons/../../x.md", "C:/x.md", "lessons\\..\\x.md", "a//b"])
def test_unsafe_paths_are_rejected(path: str) -> None:
    files = valid_files()
    files[path] = b"x"
    find(problems_of(files), path)


def test_zip_slip_and_duplicate_entries_are_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in valid_files().items():
            archive.writestr(name, data)
        archive.writestr("../../etc/cron.d/x", b"x")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("course.toml", b'code = "OTHER"')
    with pytest.raises(PackageInvalid) as info:
        load_package_zip(buffer.getvalue())
    find(info.value.problems, "../../etc/cron.d/x", text="..")
    find(info.value.problems, "course.toml", text="twice")


def test_not_a_zip() -> None:
    with pytest.raises(PackageInvalid) as info:
        load_package_zip(b"PK not really")
    find(info.value.problems, "(zip)", text="not a valid zip")


def test_symlinks_are_rejected(tmp_path: Path) -> None:
    root = write_package(tmp_path / "pkg", valid_files())
    (tmp_path / "secret.txt").write_text("secret")
    (root / "images" / "link.png").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(PackageInvalid) as info:
        load_package(root)
    find(info.value.problems, "images/link.png", text="symbolic")


def test_all_problems_are_collected() -> None:
    files = valid_files()
    files["course.toml"] = COURSE_TOML.replace('"zh_CN"', '"fr"').encode()
    files["lessons/02-base.md"] = b"no title\n"
    files["quiz.toml"] = QUIZ_TOML.replace("pass_mark = 80", "pass_mark = 200").encode()
    files["stray.md"] = b"x"
    with pytest.raises(PackageInvalid) as info:
        load_package_from_files(files)
    problems = info.value.problems
    assert {p.file for p in problems} >= {"course.toml", "lessons/02-base.md", "quiz.toml", "stray.md"}
    assert len(str(info.value).splitlines()) == len(problems) + 1


# --------------------------------------------------------------------------- round trip


def test_dump_load_round_trip_keeps_the_hash() -> None:
    spec = load_package_from_files(valid_files())
    dumped = dump_package(spec)
    assert set(dumped) == {"course.toml", "quiz.toml", "lessons/01-intro.md", "lessons/02-base.md"}
    again = load_package_from_files(dumped)
    assert content_hash(again) == content_hash(spec)
    assert again.lessons == spec.lessons and again.quiz == spec.quiz
    assert content_hash(load_package_from_files(dump_package(again))) == content_hash(spec)


def test_hash_changes_with_content_but_not_with_images() -> None:
    spec = load_package_from_files(valid_files())
    files = valid_files()
    files["lessons/02-base.md"] = LESSON_2.replace("确定", "计算").encode()
    assert content_hash(load_package_from_files(files)) != content_hash(spec)
    files = valid_files()
    del files["images/chart.png"]
    assert content_hash(load_package_from_files(files)) == content_hash(spec)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_toml_string_emitter_round_trips_any_text(text: str) -> None:
    assert tomllib.loads(dumps({"s": text, "a": [text, text]})) == {"s": text, "a": [text, text]}
    assert tomllib.loads("v = " + format_string(text))["v"] == text


# Text an author might type, with the characters that break naive TOML writers.
_TRICKY = st.sampled_from(["'", "'''", '"', '"""', "\\", "\\n", "\n", "\r\n", "\t", "\x00", "\x7f", "+++", "[[questions]]", "# ", "养老保险", "é", "\u200b", " "])
_TEXT = st.lists(st.one_of(_TRICKY, st.text(max_size=10)), max_size=12).map("".join)
_MARKDOWN = _TEXT.map(normalise_markdown)
_NONEMPTY_MARKDOWN = _MARKDOWN.filter(bool)
_TITLE = _TEXT.map(str.strip).filter(lambda t: bool(t) and len(t.splitlines()) == 1)


def _package(draw: st.DrawFn) -> dict[str, bytes]:
    """Package files built with the emitter under test from generated text, then loaded for a spec."""
    course = {
        "code": "RT-1",
        "title": draw(_TITLE),
        "summary": draw(_MARKDOWN),
        "skill_type": "transversal",
        "target_level": "capacity",
        "language": draw(st.sampled_from(["zh_CN", "en"])),
        "terms": {"objectives": draw(_MARKDOWN), "final_evaluation": draw(_MARKDOWN)},
    }
    files = {"course.toml": dumps(course).encode()}
    for position in range(draw(st.integers(1, 3))):
        front = dumps({"title": draw(_TITLE)})
        files[f"lessons/{position:02d}-l{position}.md"] = f"+++\n{front}+++\n{draw(_NONEMPTY_MARKDOWN)}\n".encode()
    option = lambda correct: {"text": draw(_NONEMPTY_MARKDOWN), "correct": correct, "feedback": draw(_MARKDOWN)}  # noqa: E731
    quiz = {
        "title": draw(_TITLE),
        "questions": [
            {"kind": "single", "text": draw(_NONEMPTY_MARKDOWN), "feedback": draw(_MARKDOWN), "options": [option(True), option(False)]},
            {"kind": "true_false", "text": draw(_NONEMPTY_MARKDOWN), "answer": draw(st.booleans()), "feedback_true": draw(_MARKDOWN)},
        ],
    }
    files["quiz.toml"] = dumps(quiz).encode()
    return files


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.composite(_package)())
def test_round_trip_with_generated_text(files: dict[str, bytes]) -> None:
    spec = load_package_from_files(files)
    again = load_package_from_files(dump_package(spec))
    assert content_hash(again) == content_hash(spec)
    assert again == spec


def test_reading_time_counts_chinese_characters_and_english_words() -> None:
    from content.loader import reading_minutes

    assert reading_minutes("字" * 800) == 2
    english = " ".join(["pension"] * 1000)  # 1,000 words, 7,999 characters
    assert reading_minutes(english) == 5
    assert reading_minutes("养老保险 " * 200 + "contribution base " * 100) == 3  # 800 characters + 200 words
