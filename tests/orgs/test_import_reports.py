"""What a refused CSV import reports: every error of the file at once (row
checks with tree or org-unit checks), sorted by line, at the right line (a bad
byte, a quoted value over several lines), cycles naming only their members;
and a tree check that stays linear on a deep file."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.csvfile import ImportInvalid
from lms.orgs.csv_import import check_org_units, import_org_units, parse_org_units
from lms.orgs.models import OrgUnit
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


def units(db) -> int:
    return db.scalar(select(func.count()).select_from(OrgUnit))


def test_org_row_errors_and_tree_errors_come_in_one_report_sorted_by_line(db):
    data = org_file(
        unit("A", "NOPE"),            # 2: unknown parent
        unit("B", level="town"),      # 3: bad level
        unit("C", "D"),               # 4: cycle
        unit("D", "C", level="moon"),  # 5: cycle and bad level
        unit("E", "B"),               # 6: fine (B is in the file, although its row is bad)
    )
    errors = refused(lambda: import_org_units(db, data, now=NOW))
    assert [line for line, _m in errors] == [2, 3, 4, 5, 5]
    assert errors[0] == (2, "unknown parent_code 'NOPE'")
    assert errors[1][1].startswith("bad level 'town'")
    assert errors[2] == (4, "cycle: 'C' would be below itself")
    assert errors[3][1].startswith("bad level 'moon'") and errors[4] == (5, "cycle: 'D' would be below itself")
    assert units(db) == 0


def test_a_cycle_names_only_its_members_once_each(db):
    data = org_file(
        unit("E", "D"),  # 2: below the cycle
        unit("A", "B"),  # 3
        unit("D", "A"),  # 4: below the cycle
        unit("B", "C"),  # 5
        unit("C", "A"),  # 6
        unit("S", "S"),  # 7: its own parent
        unit("R"),       # 8: a root, fine
    )
    assert refused(lambda: import_org_units(db, data, now=NOW)) == [
        (3, "cycle: 'A' would be below itself"), (5, "cycle: 'B' would be below itself"),
        (6, "cycle: 'C' would be below itself"), (7, "cycle: 'S' would be below itself")]
    assert units(db) == 0


def test_a_cycle_through_the_database_names_the_rows_that_close_it(db):
    import_org_units(db, org_file(unit("CN", level="national"), unit("JS", "CN"), unit("NJ", "JS"), unit("XW", "NJ")), now=NOW)
    # CN under XW: CN -> XW -> NJ -> JS -> CN; NJ and JS stay where the database has them. X is only below.
    data = org_file(unit("X", "CN"), unit("CN", "XW", level="national"))
    assert refused(lambda: import_org_units(db, data, now=NOW)) == [(3, "cycle: 'CN' would be below itself")]


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


def test_user_row_errors_and_unknown_org_units_come_in_one_report(db):
    import_org_units(db, org_file(unit("CN", level="national")), now=NOW)
    data = "\n".join([USER_HEADER,
                      "wang,W,,NOWHERE,staff,,",      # 2: unknown unit
                      "li,L,,CN,boss,,",              # 3: bad category
                      "zhao,Z,,ALSO-NOT,boss,,",      # 4: both
                      "chen,C,,,staff,,"]) + "\n"     # 5: unit required (not also unknown)
    errors = refused(lambda: import_users(db, data, now=NOW))
    assert [line for line, _m in errors] == [2, 3, 4, 4, 5]
    assert errors[0] == (2, "unknown org_unit_code 'NOWHERE'")
    assert errors[1][1].startswith("bad staff_category 'boss'")
    assert errors[2][1].startswith("bad staff_category 'boss'") and errors[3] == (4, "unknown org_unit_code 'ALSO-NOT'")
    assert errors[4] == (5, "org_unit_code is required")
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_the_tree_check_is_linear_on_a_deep_file_with_parents_below(db):
    # One chain 20,000 units deep, each row's parent on the next line: a walk
    # up from every row, or the set of codes rebuilt per row, takes minutes.
    n = 20_000
    rows = [unit(f"U{i}", f"U{i - 1}" if i else "", level="national" if i == 0 else "workplace") for i in range(n)]
    parsed = parse_org_units(org_file(*reversed(rows)))
    start = time.perf_counter()
    check_org_units(db, parsed)
    assert time.perf_counter() - start < 5  # about 0.05 s
    parsed[-1].parent_code = parsed[0].code  # the root (last line) hangs below the deepest unit (first): one cycle of 20,000
    start = time.perf_counter()
    errors = refused(lambda: check_org_units(db, parsed))
    assert time.perf_counter() - start < 5
    assert len(errors) == n and {m for _l, m in errors} == {f"cycle: 'U{i}' would be below itself" for i in range(n)}
