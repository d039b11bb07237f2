"""Every page of the route table, as each role that may see it, fits a 360 px
phone screen: nothing scrolls sideways but the wide tables inside their own
box (issue 17.1). The world and the expected statuses are the route table's."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot
from tests.security.test_route_table import ROLES, ROUTES, _client_for, app, built_world, route_config, world  # noqa: F401 - fixtures shared with the route table

PHONE = {"width": 360, "height": 740}
# The innermost element that sticks out past the right edge, to say what to fix.
WIDEST = """() => { let found = '';
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !el.closest('table')) found = el.tagName + '.' + el.className + ' ' + Math.round(r.right);
  } return found; }"""
NOT_HTML = (".css", ".csv", ".xlsx", ".ics", ".pdf", ".json", ".gift", ".toml", ".js", "/export")


def _pages_for(role: str) -> list[str]:
    return sorted({r.path for r in ROUTES if r.method == "GET" and r.expect[role] == 200
                   and not r.path.startswith(("/api/", "/media/", "/static/"))
                   and not r.path.split("?")[0].endswith(NOT_HTML)})


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone(app, world, browser, role, live_server):  # noqa: F811 - the route table's fixtures



    base = live_server
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", viewport=PHONE)
    try:
        if role != "anonymous":
            client = _client_for(app, world, role)
            name = app.config["SESSION_COOKIE_NAME"]
            context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": base}])
        page = context.new_page()
        too_wide = []
        for path in _pages_for(role):
            response = page.goto(base + path.format(**world))
            assert response is not None and response.status == 200, (role, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                culprit = page.evaluate(WIDEST)
                too_wide.append(f"{path} ({width} px: {culprit})")
                screenshot(page, f"phone-{role}-{path.strip('/').replace('/', '_').replace('?', '_')[:80]}")
        assert too_wide == [], f"{role}: pages wider than {PHONE['width']} px: {too_wide}"
    finally:
        context.close()
