"""A training manager assigns a course to their city in a real browser
(JavaScript off); a learner of a district below sees it at the top of My
learning with its due date; the manager sees the progress page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.web import utcnow
from tests import builders
from tests.builders import PASSWORD
from tests.e2e.conftest import screenshot
from tests.orgs.fixtures import build_world

pytestmark = pytest.mark.browser


def _login(page, live_server, username):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    assert page.url.endswith("/my")


def test_manager_assigns_a_course_and_the_learner_sees_it(app, live_server, page, browser):
    with app.extensions["lms_db"].transaction() as session:
        world = build_world(session)
        builders.make_course(session, "T-101", title="养老保险入门")
        builders.make_course(session, "T-102", title="医疗保险入门")

    _login(page, live_server, "njboss")
    page.click("header nav a[href='/manage/assignments']")
    page.click("a[href='/manage/assignments/new']")
    # Tick first, then find the unit without JavaScript: the search posts the
    # form back and nothing ticked is lost; then a radio button.
    page.get_by_label("T-101 · 养老保险入门").check()
    page.check("input[name=categories][value=staff]")
    page.check("input[name=categories][value=correspondent]")
    page.fill("input[name=unit_q]", "XW")
    page.click("button[name=find_unit]")
    assert page.get_by_label("T-101 · 养老保险入门").is_checked()
    assert page.is_checked("input[name=categories][value=staff]") and page.is_checked("input[name=categories][value=correspondent]")
    page.check(f"input[name=org_unit_id][value='{world.units['XW']}']")
    page.fill("input[name=due_on]", (utcnow().date() + timedelta(days=30)).isoformat())
    screenshot(page, "assignment-new")
    page.click("form.assign button.primary")
    screenshot(page, "assignment-created")
    assert "/manage/assignments/" in page.url
    stats = page.inner_text("ul.stats")
    assert "2" in stats.split("\n")[0]  # xwstaff and xwcorr
    screenshot(page, "assignment-progress")
    page.goto(live_server + "/admin/users")
    screenshot(page, "people")
    page.goto(live_server + "/admin/org-units")
    screenshot(page, "org-units")

    context = browser.new_context(java_script_enabled=False, locale="en-GB", viewport={"width": 1100, "height": 900})
    learner = context.new_page()
    try:
        _login(learner, live_server, "xwstaff")
        section = learner.inner_text("section.assigned")
        assert "养老保险入门" in section and "assigned by XW 单位" in section and "due on" in section
        assert "医疗保险入门" not in section
        screenshot(learner, "my-learning-assigned")
        _login_other = browser.new_context(java_script_enabled=False)
        other = _login_other.new_page()
        _login(other, live_server, "szstaff")  # another city: nothing assigned
        assert other.locator("section.assigned").count() == 0
        _login_other.close()
    finally:
        context.close()
