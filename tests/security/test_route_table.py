"""Every route x every role -> the expected status (security.md C, D).

A new route that is not in ROUTES fails `test_every_route_is_in_the_table`.
The same walk checks that GET requests leave the database unchanged and that
every cookie-authenticated POST is refused without a CSRF token.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from lms import create_app
from lms.auth.services import create_api_token, start_login_session
from lms.learn import services as learning
from lms.models import Base
from lms.web import utcnow
from tests.builders import make_course, make_user

ROLES = ("anonymous", "learner", "other_learner", "author", "manager", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def page(ok, others=None):
    """An HTML page for signed-in users: the anonymous are sent to log in."""
    table = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, ok)}
    if others is not None:
        table.update(dict.fromkeys(("other_learner", "author", "manager", "admin"), others))
    return table


def api(ok, others=None):
    table = {"anonymous": 401, **dict.fromkeys(SIGNED_IN, ok)}
    if others is not None:
        table.update(dict.fromkeys(("other_learner", "author", "manager", "admin"), others))
    return table


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    expect: dict
    data: dict | None = None
    json: dict | None = None


# "the learner" is enrolled in course T-101 and owns attempt {attempt}; the
# other roles are not enrolled and own nothing.
ROUTES = [
    Route("catalog.index", "GET", "/", everyone(200)),
    Route("catalog.course", "GET", "/courses/T-101", everyone(200)),
    Route("health.healthz", "GET", "/healthz", everyone(200)),
    Route("static", "GET", "/static/app.css", everyone(200)),
    Route("auth.login", "GET", "/auth/login", everyone(200)),
    Route("auth.login", "POST", "/auth/login", everyone(401), data={"username": "nobody", "password": "wrong password"}),
    Route("auth.logout", "POST", "/auth/logout", page(302)),
    Route("auth.password", "GET", "/auth/password", page(200)),
    Route("auth.password", "POST", "/auth/password", page(200), data={"current": "wrong", "new": "x"}),
    Route("auth.language", "POST", "/auth/language", everyone(302), data={"language": "en"}),
    Route("learn.enrol", "POST", "/courses/T-101/enrol", page(302)),
    Route("learn.lesson", "GET", "/courses/T-101/lessons/lesson-1", page(200, others=302)),
    Route("learn.complete_lesson", "POST", "/courses/T-101/lessons/lesson-1/done", page(302)),
    Route("learn.quiz", "GET", "/courses/T-101/quiz", page(200, others=302)),
    Route("learn.start_attempt", "POST", "/courses/T-101/quiz/start", page(302)),
    Route("learn.attempt", "GET", "/attempts/{attempt}", page(200, others=404)),
    Route("learn.attempt", "POST", "/attempts/{attempt}", page(302, others=404), data={}),
    Route("learn.my_learning", "GET", "/my", page(200)),
    Route("api.openapi", "GET", "/api/v1/openapi.json", everyone(200)),
    Route("api.courses", "GET", "/api/v1/courses", everyone(200)),
    Route("api.catalog_matrix", "GET", "/api/v1/catalog/matrix", everyone(200)),
    Route("api.course_detail", "GET", "/api/v1/courses/T-101", everyone(200)),
    Route("api.enrol", "POST", "/api/v1/courses/T-101/enrolment", api(200, others=201), json={}),
    Route("api.enrolment", "GET", "/api/v1/courses/T-101/enrolment", api(200, others=404)),
    Route("api.lesson", "GET", "/api/v1/courses/T-101/lessons/lesson-1", api(200, others=403)),
    Route("api.complete_lesson", "POST", "/api/v1/courses/T-101/lessons/lesson-1/completion", api(200, others=403), json={}),
    Route("api.start_attempt", "POST", "/api/v1/courses/T-101/quiz/attempts", api(200, others=403), json={}),
    Route("api.attempt", "GET", "/api/v1/attempts/{attempt}", api(200, others=404)),
    Route("api.submit_attempt", "POST", "/api/v1/attempts/{attempt}/submission", api(200, others=404), json={"answers": {}}),
    Route("api.me", "GET", "/api/v1/me", api(200)),
    Route("api.my_learning", "GET", "/api/v1/me/learning", api(200)),
]


def _route_keys(app) -> set[tuple[str, str]]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys.add((rule.endpoint, method))
    return keys


def test_every_route_is_in_the_table(app):
    assert _route_keys(app) == {(r.endpoint, r.method) for r in ROUTES}


def test_every_view_declares_who_may_reach_it(app):
    """Each view carries a decorator of lms.permissions (static files are public)."""
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not getattr(view, "access_rule", None)]
    assert missing == []


@pytest.fixture
def world(db, now):
    learner = make_user(db, username="learner")
    users = {
        "learner": learner,
        "other_learner": make_user(db, username="other"),
        "author": make_user(db, username="author", roles=("author",), staff_category="professional"),
        "manager": make_user(db, username="manager", roles=("manager",), staff_category="manager"),
        "admin": make_user(db, username="admin", roles=("admin",), staff_category="manager"),
    }
    course = make_course(db, "T-101")
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    attempt = learning.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    real_now = utcnow()  # login sessions age by the server clock
    sessions = {role: start_login_session(db, user=user, now=real_now) for role, user in users.items()}
    tokens = {role: create_api_token(db, user=user, now=real_now) for role, user in users.items()}
    db.commit()
    return {"attempt": attempt.id, "sessions": sessions, "tokens": tokens}


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as s:
            s["_user_id"], s["_fresh"], s["seen"] = world["sessions"][role], True, int(time.time())
    return client


def _call(client, world, role, route: Route, *, with_token=True):
    headers = {}
    if route.path.startswith("/api/") and role != "anonymous" and with_token:
        headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    return client.open(route.path.format(**world), method=route.method, headers=headers,
                       data=route.data, json=route.json)


def fingerprint(session, *, skip=("audit_events",)) -> str:
    """A digest of every row of every table (but the audit log)."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        for row in session.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    session.rollback()
    return digest.hexdigest()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route_answers_each_role_as_expected(app, db, world, route, role):
    client = _client_for(app, world, role)
    before = fingerprint(db) if route.method == "GET" else None
    response = _call(client, world, role, route)
    response.close()  # static files are streamed from an open file
    assert response.status_code == route.expect[role], response.get_data(as_text=True)[:500]
    if response.status_code == 302 and route.expect[role] == 302 and role == "anonymous" and route.expect["learner"] != 302:
        assert response.headers["Location"].startswith("/auth/login")
    if route.method == "GET":
        assert fingerprint(db) == before, "a GET changed the database"
    _assert_security_headers(response)


def _assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")


@pytest.fixture
def csrf_app(app_config, database_url):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["lms_db"].dispose()


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST" and not r.path.startswith("/api/")],
                         ids=lambda r: r.endpoint)
def test_every_cookie_post_needs_a_csrf_token(csrf_app, db, world, route):
    client = _client_for(csrf_app, world, "learner")
    before = fingerprint(db)
    response = _call(client, world, "learner", route)
    assert response.status_code == 400
    assert fingerprint(db) == before


def test_api_ignores_session_cookies(app, db, world):
    """The API authenticates by bearer token only: a browser's cookie is no credential there,
    so a forged cross-site request cannot act through it."""
    client = _client_for(app, world, "learner")
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/courses/T-101/enrolment", json={}).status_code == 401
