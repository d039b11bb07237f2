"""A province training manager drills down from the province to a district in
a real browser (JavaScript off) and exports the table."""
from __future__ import annotations

import csv
import io

import pytest

from tests.builders import PASSWORD, make_user
from tests.e2e.conftest import screenshot
from tests.reports.conftest import tree  # noqa: F401 - the known report tree

pytestmark = pytest.mark.browser


def test_manager_drills_from_province_to_district_and_exports(app, db, tree, live_server, page):  # noqa: F811
    make_user(db, username="trainer", staff_category="manager", roles=("manager",), org_unit_id=tree["p"].id)
    db.commit()
    page.goto(live_server + "/auth/login")
    page.fill("input[name=username]", "trainer")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")

    page.goto(live_server + "/reports/coverage?start=2026-01&end=2026-06")
    assert "江苏省" in page.inner_text("h1")
    screenshot(page, "reports-coverage-province")
    page.click('tr[data-unit="C1"] a.drill')
    assert "南京市" in page.inner_text("h1")
    page.click('tr[data-unit="D1"] a.drill')
    assert "玄武区" in page.inner_text("h1")
    assert page.locator(".crumbs a").all_inner_texts() == ["江苏省", "南京市"]
    staff = page.locator('table.figures tbody tr[data-category="staff"] td')
    assert staff.all_inner_texts()[:4] == ["6", "2", "2", "1"]  # headcount from June, u1 and u2, u1 trained
    screenshot(page, "reports-coverage-district")

    with page.expect_download() as info:
        page.click('#units a.export[data-format="csv"]')
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[1][0] == "D1" and rows[1][2:6] == ["6", "2", "2", "1"]

    with page.expect_download() as info:
        page.click('#categories a.export[data-format="xlsx"]')
    assert info.value.suggested_filename.endswith(".xlsx")

    page.click('.crumbs a:has-text("江苏省")')
    assert "江苏省" in page.inner_text("h1")
    page.goto(live_server + f"/reports/courses?unit={tree['p'].id}")
    screenshot(page, "reports-courses")
    page.goto(live_server + f"/reports/learners/{tree['u3'].id}")
    screenshot(page, "reports-transcript")
