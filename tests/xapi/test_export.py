"""GET /api/v1/xapi/statements and the managers' download: everyone reads their
own statements, a manager those of their subtree, an administrator all; the
filters and the `more` link page through them as an xAPI Statement Resource."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import NOW
from tests.web.helpers import login
from tests.xapi.conftest import bearer, journey
from tests.xapi.validator import problems

URL = "/api/v1/xapi/statements"


@pytest.fixture
def learned(world, build):
    """alice (C1) and bob (C2) each did the whole course (6 statements each, the certificate earned included); mgr (C1) did it too."""
    journey(build, world.users["alice"], world.course_id, start=NOW)
    journey(build, world.users["bob"], world.course_id, start=NOW + timedelta(hours=1))
    journey(build, world.users["mgr"], world.course_id, start=NOW + timedelta(hours=2), fail_first=False)
    return world


def names(body) -> dict[str, int]:
    found: dict[str, int] = {}
    for s in body["statements"]:
        name = s["actor"]["account"]["name"]
        found[name] = found.get(name, 0) + 1
    return found


def get(client, world, who: str, query: str = ""):
    return client.get(URL + query, headers=bearer(world.tokens[who]))


def test_each_reader_sees_their_scope(client, learned):
    assert names(get(client, learned, "alice").get_json()) == {"alice": 6}
    assert names(get(client, learned, "bob").get_json()) == {"bob": 6}
    assert names(get(client, learned, "mgr").get_json()) == {"alice": 6, "mgr": 5}  # C1: not bob in C2
    assert names(get(client, learned, "natmgr").get_json()) == {"alice": 6, "bob": 6, "mgr": 5}
    assert names(get(client, learned, "admin").get_json()) == {"alice": 6, "bob": 6, "mgr": 5}
    # Asking for someone outside one's scope shows nothing, as for a person who does not exist.
    assert get(client, learned, "alice", f"?user={learned.users['bob']}").get_json()["statements"] == []
    assert get(client, learned, "mgr", f"?user={learned.users['bob']}").get_json()["statements"] == []
    assert names(get(client, learned, "mgr", f"?user={learned.users['alice']}").get_json()) == {"alice": 6}


def test_the_answer_is_a_statement_result(client, learned):
    response = get(client, learned, "alice")
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    body = response.get_json()
    assert set(body) == {"statements", "more"} and body["more"] == ""
    for statement in body["statements"]:
        assert problems(statement) == []
        assert statement["stored"].endswith("Z")
    stamps = [s["stored"] for s in body["statements"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert client.get(URL).status_code == 401  # bearer token only


def test_pages_follow_more_to_the_end(client, learned):
    seen: list[str] = []
    url = URL + "?limit=4"
    pages = 0
    while url:
        body = client.get(url, headers=bearer(learned.tokens["admin"])).get_json()
        assert len(body["statements"]) <= 4
        seen += [s["id"] for s in body["statements"]]
        url = body["more"]
        pages += 1
        if url:
            assert url.startswith(URL + "?") and parse_qs(urlsplit(url).query)["limit"] == ["4"]
    assert pages == 5 and len(seen) == 17 and len(set(seen)) == 17
    assert seen == [s["id"] for s in get(client, learned, "admin", "?limit=0").get_json()["statements"]]


def test_filters(client, learned):
    passed = get(client, learned, "admin", "?verb=passed").get_json()["statements"]
    assert {s["verb"]["id"] for s in passed} == {"http://adlnet.gov/expapi/verbs/passed"} and len(passed) == 3
    same = get(client, learned, "admin", "?verb=http://adlnet.gov/expapi/verbs/passed").get_json()["statements"]
    assert same == passed
    # stored: bob's statements were stored from NOW + 1 h, mgr's from NOW + 2 h.
    since = (NOW + timedelta(minutes=59)).isoformat() + "Z"
    until = (NOW + timedelta(hours=1, minutes=59)).isoformat() + "+00:00"
    assert names(get(client, learned, "admin", f"?since={since}&until={until.replace('+', '%2B')}").get_json()) == {"bob": 6}
    local = datetime(2026, 3, 2, 19, 0).isoformat() + "%2B08:00"  # = NOW + 2 h in UTC
    assert names(get(client, learned, "admin", f"?since={local}").get_json()) == {"mgr": 5}


@pytest.mark.parametrize("query", ["?since=yesterday", "?until=2026-02-30T00:00:00Z", "?verb=liked", "?user=0",
                                   "?user=abc", "?limit=-1", "?cursor=99999999999", "?since=0001-01-01T00:00:00%2B05:00"])
def test_bad_filters_answer_400_with_a_message(client, learned, query):
    response = get(client, learned, "admin", query)
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_managers_download_their_scope_as_json(client, learned):
    assert login(client, "mgr").status_code == 302
    response = client.get("/xapi/statements.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data(as_text=True))
    assert names(body) == {"alice": 6, "mgr": 5} and body["more"] == ""
    assert all(problems(s) == [] for s in body["statements"])
    only = json.loads(client.get("/xapi/statements.json?verb=completed").get_data(as_text=True))
    assert names(only) == {"alice": 1, "mgr": 1}
    assert client.get("/xapi/statements.json?since=soon").status_code == 400
    page = client.get("/reports/coverage").get_data(as_text=True)
    assert 'href="/xapi/statements.json"' in page


def test_learners_cannot_download(client, learned):
    assert login(client, "alice").status_code == 302
    assert client.get("/xapi/statements.json").status_code == 403
