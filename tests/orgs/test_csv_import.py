"""CSV import of org units and people: valid files, every kind of bad row,
re-import unchanged, a changed row updates, BOM and Excel line endings,
parents after children; nothing written when a file has errors."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.auth.models import User, UserRole
from lms.auth.services import authenticate
from lms.csvfile import ImportInvalid
from lms.orgs.csv_import import import_org_units, parse_org_units
from lms.orgs.models import Headcount, OrgUnit
from lms.orgs.services import headcount_in_force
from lms.people.user_import import import_users, parse_users
from tests.builders import NOW

ORG_HEADER = "code,parent_code,name,level,kind,headcount_manager,headcount_professional,headcount_staff,headcount_correspondent,valid_from"
# Children before their parents on purpose.
ORG_FILE = "\r\n".join([
    ORG_HEADER,
    "NJ-XW,NJ,玄武区社会保险经办处,district,social_insurance,8,15,60,0,2026-01-01",
    "NJ,JS,南京市社会保险管理中心,city,social_insurance,45,90,400,0,2026-01-01",
    "JS,CN,江苏省社会保险事业管理中心,province,social_insurance,120,260,900,0,2026-01-01",
    "CN,,社会保障能力建设中心,national,social_insurance,40,60,120,0,2026-01-01",
    "NJ-XW-E1,NJ-XW,南京某电子有限公司,workplace,company,,,,6,",
]) + "\r\n"
USER_HEADER = "username,full_name,email,org_unit_code,staff_category,roles,language"
USER_FILE = "\r\n".join([
    USER_HEADER,
    "wang,王小红,wang@example.org,NJ-XW,staff,,zh_CN",
    "li,李建国,,NJ-XW-E1,correspondent,learner,",
    "chen,陈主任,chen@example.org,NJ,manager,learner;manager,en",
]) + "\r\n"


def errors_of(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(e) for e in exc.value.errors]


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_org_units_import_with_parents_after_children_and_bom(db):
    result = import_org_units(db, ("\ufeff" + ORG_FILE).encode("utf-8"), now=NOW)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    units = {u.code: u for u in db.scalars(select(OrgUnit))}
    assert units["CN"].parent_id is None and units["CN"].path == f"/{units['CN'].id}/"
    assert units["NJ-XW-E1"].path == "/" + "/".join(str(units[c].id) for c in ("CN", "JS", "NJ", "NJ-XW", "NJ-XW-E1")) + "/"
    assert units["NJ-XW-E1"].level == "workplace" and units["NJ-XW-E1"].kind == "company"
    # Headcounts: an empty cell records nothing; an empty valid_from means "from the import date".
    e1 = db.scalars(select(Headcount).where(Headcount.org_unit_id == units["NJ-XW-E1"].id)).all()
    assert [(h.staff_category, h.headcount, h.valid_from) for h in e1] == [("correspondent", 6, NOW.date())]
    assert headcount_in_force(db, [units["NJ"].id, units["NJ-XW"].id], date(2026, 2, 1)) == {
        "manager": 53, "professional": 105, "staff": 460, "correspondent": 0}


def test_org_units_reimport_changes_nothing_and_a_changed_row_updates(db):
    import_org_units(db, ORG_FILE, now=NOW)
    before = count(db, Headcount)
    again = import_org_units(db, ORG_FILE, now=NOW)
    assert str(again) == "0 created, 0 updated, 5 unchanged"
    assert count(db, Headcount) == before
    changed = ORG_FILE.replace("南京市社会保险管理中心,city,social_insurance,45", "南京市社保中心,city,social_insurance,50")
    result = import_org_units(db, changed, now=NOW)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    nj = db.scalar(select(OrgUnit).where(OrgUnit.code == "NJ"))
    assert nj.name == "南京市社保中心"
    assert headcount_in_force(db, [nj.id], date(2026, 2, 1)) ["manager"] == 50


def test_org_units_import_moves_a_unit_and_its_subtree(db):
    import_org_units(db, ORG_FILE, now=NOW)
    moved = ORG_FILE.replace("NJ-XW,NJ,", "NJ-XW,JS,")
    result = import_org_units(db, moved, now=NOW)
    assert result.updated == 1
    units = {u.code: u for u in db.scalars(select(OrgUnit))}
    assert units["NJ-XW"].parent_id == units["JS"].id
    assert units["NJ-XW-E1"].path == f"{units['JS'].path}{units['NJ-XW'].id}/{units['NJ-XW-E1'].id}/"


@pytest.mark.parametrize("row, reason", [
    ("X1,CN,Name,city,social_insurance,,,,,", "line 3: unknown parent_code 'CN'"),
    ("X1,,Name,town,social_insurance,,,,,", "line 3: bad level 'town'"),
    ("X1,,Name,city,bank,,,,,", "line 3: bad kind 'bank'"),
    ("X1,,Name,city,social_insurance,-3,,,,", "line 3: bad number '-3' in headcount_manager"),
    ("X1,,Name,city,social_insurance,1.5,,,,", "line 3: bad number '1.5' in headcount_manager"),
    ("X1,,Name,city,social_insurance,1,,,,2026-13-01", "line 3: bad date '2026-13-01' in valid_from"),
    (",,Name,city,social_insurance,,,,,", "line 3: code is required"),
    ("X1,,,city,social_insurance,,,,,", "line 3: name is required"),
    ("X 1,,Name,city,social_insurance,,,,,", "line 3: bad code 'X 1'"),
    ("OK,,Again,city,social_insurance,,,,,", "line 3: duplicate code 'OK' (also on line 2)"),
])
def test_each_kind_of_bad_org_row_is_reported_with_its_line(db, row, reason):
    data = f"{ORG_HEADER}\nOK,,Fine,province,social_insurance,,,,,\n{row}\n"
    with pytest.raises(ImportInvalid) as exc:
        import_org_units(db, data, now=NOW)
    assert any(e.startswith(reason) for e in errors_of(exc)), errors_of(exc)
    assert count(db, OrgUnit) == 0  # nothing written, not even the good row


def test_a_cycle_is_refused(db):
    data = f"{ORG_HEADER}\nA,B,A,city,social_insurance,,,,,\nB,A,B,city,social_insurance,,,,,\n"
    with pytest.raises(ImportInvalid) as exc:
        import_org_units(db, data, now=NOW)
    assert errors_of(exc) == ["line 2: cycle: 'A' would be below itself", "line 3: cycle: 'B' would be below itself"]


def test_a_cycle_through_the_database_is_refused(db):
    import_org_units(db, ORG_FILE, now=NOW)
    with pytest.raises(ImportInvalid) as exc:
        import_org_units(db, f"{ORG_HEADER}\nJS,NJ-XW,Jiangsu,province,social_insurance,,,,,\n", now=NOW)
    assert errors_of(exc) == ["line 2: cycle: 'JS' would be below itself"]


def test_every_bad_row_is_listed_not_only_the_first(db):
    data = f"{ORG_HEADER}\nA,,A,moon,social_insurance,,,,,\nB,,B,city,x,,,,,\nC,,C,city,social_insurance,z,,,,\n"
    with pytest.raises(ImportInvalid) as exc:
        parse_org_units(data)
    assert [e.line for e in exc.value.errors] == [2, 3, 4]


def test_header_problems(db):
    with pytest.raises(ImportInvalid) as exc:
        parse_org_units("code,name,level\nA,B,city\n")
    assert errors_of(exc)[0].startswith("line 1: missing column(s): parent_code, kind")
    with pytest.raises(ImportInvalid) as exc:
        parse_users(b"\xff\xfeu\x00")
    assert "not UTF-8" in errors_of(exc)[0]
    with pytest.raises(ImportInvalid) as exc:
        parse_users("")
    assert errors_of(exc) == ["line 1: the file is empty"]


# ---- users -----------------------------------------------------------------

def test_users_import_creates_people_without_passwords(db):
    import_org_units(db, ORG_FILE, now=NOW)
    result = import_users(db, ("\ufeff" + USER_FILE).encode(), now=NOW)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    users = {u.username: u for u in db.scalars(select(User))}
    assert users["wang"].full_name == "王小红" and users["wang"].org_unit.code == "NJ-XW"
    assert users["li"].language == "zh_CN" and users["li"].staff_category == "correspondent"
    assert users["chen"].role_names == {"learner", "manager"} and users["chen"].language == "en"
    assert users["wang"].password_hash == ""
    assert authenticate(db, username="wang", password="") is None
    assert authenticate(db, username="wang", password="anything at all") is None


def test_users_reimport_unchanged_then_a_changed_row_updates(db):
    import_org_units(db, ORG_FILE, now=NOW)
    import_users(db, USER_FILE, now=NOW)
    assert str(import_users(db, USER_FILE, now=NOW)) == "0 created, 0 updated, 3 unchanged"
    changed = USER_FILE.replace("wang,王小红,wang@example.org,NJ-XW,staff,,zh_CN", "wang,王小红,wang@new.org,NJ,professional,author,en")
    result = import_users(db, changed, now=NOW)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    wang = db.scalar(select(User).where(User.username == "wang"))
    db.refresh(wang)
    assert (wang.email, wang.org_unit.code, wang.staff_category, wang.language) == ("wang@new.org", "NJ", "professional", "en")
    assert {r.role for r in db.scalars(select(UserRole).where(UserRole.user_id == wang.id))} == {"learner", "author"}


@pytest.mark.parametrize("row, reason", [
    ("x1,Name,,NOWHERE,staff,,", "line 3: unknown org_unit_code 'NOWHERE'"),
    ("x1,Name,,NJ,boss,,", "line 3: bad staff_category 'boss'"),
    ("x1,Name,,NJ,staff,learner;root,", "line 3: bad role(s) root"),
    ("x1,Name,,NJ,staff,,fr", "line 3: bad language 'fr'"),
    ("x1,Name,not-an-email,NJ,staff,,", "line 3: bad email 'not-an-email'"),
    (",Name,,NJ,staff,,", "line 3: username is required"),
    ("x1,Name,,,staff,,", "line 3: org_unit_code is required"),
    ("x1,Name,,NJ,,,", "line 3: staff_category is required"),
    ("ok,Again,,NJ,staff,,", "line 3: duplicate username 'ok' (also on line 2)"),
    ("x1,Name,,NJ,staff,,zh_CN,extra", "line 3: 8 values for 7 columns"),
])
def test_each_kind_of_bad_user_row_is_reported_with_its_line(db, row, reason):
    import_org_units(db, ORG_FILE, now=NOW)
    users_before = count(db, User)
    with pytest.raises(ImportInvalid) as exc:
        import_users(db, f"{USER_HEADER}\nok,Fine,,NJ,staff,,\n{row}\n", now=NOW)
    assert any(e.startswith(reason) for e in errors_of(exc)), errors_of(exc)
    assert count(db, User) == users_before


def test_blank_lines_and_bare_newlines_are_accepted(db):
    import_org_units(db, ORG_FILE, now=NOW)
    result = import_users(db, f"{USER_HEADER}\nwang,王,,NJ,staff,,\n\n,,,,,,\nli,李,,NJ,staff,,\n", now=NOW)
    assert result.created == 2
