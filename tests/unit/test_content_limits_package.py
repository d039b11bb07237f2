"""Package and TOML limits: hostile packages are refused with a short, clear report and
never with an exception other than PackageInvalid."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from content import (
    MAX_MARKDOWN_CHARS,
    MAX_PACKAGE_ENTRIES,
    MAX_SHORT_MARKDOWN_CHARS,
    MAX_TEXT_BYTES,
    PackageInvalid,
    Problem,
    load_package,
    load_package_from_files,
    load_package_zip,
)
from content.gift import parse_gift
from content.loader import MAX_TOML_NESTING, MAX_ZIP_DIRECTORY_BYTES
from content.problems import MAX_LISTED_PROBLEMS
from content.render import MAX_NESTING_DEPTH
from content.spec import MAX_OPTIONS, MAX_QUESTIONS

COURSE = """\
code = "SS-LIM-1"
title = "Limits"
skill_type = "social-security"
target_level = "information"
language = "en"
"""
LESSON = "# Intro\n\nSome text.\n"
QUESTION = """
[[questions]]
kind = "single"
text = "Which?"

[[questions.options]]
text = "This"
correct = true

[[questions.options]]
text = "That"
"""
QUIZ = 'title = "Quiz"\n' + QUESTION

# A safety bound, not a speed target (see test_content_limits.py): these all finish in
# well under a second; the bound only catches work that grows out of proportion again.
GENEROUS_SECONDS = 5.0
NESTING_MESSAGE = f"arrays and inline tables are nested more than {MAX_TOML_NESTING} levels deep"


def files(**changes: str | bytes) -> dict[str, bytes]:
    """A valid package, with files replaced by keyword (course, lesson, quiz)."""
    texts: dict[str, str | bytes] = {"course": COURSE, "lesson": LESSON, "quiz": QUIZ, **changes}
    names = {"course": "course.toml", "lesson": "lessons/01-intro.md", "quiz": "quiz.toml"}
    return {names[key]: value.encode() if isinstance(value, str) else value for key, value in texts.items()}


def refused(load: Callable[[], object]) -> tuple[PackageInvalid, float]:
    started = time.perf_counter()
    with pytest.raises(PackageInvalid) as info:
        load()
    elapsed = time.perf_counter() - started
    assert elapsed < GENEROUS_SECONDS, f"{elapsed:.1f} s"
    return info.value, elapsed


def only(exc: PackageInvalid) -> Problem:
    assert len(exc.problems) == 1, exc.problems
    return exc.problems[0]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_base_package_is_valid() -> None:
    spec = load_package_from_files(files())
    assert spec.quiz is not None and len(spec.quiz.questions) == 1


# --------------------------------------------------------------------------- TOML nesting


@pytest.mark.parametrize(
    "value",
    [
        "[" * 5000 + "]" * 5000,  # 10 KB: raised RecursionError (a 500) before
        "{a = " * 5000 + "1" + "}" * 5000,
        "[" * (MAX_TOML_NESTING + 1) + "]" * (MAX_TOML_NESTING + 1),
        # Quoted brackets must not hide real ones from the scan.
        '["]", ' * 3000 + "1" + "]" * 3000,
        "[\"\"\"]]]\"\"\", " * 3000 + "1" + "]" * 3000,
    ],
    ids=["arrays", "inline tables", "one past the limit", "quoted closers", "multi-line quoted closers"],
)
def test_deeply_nested_toml_is_refused_with_its_line(value: str) -> None:
    exc, _ = refused(lambda: load_package_from_files(files(course=COURSE + "\nestimated_minutes = 5\nx = " + value + "\n")))
    problem = only(exc)
    assert (problem.file, problem.line, problem.field, problem.message) == ("course.toml", 8, None, NESTING_MESSAGE)


def test_nesting_in_quiz_and_front_matter_is_refused_too() -> None:
    exc, _ = refused(lambda: load_package_from_files(files(quiz=QUIZ + "x = " + "[" * 3000 + "]" * 3000)))
    assert only(exc).file == "quiz.toml" and only(exc).message == NESTING_MESSAGE
    lesson = "+++\ntitle = 'T'\nx = " + "[" * 3000 + "]" * 3000 + "\n+++\n\nBody\n"
    exc, _ = refused(lambda: load_package_from_files(files(lesson=lesson)))
    assert (only(exc).file, only(exc).line) == ("lessons/01-intro.md", 3)


def test_brackets_inside_strings_and_comments_are_not_nesting() -> None:
    deep = "[" * 100 + "]" * 100
    course = (
        COURSE
        + f'summary = "{deep}"\n'
        + f"# {deep}\n"
        + f"schemes = ['pension'] # {deep}\n"
        + "[terms]\n"
        + f"objectives = '''\n{deep}\n'''\n"
        + f'programme = """\n{deep} \\""" {deep}\n"""\n'
        + f"supports = \"\"\"{deep}\"\"\"\"\n"
    )
    spec = load_package_from_files(files(course=course))
    assert spec.summary == deep and spec.terms.supports == deep + '"'


def test_nesting_up_to_the_limit_is_accepted() -> None:
    value = "[" * MAX_TOML_NESTING + "]" * MAX_TOML_NESTING
    # Not an allowed key, so the only problem is that one: the nesting itself passed.
    exc, _ = refused(lambda: load_package_from_files(files(course=COURSE + f"x = {value}\n")))
    assert "unknown key 'x'" in only(exc).message


# --------------------------------------------------------------------------- entries


def test_a_zip_with_too_many_entries_is_refused_before_reading_them() -> None:
    data = zip_of({f"junk/{n}": b"" for n in range(50_000)})
    exc, _ = refused(lambda: load_package_zip(data))
    assert str(only(exc)) == f"(zip): the zip holds 50,000 files and folders; the limit is {MAX_PACKAGE_ENTRIES:,}"


def test_a_zip_that_under_declares_its_entries_is_still_refused() -> None:
    data = bytearray(zip_of({f"junk/{n}": b"" for n in range(MAX_PACKAGE_ENTRIES + 1)}))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)  # "1 entry on this disk, 1 in total"
    exc, _ = refused(lambda: load_package_zip(bytes(data)))
    assert only(exc).message == f"the zip holds {MAX_PACKAGE_ENTRIES + 1:,} files and folders; the limit is {MAX_PACKAGE_ENTRIES:,}"


def test_a_zip_with_a_huge_directory_is_refused() -> None:
    names = {f"images/{n:04d}-{'x' * 600}.png": b"" for n in range(MAX_PACKAGE_ENTRIES)}
    exc, _ = refused(lambda: load_package_zip(zip_of(names)))
    assert only(exc).message.startswith("the zip's directory is ")
    assert only(exc).message.endswith(f"; the limit is {MAX_ZIP_DIRECTORY_BYTES:,} bytes")


def test_zip_data_over_the_package_limit_is_refused() -> None:
    exc, _ = refused(lambda: load_package_zip(b"\0" * (20 * 1024 * 1024 + 1)))
    assert only(exc).message == "the zip file is 20,971,521 bytes; the limit is 20,971,520 bytes (20 MB)"


def test_a_zip_at_the_entry_limit_still_loads() -> None:
    entries = {f"pkg/{name}": data for name, data in files().items()}
    entries.update({f"pkg/images/{n}.png": b"" for n in range(MAX_PACKAGE_ENTRIES - len(entries))})
    spec = load_package_zip(zip_of(entries))
    assert len(spec.images) == MAX_PACKAGE_ENTRIES - 3


def test_a_folder_with_too_many_files_is_refused(tmp_path: Path) -> None:
    for name, data in files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "images").mkdir()
    for n in range(MAX_PACKAGE_ENTRIES):
        (tmp_path / "images" / f"{n}.png").write_bytes(b"")
    exc, _ = refused(lambda: load_package(tmp_path))
    assert only(exc).message.startswith("the package folder holds ")


def test_a_mapping_with_too_many_files_is_refused() -> None:
    many = files() | {f"images/{n}.png": b"" for n in range(MAX_PACKAGE_ENTRIES)}
    exc, _ = refused(lambda: load_package_from_files(many))
    assert only(exc).message == f"the package holds {len(many):,} files and folders; the limit is {MAX_PACKAGE_ENTRIES:,}"


# --------------------------------------------------------------------------- how many problems are listed


def test_only_the_first_problems_are_listed() -> None:
    junk = files() | {f"junk-{n:04d}.txt": b"" for n in range(MAX_PACKAGE_ENTRIES - 3)}
    exc, _ = refused(lambda: load_package_from_files(junk))
    total = MAX_PACKAGE_ENTRIES - 3
    assert exc.count == total and len(exc.problems) == MAX_LISTED_PROBLEMS + 1
    assert exc.problems[0].file == "junk-0000.txt"
    more = total - MAX_LISTED_PROBLEMS
    assert str(exc.problems[-1]) == f"(package): and {more:,} more problems, not listed"
    assert str(exc).startswith(f"{total:,} problems in course package:\n")
    assert len(str(exc).splitlines()) == MAX_LISTED_PROBLEMS + 2


def test_many_problems_in_one_toml_file_stay_cheap() -> None:
    # Line lookups and spelling hints are skipped once the listed problems are full.
    keys = "".join(f"unknown_{n} = 1\n" for n in range(40_000))
    exc, _ = refused(lambda: load_package_from_files(files(course=COURSE + keys)))
    assert exc.count == 40_000 and exc.problems[0].line == 6 and "allowed keys" in exc.problems[0].message


# --------------------------------------------------------------------------- text and Markdown


def test_too_much_text_is_refused_before_parsing() -> None:
    lesson = "# Big\n\n" + "x" * MAX_TEXT_BYTES
    exc, _ = refused(lambda: load_package_from_files(files(lesson=lesson)))
    assert only(exc).file == "(package)"
    assert only(exc).message.endswith(f"bytes of text; the limit is {MAX_TEXT_BYTES:,} bytes (1 MB)")


def test_lesson_markdown_problems_point_at_the_file_line() -> None:
    lists = "".join("  " * n + "- level\n" for n in range(MAX_NESTING_DEPTH + 3))
    # front matter (3 lines), a blank line, the heading, a blank line, a paragraph, a blank line
    lesson = "+++\nestimated_minutes = 3\n+++\n\n# Deep\n\nintro\n\n" + lists
    exc, _ = refused(lambda: load_package_from_files(files(lesson=lesson)))
    problem = only(exc)
    assert (problem.file, problem.field) == ("lessons/01-intro.md", "body")
    assert problem.line == 9 + MAX_NESTING_DEPTH, "line of the first list past the limit"
    assert problem.message == f"lists and block quotes are nested more than {MAX_NESTING_DEPTH} levels deep"


def test_a_lesson_over_the_markdown_limit_is_refused() -> None:
    exc, _ = refused(lambda: load_package_from_files(files(lesson="# Long\n\n" + "a" * (MAX_MARKDOWN_CHARS + 1))))
    assert str(only(exc)) == (
        f"lessons/01-intro.md:3: body: is {MAX_MARKDOWN_CHARS + 1:,} characters long; the limit is {MAX_MARKDOWN_CHARS:,}"
    )


def test_toml_markdown_fields_are_checked() -> None:
    long_summary = COURSE + f'summary = "{"a" * (MAX_SHORT_MARKDOWN_CHARS + 1)}"\n'
    exc, _ = refused(lambda: load_package_from_files(files(course=long_summary)))
    assert str(only(exc)) == (
        f"course.toml:6: summary: is {MAX_SHORT_MARKDOWN_CHARS + 1:,} characters long; "
        f"the limit is {MAX_SHORT_MARKDOWN_CHARS:,}"
    )
    deep = "> " * (MAX_NESTING_DEPTH + 1) + "x"
    quiz = QUIZ.replace('text = "That"', f"text = '''\nfine\n\n{deep}'''")
    exc, _ = refused(lambda: load_package_from_files(files(quiz=quiz)))
    assert str(only(exc)) == (
        "quiz.toml:12: questions[1].options[2].text: lists and block quotes are nested more than "
        f"{MAX_NESTING_DEPTH} levels deep (line 3 of the text)"
    )


def test_pathological_markdown_in_a_package_is_bounded() -> None:
    lesson = "# Links\n\n" + "[a" * (MAX_MARKDOWN_CHARS // 2 - 10)
    started = time.perf_counter()
    spec = load_package_from_files(files(lesson=lesson))
    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert spec.lessons[0].body_html.startswith("<p>[a[a")


def test_a_long_first_line_is_read_in_linear_time() -> None:
    # The `# Title` regular expression backtracked quadratically on runs of spaces.
    spec = load_package_from_files(files(lesson="# Title" + " " * 500_000 + "end\n\nBody\n"))
    assert spec.lessons[0].title == "Title" + " " * 500_000 + "end"


def test_long_toml_lines_are_located_in_linear_time() -> None:
    # Line lookups scan every line; a lazy pattern backtracked on long runs of spaces.
    quiz = 'title = "Quiz"\nx = [\n  [1,' + " " * 500_000 + "2],\n]\n" + QUESTION
    exc, _ = refused(lambda: load_package_from_files(files(quiz=quiz)))
    assert only(exc).message.startswith("unknown key 'x'") and only(exc).line == 2


# --------------------------------------------------------------------------- quiz size


def test_too_many_questions_are_refused_before_rendering() -> None:
    quiz = 'title = "Quiz"\n' + QUESTION * (MAX_QUESTIONS + 1)
    exc, _ = refused(lambda: load_package_from_files(files(quiz=quiz)))
    assert str(only(exc)) == f"quiz.toml:3: questions: a quiz has at most {MAX_QUESTIONS:,} questions, found {MAX_QUESTIONS + 1:,}"


def test_too_many_options_are_refused() -> None:
    quiz = QUIZ + '\n[[questions.options]]\ntext = "More"\n' * (MAX_OPTIONS - 1)
    exc, _ = refused(lambda: load_package_from_files(files(quiz=quiz)))
    assert only(exc).message == f"a question has at most {MAX_OPTIONS} options, found {MAX_OPTIONS + 1:,}"


# --------------------------------------------------------------------------- GIFT


def test_gift_with_too_many_questions_is_refused() -> None:
    exc, _ = refused(lambda: parse_gift("Q? {=a ~b}\n\n" * (MAX_QUESTIONS + 1)))
    assert only(exc).message == (
        f"the file holds {MAX_QUESTIONS + 1:,} questions; the limit is {MAX_QUESTIONS:,} (split it into several files)"
    )


def test_gift_with_one_huge_question_is_read_in_linear_time() -> None:
    # Each line re-scanned the whole question so far: 8,000 lines took 11 s.
    started = time.perf_counter()
    exc, _ = refused(lambda: parse_gift("Q? {\n" + "~a\n" * 200_000 + "=b}\n"))
    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert only(exc).message == f"a question has at most {MAX_OPTIONS} answers, found 200,001"


def test_gift_escapes_still_decide_where_an_answer_block_ends() -> None:
    report = parse_gift("Q \\{ one\\\n{\n=a\n\n~b\n}\n\nR? {T}\n")
    # Moodle's auto-format: shown as written, so the lone backslash is escaped for Markdown.
    assert [q.text_md for q in report.questions] == ["Q { one\\\\", "R?"]
    assert report.questions[0].text_html == "<p>Q { one\\</p>"
    assert [o.text_md for o in report.questions[0].options] == ["a", "b"]


def test_gift_markdown_is_checked() -> None:
    deep = "> " * (MAX_NESTING_DEPTH + 1) + "x"
    exc, _ = refused(lambda: parse_gift(f"// comment\n::T:: [markdown]Fine {{\n=a#{deep}\n~b\n}}\n"))
    problem = only(exc)
    assert (problem.line, problem.field) == (2, "answer 1 feedback")
    assert problem.message == f"lists and block quotes are nested more than {MAX_NESTING_DEPTH} levels deep (line 1 of the text)"
