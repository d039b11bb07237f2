"""Exports (issue 12 item 4): every row of the report, not one page; typed XLSX
cells under a title row naming the report, unit, period or learner; safe sheet
and file names; formula-safe text; one charset."""
from __future__ import annotations

import io
from datetime import date, datetime
from urllib.parse import unquote

import openpyxl
import pytest

from lms.reports import exports, services
from tests.builders import make_user
from tests.reports.test_web_reports import MONTHLY, csv_rows, login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def manager(db, tree):
    user = make_user(db, username="mgr-p", staff_category="manager", roles=("manager",), org_unit_id=tree["p"].id)
    db.commit()
    return user


@pytest.fixture
def crowd(db, tree, manager):
    """61 more people in C1: with the tree's 6 and the manager, 68 in P, two pages of 50."""
    for n in range(61):
        make_user(db, username=f"bulk{n:02d}", org_unit_id=tree["c1"].id)
    db.commit()
    return 68


def workbook(response):
    assert response.status_code == 200 and response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def body_rows(sheet) -> list[list]:
    """The rows below the title row and the header."""
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]


def test_learner_export_holds_every_person_not_the_current_page(app, db, tree, manager, crowd):
    client = login(app.test_client(), db, manager)
    unit = tree["p"].id
    page = client.get("/reports/learners", query_string={"unit": unit, "page": 2}).get_data(as_text=True)
    assert f"{crowd} " in page and "2 / 2" in page  # the page says 68 people on two pages
    assert "page=" not in page.split('class="exports"')[1].split("</span>")[0]  # the export links name no page

    people = csv_rows(client.get("/reports/learners.csv", query_string={"unit": unit, "page": 2}).data)
    assert len(people) == 1 + crowd
    first_page, _total = services.learners(db, tree["p"], page=1)
    assert [r[0] for r in people[1:51]] == [r.user.username for r in first_page]  # same order as the pages

    sheet = workbook(client.get("/reports/learners.xlsx", query_string={"unit": unit, "page": 2}))
    rows = body_rows(sheet)
    assert len(rows) == crowd and [r[0] for r in rows] == [r[0] for r in people[1:]]
    assert all(isinstance(r[6], int) and isinstance(r[7], int) for r in rows)  # enrolments, completions

    # a search exports everyone it finds, on every page
    found = csv_rows(client.get("/reports/learners.csv", query_string={"unit": unit, "q": "bulk1"}).data)
    assert sorted(r[0] for r in found[1:]) == [f"bulk{n}" for n in range(10, 20)]
    u3 = next(r for r in people if r[0] == "u3")
    assert u3[3:5] == ["C1", "南京市"] and u3[6:] == ["2", "2"]


def test_xlsx_cells_are_typed_and_missing_figures_empty(app, db, tree, manager):
    client = login(app.test_client(), db, manager)
    units = workbook(client.get("/reports/coverage.xlsx", query_string={"table": "units", "unit": tree["p"].id, **MONTHLY}))
    header = [c.value for c in units[2]]
    coverage = header.index(next(h for h in header if h in ("Coverage", "覆盖率")))
    c1 = next(row for row in units.iter_rows(min_row=3) if row[0].value == "C1")
    assert [c.value for c in c1[2:6]] == [10, 3, 3, 2] and all(type(c.value) is int for c in c1[2:6])
    assert c1[coverage].value == pytest.approx(0.2) and c1[coverage].number_format == "0.0%"

    months = workbook(client.get("/reports/coverage.xlsx", query_string={"table": "months", "unit": tree["p"].id,
                                                                          **MONTHLY}))
    first = months["A3"]
    assert first.is_date and first.value == datetime(2026, 1, 1) and first.number_format == "yyyy-mm"

    transcript = workbook(client.get(f"/reports/learners/{tree['u2'].id}/transcript.xlsx"))
    code, _title, enrolled, completed, score, attempts, done, lessons, mode, recorded = transcript[3]
    assert code.value == "A-101"
    assert enrolled.is_date and enrolled.value == datetime(2026, 2, 1) and enrolled.number_format == "yyyy-mm-dd"
    assert completed.value is None and score.value is None  # not "—", not ""
    assert (attempts.value, done.value, lessons.value) == (0, 0, 1)
    assert recorded.value is None  # completed online (or not yet): no "recorded by"
    assert mode.value is None  # in progress: no mode of training yet

    done_rows = body_rows(workbook(client.get(f"/reports/learners/{tree['u3'].id}/transcript.xlsx")))
    assert sorted(r[3] for r in done_rows) == [datetime(2026, 3, 5), datetime(2026, 4, 20)]
    assert {r[8] for r in done_rows} == {"在线"}  # online, in the manager's language

    courses = workbook(client.get("/reports/courses.xlsx", query_string={"unit": tree["p"].id}))
    a101 = next(row for row in courses.iter_rows(min_row=3) if row[0].value == "A-101")
    assert [c.value for c in a101[4:7]] == [3, 1, 2]
    assert a101[7].value is None and a101[8].value is None  # no quiz: no pass rate, no score
    assert a101[9].value == pytest.approx(1.0) and a101[9].number_format == "0.0"  # median days

    for sheet in (units, months, transcript, courses):
        for row in sheet.iter_rows():
            assert all(c.value not in ("—", "") for c in row)
            assert all(c.data_type != "f" for c in row)


def test_xlsx_has_a_title_row_widths_and_frozen_header(app, db, tree, manager):
    client = login(app.test_client(), db, manager)
    units = workbook(client.get("/reports/coverage.xlsx", query_string={"table": "units", "unit": tree["p"].id, **MONTHLY}))
    title = units["A1"].value
    assert "江苏省 (P)" in title and "2026-01" in title and "2026-04" in title and units["A1"].font.b
    assert units["A2"].value in ("Org unit code", "单位代码") and units.freeze_panes == "A3"
    widths = [units.column_dimensions[c].width for c in "ABCDEFGHI"]
    assert all(8 <= w <= 62 for w in widths) and widths[1] > widths[0]  # unit names are wider than codes

    transcript = workbook(client.get(f"/reports/learners/{tree['u3'].id}/transcript.xlsx"))
    assert all(part in transcript["A1"].value for part in ("u3", "测试 学员", "南京市 (C1)"))

    courses = workbook(client.get("/reports/courses/A-101/units.xlsx", query_string={"unit": tree["c1"].id}))
    assert all(part in courses["A1"].value for part in ("A-101", "南京市 (C1)"))

    learners = workbook(client.get("/reports/learners.xlsx", query_string={"unit": tree["c1"].id, "q": "u"}))
    assert "南京市 (C1)" in learners["A1"].value and learners["A1"].value.endswith(": u")


def test_transcript_file_names_the_learner_and_unit(app, db, tree, manager):
    client = login(app.test_client(), db, manager)
    for fmt in ("csv", "xlsx"):
        disposition = client.get(f"/reports/learners/{tree['u3'].id}/transcript.{fmt}").headers["Content-Disposition"]
        assert f'filename="transcript-u3-C1.{fmt}"' in disposition  # the ASCII fallback
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"transcript-u3-测试 学员-C1.{fmt}"


def test_username_with_sheet_title_characters_gives_a_valid_xlsx(app, db, tree, manager):
    odd = make_user(db, username="a:b/c[d]\\e?f*g'", org_unit_id=tree["c1"].id)
    long = make_user(db, username="x" * 80, org_unit_id=tree["c1"].id)
    db.commit()
    client = login(app.test_client(), db, manager)
    response = client.get(f"/reports/learners/{odd.id}/transcript.xlsx")
    sheet = workbook(response)
    assert not set(sheet.title) & set(":\\/?*[]") and len(sheet.title) <= 31
    assert "a:b/c[d]\\e?f*g'" in sheet["A1"].value  # the title row keeps the real name
    disposition = response.headers["Content-Disposition"]
    assert not set(disposition.split('filename="')[1].split('"')[0]) & set(':\\/?*[]"')
    assert "/" not in unquote(disposition.split("filename*=UTF-8''")[1])
    assert len(workbook(client.get(f"/reports/learners/{long.id}/transcript.xlsx")).title) <= 31


@pytest.mark.parametrize("name, title", [
    ("transcript-a:b/c[d]", "transcript-a_b_c_d_"), ("x" * 40, "x" * 31), ("'quoted'", "quoted"), ("[]", "__"),
    ("", "report"), ("'", "report"), ("学习档案-王五", "学习档案-王五"),
])
def test_sheet_titles(name, title):
    assert exports.sheet_title(name) == title


def test_one_charset_in_content_type(app, db, tree, manager):
    client = login(app.test_client(), db, manager)
    csv_type = client.get("/reports/learners.csv").headers["Content-Type"]
    assert csv_type == "text/csv; charset=utf-8"
    assert client.get("/reports/coverage.csv?table=units").headers["Content-Type"].count("charset") == 1
    assert client.get("/reports/coverage.xlsx").headers["Content-Type"] == XLSX


def test_streamed_learner_export_is_formula_safe_and_frees_its_session(app, db, tree, manager, monkeypatch):
    tree["u1"].full_name = "=HYPERLINK(\"http://x\")"
    tree["u2"].full_name = "@SUM(A1)"
    db.commit()
    client = login(app.test_client(), db, manager)
    pool = app.extensions["lms_db"].engine.pool
    db.close()  # the test's own session gives its connection back
    idle = pool.checkedout()

    response = client.get("/reports/learners.csv", query_string={"unit": tree["p"].id})
    assert response.is_streamed
    people = {r[0]: r for r in csv_rows(response.data)}
    assert people["u1"][1] == "'=HYPERLINK(\"http://x\")" and people["u2"][1] == "'@SUM(A1)"
    assert pool.checkedout() == idle

    sheet = workbook(client.get("/reports/learners.xlsx", query_string={"unit": tree["p"].id}))
    names = {r[0]: r[1] for r in body_rows(sheet)}
    assert names["u1"] == "'=HYPERLINK(\"http://x\")" and names["u2"] == "'@SUM(A1)"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)

    # a download abandoned after its first piece closes the export's own session
    monkeypatch.setattr(exports, "CSV_CHUNK", 10)
    abandoned = client.get("/reports/learners.csv", query_string={"unit": tree["p"].id}, buffered=False)
    assert next(iter(abandoned.response)).startswith("\ufeff".encode())
    abandoned.close()
    assert pool.checkedout() == idle


def test_csv_writes_typed_values_as_the_page_shows_them():
    table = exports.ExportTable(
        "t", "T", ["code", exports.Column("n", exports.INT), exports.Column("share", exports.PERCENT),
                   exports.Column("score", exports.NUMBER), exports.Column("day", exports.DATE)],
        [["a", 3, 0.125, 87.25, date(2026, 3, 5)], ["-b", None, None, None, None]])
    assert csv_rows(exports.to_csv(table)) == [["code", "n", "share", "score", "day"],
                                               ["a", "3", "12.5%", "87.2", "2026-03-05"], ["'-b", "", "", "", ""]]
    assert table.text_rows() == [["a", "3", "12.5%", "87.2", "2026-03-05"], ["-b", "—", "—", "—", "—"]]
