"""CSRF protection switched on, as in production."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.learn.models import Enrolment
from tests.builders import PASSWORD
from tests.web.helpers import csrf_token, location, text


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_post_without_token_is_refused_and_with_token_works(app, client, make_user, make_course, query):
    username = make_user()
    make_course("CS-101")

    def enrolments():
        return query(lambda s: s.scalar(select(func.count()).select_from(Enrolment)))

    # Logging in needs the token too.
    refused = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert refused.status_code == 400
    token = csrf_token(text(client.get("/auth/login")))
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and location(response) == "/my"

    refused = client.post("/courses/CS-101/enrol")
    assert refused.status_code == 400
    refused = client.post("/courses/CS-101/enrol", data={"csrf_token": "forged"})
    assert refused.status_code == 400
    assert enrolments() == 0

    # A token minted for another browser session is not accepted either.
    stranger = app.test_client()
    foreign = csrf_token(text(stranger.get("/auth/login")))
    assert client.post("/courses/CS-101/enrol", data={"csrf_token": foreign}).status_code == 400
    assert enrolments() == 0

    page = text(client.get("/courses/CS-101"))
    assert 'action="/courses/CS-101/enrol"' in page
    response = client.post("/courses/CS-101/enrol", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert location(response) == "/courses/CS-101/lessons/lesson-1"
    assert enrolments() == 1

    # Logging out without the token leaves the session alive.
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/my").status_code == 200
