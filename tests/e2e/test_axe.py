"""axe-core (npm, test-only) finds no serious or critical accessibility
violation on the main pages, as each role that may see them (issue 17.8).
The world and the expected statuses are the route table's."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.security.test_route_table import ROLES, ROUTES, _client_for, app, built_world, route_config, world  # noqa: F401 - fixtures shared with the route table

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
MAIN_PAGES = (
    "/", "/courses/T-101", "/courses/T-101/lessons/lesson-1", "/courses/T-101/quiz", "/attempts/{attempt}", "/my",
    "/auth/login", "/auth/preferences", "/authoring/", "/authoring/courses/T-101", "/authoring/courses/T-101/lessons/lesson-1",
    "/authoring/courses/T-101/quiz/questions/1", "/authoring/courses/T-101/review", "/admin/users", "/admin/org-units",
    "/manage/assignments", "/manage/assignments/new", "/reports/coverage", "/reports/courses?unit={unit}",
    "/reports/learners/{learner}", "/surveys/{survey}/answer", "/surveys/{survey}/needs?unit={unit}&category=staff",
    "/classroom/", "/classroom/sessions/{session}", "/courses/T-101/questions", "/programmes",
)
SEVERE = ("serious", "critical")


def _pages_for(role: str) -> list[str]:
    expected = {r.path: r.expect[role] for r in ROUTES if r.method == "GET"}
    return [p for p in MAIN_PAGES if expected.get(p) == 200]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_main_pages_have_no_serious_accessibility_violation(app, world, browser, role, live_server):  # noqa: F811 - the route table's fixtures
    if not AXE.exists():
        skip_or_fail("axe-core is not installed (npm install, from the Makefile's test target)")
    base = live_server
    # The pages need no JavaScript; axe does, and it is injected past the pages' CSP.
    context = browser.new_context(java_script_enabled=True, bypass_csp=True, locale="zh-CN")
    try:
        if role != "anonymous":
            client = _client_for(app, world, role)
            name = app.config["SESSION_COOKIE_NAME"]
            context.add_cookies([{"name": name, "value": client.get_cookie(name).value, "url": base}])
        page = context.new_page()
        problems = []
        pages = _pages_for(role)
        assert pages, role
        for path in pages:
            response = page.goto(base + path.format(**world))
            assert response is not None and response.status == 200, (role, path)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
            for v in violations:
                if v["impact"] in SEVERE:
                    targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
                    problems.append(f"{path}: {v['id']} ({v['impact']}): {v['help']} at {targets}")
        assert problems == [], f"{role}:\n" + "\n".join(problems)
    finally:
        context.close()
