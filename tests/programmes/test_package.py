"""programme.toml: parse, validate, export (content.programme, a pure library)."""
from __future__ import annotations

import pytest

from content.programme import ProgrammeInvalid, dump_programme, load_programme, load_programme_bytes

GOOD = b'''
code = "PG-X"
title = "\xe5\x9f\xb9\xe8\xae\xad\xe5\xb8\x88\xe5\x9f\xb9\xe8\xae\xad"
description = "A **path**."
audience = ["staff"]
professions = ["trainer"]
certificate_validity_days = 730
min_optional = 1

[[courses]]
code = "A-1"

[[courses]]
code = "B-1"
required = false

[[courses]]
code = "B-2"
required = false
'''


def test_a_good_package_round_trips():
    spec = load_programme_bytes(GOOD)
    assert spec.code == "PG-X" and spec.title == "培训师培训"
    assert [(c.code, c.required) for c in spec.courses] == [("A-1", True), ("B-1", False), ("B-2", False)]
    assert spec.min_optional == 1 and spec.certificate_validity_days == 730 and spec.professions == ("trainer",)
    assert load_programme_bytes(dump_programme(spec)) == spec


@pytest.mark.parametrize(("change", "field", "words"), [
    (b'min_optional = 3', "min_optional", "asks for 3 optional course(s) but the programme lists 2"),
    (b'professions = ["astronaut"]', "professions", "unknown value 'astronaut'"),
    (b'audience = ["boss"]', "audience", "unknown value 'boss'"),
    (b'certificate_validity_days = 0', "certificate_validity_days", "must be between 1"),
    (b'code = "pg x"', "code", "must be 2-32 characters"),
    (b'colour = "red"', "colour", "unknown key"),
])
def test_a_bad_package_is_refused_with_a_clear_message(change, field, words):
    key = change.split(b"=")[0].strip() + b" ="
    lines = [line for line in GOOD.splitlines() if not line.startswith(key)]
    data = change + b"\n" + b"\n".join(lines)
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_bytes(data)
    problems = caught.value.problems
    assert any(p.field == field and words in p.message for p in problems), problems


def test_courses_twice_missing_or_not_toml():
    with pytest.raises(ProgrammeInvalid, match="listed twice"):
        load_programme_bytes(b'code = "PG-X"\ntitle = "t"\n[[courses]]\ncode = "A-1"\n[[courses]]\ncode = "A-1"\n')
    with pytest.raises(ProgrammeInvalid, match="at least one course"):
        load_programme_bytes(b'code = "PG-X"\ntitle = "t"\n')
    with pytest.raises(ProgrammeInvalid, match="invalid TOML"):
        load_programme_bytes(b'code = "PG-X\n')
    with pytest.raises(ProgrammeInvalid, match="no required course"):
        load_programme_bytes(b'code = "PG-X"\ntitle = "t"\n[[courses]]\ncode = "A-1"\nrequired = false\n')


def test_the_starter_programmes_are_valid():
    from pathlib import Path

    folders = sorted(Path("programmes").glob("*/programme.toml"))
    assert len(folders) >= 3
    codes = {load_programme(f).code for f in folders}
    assert {"PG-HR-MGR", "PG-TRN-MGR", "PG-TOT"} <= codes
    course_codes = {line.split('"')[1] for f in Path("courses").glob("*/course.toml")
                    for line in f.read_text("utf-8").splitlines() if line.startswith("code = ")}
    for f in folders:
        assert {c.code for c in load_programme(f).courses} <= course_codes, f
