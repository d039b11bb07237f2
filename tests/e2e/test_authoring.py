"""In a real browser, JavaScript off: an author writes a lesson, previews it,
submits it; another author reviews and publishes; a learner reads it."""
from __future__ import annotations

import pytest

from tests.builders import PASSWORD, TERMS, make_user
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def _logout(page):
    page.click("header form[action$='/logout'] button")


def test_author_writes_reviewer_publishes_learner_reads(app, db, live_server, page):
    make_user(db, username="zhou", roles=("learner", "author"), staff_category="professional")
    make_user(db, username="sun", roles=("learner", "author"), staff_category="professional")
    make_user(db, username="wang", staff_category="staff")
    db.commit()

    _login(page, live_server, "zhou")
    page.goto(live_server + "/authoring/new")
    page.fill("input[name=code]", "TR-DESK-101")
    page.fill("input[name=title]", "窗口接待基本功")
    page.select_option("select[name=skill_type]", "transversal")
    page.select_option("select[name=target_level]", "capacity")
    for name, value in TERMS.items():
        page.fill(f"textarea[name={name}]", value)
    page.fill("textarea[name=objectives]", "学会规范、耐心地接待办事群众。")
    screenshot(page, "authoring-new-course")
    page.click("form.editor button[type=submit]")
    assert "/authoring/courses/TR-DESK-101" in page.url

    page.click("a[href$='/lessons/new']")
    page.fill("input[name=title]", "第一印象")
    page.fill("input[name=slug]", "first-impression")
    page.fill("textarea[name=body]", "## 三个要点\n\n1. 起身相迎\n2. 主动问候\n3. **一次告知**所需材料\n\n<script>alert(1)</script>")
    page.click("button[value=preview]")
    preview = page.locator("section.preview article.lesson")
    assert preview.locator("h2").inner_text() == "三个要点"
    assert preview.locator("strong").inner_text() == "一次告知"
    assert page.locator("section.preview script").count() == 0
    screenshot(page, "authoring-lesson-preview")
    page.click("button[value=save]")
    page.goto(live_server + "/authoring/courses/TR-DESK-101")
    screenshot(page, "authoring-course")
    page.click("form[action$='/submit'] button")
    page.locator(".status-review").first.wait_for()  # the page after the submission (slow under load)
    assert page.locator(".status-review").count() >= 1
    _logout(page)

    _login(page, live_server, "sun")
    page.goto(live_server + "/authoring/courses/TR-DESK-101/review")
    assert "起身相迎" in page.inner_text("main")
    assert page.locator("ins.diff-ins").count() > 0
    screenshot(page, "authoring-review")
    page.fill("textarea[name=comment]", "内容清楚，同意发布。")
    page.click("form[action$='/approve'] button.primary")
    assert page.locator(".flash.success").count() == 1
    page.goto(live_server + "/authoring/")
    screenshot(page, "authoring-list")
    _logout(page)

    _login(page, live_server, "wang")
    page.goto(live_server + "/courses/TR-DESK-101")
    page.click('form[action$="/enrol"] button')
    article = page.locator("article.lesson")
    assert article.locator("h1").inner_text() == "第一印象"
    assert "一次告知" in article.inner_text() and article.locator("script").count() == 0
    screenshot(page, "authoring-learner-reads")
    page.goto(live_server + "/authoring/")
    assert "403" in page.title() or page.locator("h1").count() == 1  # refused, not an authoring page
    assert page.locator("table.authoring-list").count() == 0
