"""Where a refused CSV import points: a bad byte at its line (not line 1),
a row at the line where it starts when a quoted value spans lines."""
from __future__ import annotations

import pytest

from lms.csvfile import ImportInvalid
from lms.orgs.csv_import import import_org_units, parse_org_units
from lms.people.user_import import import_users
from tests.builders import NOW

ORG_HEADER = "code,parent_code,name,level,kind,headcount_manager,headcount_professional,headcount_staff,headcount_correspondent,valid_from"
USER_HEADER = "username,full_name,email,org_unit_code,staff_category,roles,language"


def unit(code: str, parent: str = "", level: str = "city", name: str | None = None) -> str:
    return f"{code},{parent},{name or code},{level},social_insurance,,,,,"


def org_file(*rows: str) -> str:
    return "\n".join([ORG_HEADER, *rows]) + "\n"


def refused(run) -> list[tuple[int, str]]:
    with pytest.raises(ImportInvalid) as exc:
        run()
    return [(e.line, str(e).split(": ", 1)[1]) for e in exc.value.errors]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_a_bad_byte_is_reported_at_its_line(db, bom, newline):
    lines = [ORG_HEADER.encode(), unit("CN", level="national").encode(), unit("JS", "CN").encode(),
             unit("NJ", "JS", name="Nanjing \xe5\x8d\x97\xff").encode("latin-1"), unit("XW", "NJ").encode()]
    data = bom + newline.join(lines) + newline
    [(line, message)] = refused(lambda: import_org_units(db, data, now=NOW))
    assert line == 4
    offset = data.index(b"\xff")
    assert message == f"the file is not UTF-8 (byte {offset}); save it as 'CSV UTF-8'"
    users = bom + newline.join([USER_HEADER.encode(), b"wang,W,,CN,staff,,", b"li,\xc0\xc1,,CN,staff,,"])
    assert [line for line, _m in refused(lambda: import_users(db, users, now=NOW))] == [3]


def test_a_row_is_reported_at_its_first_line_when_a_quoted_value_spans_lines(db):
    data = org_file(unit("CN", level="national"), 'JS,CN,"Jiangsu\nprovince",town,social_insurance,,,,,', unit("NJ", "JS", level="moon"))
    assert [line for line, _m in refused(lambda: parse_org_units(data))] == [3, 5]
