"""Hostile input gets a quick, clear answer and changes nothing (issue 13):
bounded request bodies and field counts, ids beyond 64 bits, control
characters in `next`, LIKE wildcards in searches."""
from __future__ import annotations

import io
import time

import pytest

from lms.learn.services import MAX_SUBMISSION_BYTES
from lms.web import MAX_FORM_FIELDS, ORDINARY_BODY_BYTES
from tests.builders import PASSWORD
from tests.web.helpers import location, login, text

FORM = "application/x-www-form-urlencoded"


def test_a_huge_form_body_is_refused_before_it_is_read(client):
    started = time.perf_counter()
    response = client.post("/auth/login", data=b"a&" * (ORDINARY_BODY_BYTES // 2 + 10), content_type=FORM)
    assert response.status_code == 413
    assert time.perf_counter() - started < 5  # a generous bound: only catches parsing the whole body


def test_too_many_form_fields_are_refused(client):
    assert client.post("/auth/login", data=b"a&" * MAX_FORM_FIELDS, content_type=FORM).status_code == 413
    # An ordinary form with a few fields still works.
    assert client.post("/auth/login", data={"username": "nobody", "password": "x" * 10}).status_code == 401


def test_large_bodies_only_where_uploads_go(client, world, build):
    from tests import builders

    build(lambda s: builders.make_user(s, username="author1", roles=("learner", "author")))
    login(client, "author1")
    big = io.BytesIO(b"\0" * (ORDINARY_BODY_BYTES + 100_000))  # over the ordinary limit (under the test client's spooling size)
    upload = client.post("/authoring/import", data={"file": (big, "course.zip")}, content_type="multipart/form-data")
    assert upload.status_code == 422  # read and refused as a bad package, not as too large
    # Quiz submissions carry essays: up to MAX_SUBMISSION_BYTES, never more.
    assert client.post("/api/v1/attempts/1/submission", data=b"{" + b" " * MAX_SUBMISSION_BYTES + b"}",
                       content_type="application/json").status_code == 413
    login(client, "admin")
    assert client.post("/admin/settings", data={"x": "y" * ORDINARY_BODY_BYTES}).status_code == 413


@pytest.mark.parametrize("path", [
    "/attempts/9223372036854775808", "/attempts/2147483648", "/admin/users/100000000000000000000000000000",
    "/reports/learners/99999999999999999999", "/admin/org-units/18446744073709551616",
    "/api/v1/attempts/9223372036854775808",
])
def test_ids_beyond_the_integer_columns_in_paths_are_not_found(client, world, path):
    login(client, "admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["unit=99999999999999999999999", "unit=²", "unit=-1", "page=99999999999999999999",
                                   "page=0", "unit=1e30"])
def test_out_of_range_numbers_in_query_strings_are_ignored(client, world, query):
    login(client, "admin")
    assert client.get(f"/admin/users?{query}").status_code in (200, 404)
    assert client.get(f"/admin/org-units/new?parent={query.split('=')[1]}").status_code == 200
    assert client.get(f"/reports/coverage?{query}").status_code in (200, 400, 404)


def test_an_id_beyond_64_bits_in_a_form_is_a_form_error(app, client, world):
    app.config["SELF_REGISTRATION"] = True
    response = client.post("/auth/register", data={
        "org_unit_id": "100000000000000000000000000000", "staff_category": "staff", "full_name": "张三",
        "username": "zhang", "password": PASSWORD, "confirm": PASSWORD, "language": "zh_CN"})
    assert response.status_code == 422


@pytest.mark.parametrize("target", ["/my\r\nSet-Cookie: x=1", "/my\n", "/\x00", "/%0d%0aLocation: //evil"])
def test_next_with_control_characters_goes_home(client, world, target):
    response = login(client, "xwstaff", next=target)
    assert response.status_code == 302
    assert "\n" not in location(response) and "\r" not in location(response)
    assert location(response).startswith("/") and not location(response).startswith("//")


def test_like_wildcards_in_a_people_search_are_taken_literally(client, world):
    login(client, "admin")
    everyone = text(client.get("/admin/users"))
    assert "xwstaff" in everyone
    for wildcard in ("%", "_", "%%", "\\"):
        assert "xwstaff" not in text(client.get("/admin/users", query_string={"q": wildcard}))
    assert "xwstaff" in text(client.get("/admin/users", query_string={"q": "xw"}))
