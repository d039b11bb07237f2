"""Report pages, exports, charts and JSON: same numbers everywhere, and a
manager never sees, filters to, exports or fetches anything outside their subtree."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import jsonschema_rs
import openpyxl
import pytest

from lms.api.openapi import DOCUMENT
from lms.auth.services import create_api_token, start_login_session
from lms.learn import services as learning
from lms.reports import charts, exports
from lms.reports.models import cell_column
from lms.web import utcnow
from tests.builders import make_user

SVG = "{http://www.w3.org/2000/svg}"
MONTHLY = {"start": "2026-01", "end": "2026-04"}


def login(client, db, user):
    token = start_login_session(db, user=user, now=utcnow())
    db.commit()
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"], s["seen"] = token, True, int(utcnow().timestamp())
    return client


@pytest.fixture
def managers(db, tree):
    province = make_user(db, username="mgr-p", staff_category="manager", roles=("manager",), org_unit_id=tree["p"].id)
    city2 = make_user(db, username="mgr-c2", staff_category="manager", roles=("manager",), org_unit_id=tree["c2"].id)
    db.commit()
    return {"p": province, "c2": city2}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def shown(cell) -> str:
    """An XLSX cell as the spreadsheet shows it (percentages and one-decimal numbers formatted)."""
    if cell.value is None:
        return ""
    if cell.number_format == "0.0%":
        return f"{cell.value * 100:.1f}%"
    if cell.number_format == "0.0":
        return f"{cell.value:.1f}"
    return str(cell.value)


def test_page_csv_xlsx_and_json_agree(app, db, tree, managers):
    client = login(app.test_client(), db, managers["p"])
    page = client.get("/reports/coverage", query_string={"unit": tree["p"].id, **MONTHLY})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-category="staff"' in html and "4.5%" in html and "50.0%" in html  # 1/22 and 1/2

    units_csv = client.get("/reports/coverage.csv", query_string={"table": "units", "unit": tree["p"].id, **MONTHLY})
    assert units_csv.status_code == 200 and units_csv.mimetype == "text/csv"
    rows = csv_rows(units_csv.data)
    by_code = {r[0]: r for r in rows[1:]}
    # columns: code, name, headcount, registered, enrolled, completed, coverage, trained in period, completions
    # the two managers of the fixture are registered in P and C2 (category manager)
    assert by_code["P"][2:7] == ["10", "2", "0", "0", "0.0%"]
    assert by_code["C1"][2:7] == ["10", "3", "3", "2", "20.0%"]
    assert by_code["C2"][2:7] == ["4", "2", "1", "0", "0.0%"]
    assert by_code[""][2:7] == ["24", "7", "4", "2", "8.3%"]

    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/reports/coverage.xlsx", query_string={"table": "units", "unit": tree["p"].id, **MONTHLY}).data))
    # below the title row, the XLSX shows what the CSV holds (its percentages are typed, formatted 0.0%)
    assert [[shown(c) for c in r] for r in book.active.iter_rows(min_row=2)] == rows

    matrix = csv_rows(client.get("/reports/coverage.csv", query_string={"table": "matrix", "unit": tree["p"].id,
                                                                        **MONTHLY}).data)
    manager_row = next(r for r in matrix if r[0] in ("Manager", "管理人员") or r is matrix[1])
    assert manager_row[1:] == ["1", "0", "0", "0", "0", "0", "0", "0", "1"]

    token = create_api_token(db, user=managers["p"], now=utcnow())
    db.commit()
    body = client.get("/api/v1/reports/coverage", query_string={"unit": tree["p"].id, **MONTHLY},
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    staff = next(c for c in body["categories"] if c["staff_category"] == "staff")
    assert (staff["headcount"], staff["registered"], staff["completed"]) == (22, 4, 1)
    assert {u["unit"]["code"]: u["completed"] for u in body["units"]} == {"P": 0, "C1": 2, "C2": 0}
    validate(body, "CoverageReport")


def validate(body, schema_name):
    """The body conforms to the OpenAPI document's (closed) schema."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": DOCUMENT["components"]}
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)]
    assert errors == []


@pytest.mark.parametrize("path", [
    "/reports/coverage?unit={p}", "/reports/coverage.csv?unit={p}&table=units", "/reports/coverage.xlsx?unit={c1}",
    "/reports/courses?unit={p}", "/reports/courses.csv?unit={d1}", "/reports/courses/A-101?unit={p}",
    "/reports/courses/A-101/units.xlsx?unit={c1}", "/reports/learners?unit={p}", "/reports/learners.csv?unit={c1}",
    "/reports/learners/{u1}", "/reports/learners/{u1}/transcript.csv",
])
def test_a_city_manager_cannot_reach_outside_their_subtree(app, db, tree, managers, path):
    client = login(app.test_client(), db, managers["c2"])
    ids = {k: v.id for k, v in tree.items()}
    assert client.get(path.format(**ids)).status_code == 404
    # while the province manager can
    assert login(app.test_client(), db, managers["p"]).get(path.format(**ids)).status_code == 200


def test_city_manager_default_view_and_exports_stay_inside(app, db, tree, managers):
    client = login(app.test_client(), db, managers["c2"])
    rows = csv_rows(client.get("/reports/coverage.csv", query_string={"table": "units", **MONTHLY}).data)
    assert [r[0] for r in rows[1:]] == ["C2", ""]  # C2's own staff and the total: nothing of P, C1, D1
    people = csv_rows(client.get("/reports/learners.csv").data)
    assert sorted(r[0] for r in people[1:]) == ["mgr-c2", "u4", "u6"]
    token = create_api_token(db, user=managers["c2"], now=utcnow())
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/reports/coverage?unit={tree['p'].id}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/reports/learners/{tree['u1'].id}/transcript", headers=auth).status_code == 404
    assert client.get(f"/api/v1/reports/learners/{tree['u4'].id}/transcript", headers=auth).status_code == 200
    assert client.get("/api/v1/reports/coverage").status_code == 401  # no token: the cookie is no credential


def test_learner_sees_own_transcript_only(app, db, tree):
    client = login(app.test_client(), db, tree["u3"])
    page = client.get(f"/reports/learners/{tree['u3'].id}")
    assert page.status_code == 200 and "A-101" in page.get_data(as_text=True) and "B-101" in page.get_data(as_text=True)
    assert client.get(f"/reports/learners/{tree['u1'].id}").status_code == 404
    assert client.get("/reports/coverage").status_code == 403
    rows = csv_rows(client.get(f"/reports/learners/{tree['u3'].id}/transcript.csv").data)
    assert sorted(r[0] for r in rows[1:]) == ["A-101", "B-101"]
    assert sorted(r[3] for r in rows[1:]) == ["2026-03-05", "2026-04-20"]


def test_course_report_figures(app, db, tree, managers):
    from lms.reports import services

    u2 = tree["u2"]
    # u2 is enrolled in A-101 without completing: 1 in progress
    rows = {r.course.code: r.figures for r in services.course_report(db, tree["p"], services.Period(end=202606),
                                                                      now=datetime(2026, 6, 30))}
    a = rows["A-101"]
    assert (a.enrolled, a.completed, a.in_progress) == (3, 2, 1)  # u1, u3 completed; u6 deactivated
    assert a.median_days == pytest.approx(1.0)  # enrolled a day before completing (see tree fixture)
    assert a.pass_rate is None  # no quiz
    total, split = services.course_by_unit(db, tree["p"], tree["a"], services.Period(end=202606), now=datetime(2026, 6, 30))
    assert (total.enrolled, total.completed) == (3, 2)
    assert {r.unit.code: r.figures.enrolled for r in split} == {"P": 0, "C1": 3, "C2": 0}
    learning.enrol(db, user_id=u2.id, course=tree["b"], now=datetime(2026, 6, 1))
    db.commit()
    assert services.course_report(db, tree["d1"], services.Period(end=202606), now=datetime(2026, 6, 30))[1].figures.enrolled >= 1


def test_median_is_the_middle_value(db, tree):
    from lms.reports import services
    from tests.reports.conftest import complete

    # three more learners in C2 complete B after 1, 5 and 30 days: with u4 (1 day) the median is 3 days
    for days, name in ((5, "m1"), (30, "m2"), (1, "m3")):
        user = make_user(db, username=name, staff_category="staff", org_unit_id=tree["c2"].id)
        learning.enrol(db, user_id=user.id, course=tree["b"], now=datetime(2026, 5, 1))
        for lesson in tree["b"].lessons:
            learning.complete_lesson(db, user_id=user.id, lesson=lesson, now=datetime(2026, 5, 1 + days) if days < 30 else datetime(2026, 5, 31))
    db.commit()
    fig = services._course_figures(db, tree["c2"].path, datetime(2026, 7, 1), course_id=tree["b"].id, by_child=False)
    assert fig[(tree["b"].id,)].median_days == pytest.approx(3.0)  # (1 + 5) / 2 of 1, 1, 5, 30
    assert complete  # the helper is shared with the other tests


def test_exports_neutralise_formulas():
    table = exports.ExportTable("t", "T", ["=cmd", "name"], [["+1", "@SUM(A1)"], ["-2", "\tx"], ["\rx", "safe"], [-3, 4.5]])
    rows = csv_rows(exports.to_csv(table))
    assert rows[0][0] == "'=cmd" and rows[1] == ["'+1", "'@SUM(A1)"] and rows[2] == ["'-2", "'\tx"]
    assert rows[3][0] == "'\rx" and rows[4] == ["-3", "4.5"]  # numbers stay numbers
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table))).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]  # the title row, the header, the rows
    assert values[0] == ["T", None] and values[1] == ["'=cmd", "name"]
    assert values[2] == ["'+1", "'@SUM(A1)"] and values[5] == [-3, 4.5]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_charts_are_valid_svg_with_expected_marks():
    bars = charts.coverage_bars("覆盖率 <&>", [("管理人员", 0.5), ("Common staff", None), ("业务人员", 1.25)])
    root = ET.fromstring(str(bars))
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text == "覆盖率 <&>"
    drawn = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert [float(r.get("data-value")) for r in drawn] == [0.5, 1.25]
    assert "style" not in str(bars) and "Noto Sans CJK SC" in root.get("font-family")
    heat = ET.fromstring(str(charts.heatmap("矩阵", ["a", "b", "c"], ["x", "y", "z"], [[1, 2, 3], [0, 0, 9], [4, 5, 6]])))
    assert [int(r.get("data-value")) for r in heat.iter(f"{SVG}rect") if r.get("class") == "cell"] == [1, 2, 3, 0, 0, 9, 4, 5, 6]
    line = ET.fromstring(str(charts.line_chart("每月", [("2026-01", 3), ("2026-02", 0), ("2026-03", 7)])))
    assert [int(c.get("data-value")) for c in line.iter(f"{SVG}circle")] == [3, 0, 7]
    assert len(line.find(f"{SVG}polyline").get("points").split()) == 3


def test_coverage_page_charts_match_the_report(app, db, tree, managers):
    client = login(app.test_client(), db, managers["p"])
    html = client.get("/reports/coverage", query_string={"unit": tree["p"].id, **MONTHLY}).get_data(as_text=True)
    svgs = [ET.fromstring(html[i:html.index("</svg>", i) + 6]) for i in _find_all(html, "<svg ")]
    assert len(svgs) == 3
    bars = [float(r.get("data-value")) for r in svgs[0].iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert bars == pytest.approx([0.5, 1 / 22], abs=1e-4)  # manager, staff (professional, correspondent: no headcount)
    cells = [int(r.get("data-value")) for r in svgs[1].iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert cells == [2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [int(c.get("data-value")) for c in svgs[2].iter(f"{SVG}circle")] == [0, 1, 1, 1]  # Jan-Apr (u6 is deactivated)
    assert cell_column("transversal", "information") in html


def _find_all(text, needle):
    i = text.find(needle)
    while i != -1:
        yield i
        i = text.find(needle, i + 1)


def test_bad_filters_are_refused(app, db, tree, managers):
    client = login(app.test_client(), db, managers["p"])
    for query in ({"start": "2026-13"}, {"end": "x"}, {"category": "boss"}, {"unit": "-1"},
                  {"start": "2026-05", "end": "2026-01"}):
        assert client.get("/reports/coverage", query_string=query).status_code == 400, query
    assert client.get("/reports/coverage.csv?table=secrets").status_code == 400


def test_a_unit_with_many_children_is_paged_and_its_export_holds_them_all(client, db, tree):
    from sqlalchemy import insert

    from lms.db import table_of
    from lms.orgs.models import OrgUnit

    parent = tree["p"]
    db.execute(insert(table_of(OrgUnit)), [
        {"code": f"K{i:04d}", "name": f"县{i}", "level": "county", "kind": "social_insurance", "parent_id": parent.id,
         "path": f"{parent.path}{100000 + i}/", "id": 100000 + i} for i in range(250)])
    admin = make_user(db, username="pager", staff_category="manager", roles=("admin",), org_unit_id=parent.id)
    db.commit()
    login(client, db, admin)

    def unit_rows(page):
        html = client.get(f"/reports/coverage?unit={parent.id}&page={page}").get_data(as_text=True)
        return re.findall(r'data-unit="([^"]+)"', html)

    from sqlalchemy import func, select

    children = db.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == parent.id))
    db.rollback()
    first, last = unit_rows(1), unit_rows(4)  # page 4 of 3 shows the last page
    assert len(first) == 101 and first[0] == parent.code  # the unit's own staff, then 100 children
    assert len(last) == 1 + children - 200
    assert not set(first[1:]) & set(last[1:])
    rows = csv_rows(client.get(f"/reports/coverage.csv?unit={parent.id}&table=units").data)
    assert len([r for r in rows if r and r[0].startswith("K")]) == 250


def test_a_wrong_period_is_said_beside_the_filters_as_typed(app, db, tree):
    from tests.builders import make_user as _make_user
    from tests.web.helpers import login as _login

    _make_user(db, username="period-boss", roles=("manager",), staff_category="manager", org_unit_id=tree["p"].id,
               language="en")
    db.commit()
    client = app.test_client()
    _login(client, "period-boss")
    response = client.get("/reports/coverage", query_string={"unit": tree["p"].id, "category": "staff",
                                                             "start": "2026-13", "end": "2026-03"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The first month must be written YYYY-MM" in page
    assert 'name="start" value="2026-13"' in page and 'name="end" value="2026-03"' in page  # as typed
    assert '<option value="staff" selected>' in page  # the other filters kept
    backwards = client.get("/reports/courses", query_string={"start": "2026-05", "end": "2026-03"})
    assert backwards.status_code == 400 and "The first month is after the last one." in backwards.get_data(as_text=True)
    assert client.get("/reports/coverage.csv", query_string={"table": "units", "start": "2026-13"}).status_code == 400
