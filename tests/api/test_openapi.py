"""The OpenAPI document: it describes every /api/v1 route, and the app keeps
its promises (schemathesis, in-process, over every operation)."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance

from lms.api.openapi import DOCUMENT
from lms.auth.services import create_api_token
from tests.builders import NOW, make_course, make_user

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def api_rules(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every API rule in the url map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        for method in rule.methods - IGNORED_METHODS:
            found.add((method.lower(), path))
    return found


def documented(document) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


def test_document_is_served_and_public(client):
    res = client.get(f"{PREFIX}/openapi.json")
    assert res.status_code == 200
    assert res.get_json() == DOCUMENT
    assert res.get_json()["openapi"].startswith("3.")
    scheme = DOCUMENT["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert DOCUMENT["security"] == [{"bearerAuth": []}]


def test_every_api_route_is_documented(app):
    rules = api_rules(app)
    assert len(rules) >= 13
    missing = rules - documented(DOCUMENT)
    assert not missing, f"routes missing from lms/api/openapi.py: {sorted(missing)}"
    stale = documented(DOCUMENT) - rules
    assert not stale, f"documented operations with no route: {sorted(stale)}"


def test_route_check_notices_a_missing_route(app):
    """The check above would fail if a view were added without its document entry."""
    trimmed = {**DOCUMENT, "paths": {k: v for k, v in DOCUMENT["paths"].items() if k != "/me"}}
    assert ("get", "/me") in api_rules(app) - documented(trimmed)


def test_every_operation_documents_its_answers(app):
    refs = DOCUMENT["components"]["responses"]
    for path, item in DOCUMENT["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            assert op["operationId"] and op["summary"]
            assert params == {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}, (method, path)
            codes = set(op["responses"])
            assert "401" in codes and "500" in codes and "503" in codes, (method, path)
            assert any(c.startswith("2") for c in codes)
            for code, response in op["responses"].items():
                if "$ref" in response:
                    assert response["$ref"].rsplit("/", 1)[1] in refs
                else:
                    assert response["content"]["application/json"]["schema"], (method, path, code)
            if method == "post" and path.endswith("/submission"):
                assert op["requestBody"]["required"] is True


def test_schemas_declare_required_properties():
    for name, schema in DOCUMENT["components"]["schemas"].items():
        if schema.get("type") == "object" and schema.get("properties"):
            assert schema.get("required"), name


# ---- schemathesis ------------------------------------------------------------------

MAX_EXAMPLES = 40  # generated cases per operation and mode; the whole run stays well under a minute
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
SETTINGS = settings(deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


def journey_order(operation) -> tuple[int, int]:
    """The document's order (enrol before reading lessons, start before submit)."""
    paths = list(DOCUMENT["paths"])
    return paths.index(operation.path), list(DOCUMENT["paths"][operation.path]).index(operation.method.lower())


def test_schemathesis_over_every_operation(app, db):
    """Property-based calls of every operation, with a valid token, against the
    app in-process: the documented examples first (the course T-101 exists, so
    they reach real data), then generated valid and invalid input."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # an exception must show as a 500, not abort the run
    make_course(db, "T-101", lessons=2)
    make_course(db, "T-102", lessons=1, attempts=1, quiz_extra="time_limit_minutes = 10")
    user = make_user(db, username="schemathesis", roles=("learner", "author"))
    token = create_api_token(db, user=user, now=NOW, name="schemathesis")
    db.commit()
    # identity: the in-process client does not undo the compression a browser asks for
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}

    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=journey_order)
    # schemathesis leaves out the document's own endpoint (tested above).
    expected = {f"{method.upper()} {path}" for method, path in documented(DOCUMENT)} - {"GET /openapi.json"}
    assert {op.label for op in operations} == expected

    failures: list[str] = []
    statuses: dict[str, set[int]] = defaultdict(set)

    def call(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[case.operation.label].add(response.status_code)

    for operation in operations:
        runs = [("positive", operation.as_strategy(GenerationMode.POSITIVE), MAX_EXAMPLES)]
        spec = DOCUMENT["paths"][operation.path][operation.method.lower()]
        if spec.get("parameters") or spec.get("requestBody"):  # else there is nothing to get wrong
            runs.append(("negative", operation.as_strategy(GenerationMode.NEGATIVE), MAX_EXAMPLES))
        documented_examples = operation.get_strategies_from_examples()
        if documented_examples:
            runs.insert(0, ("examples", st.one_of(documented_examples), 3))
        for mode, strategy, count in runs:
            @settings(SETTINGS, max_examples=count)
            @given(case=strategy)
            def run(case):
                call(case)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert not failures, "\n\n".join(failures)
    # Not a vacuous run: the documented examples reached real data.
    for label in ("GET /courses", "GET /courses/{code}", "POST /courses/{code}/enrolment",
                  "GET /courses/{code}/enrolment", "GET /courses/{code}/lessons/{slug}",
                  "POST /courses/{code}/lessons/{slug}/completion", "POST /courses/{code}/quiz/attempts", "GET /me"):
        assert statuses[label] & {200, 201}, (label, sorted(statuses[label]))
    assert statuses["GET /courses"] & {400}  # and invalid input was sent too


@pytest.mark.parametrize("path", ["/courses", "/catalog/matrix", "/openapi.json"])
def test_public_routes_need_no_token(client, path):
    assert client.get(PREFIX + path).status_code == 200
