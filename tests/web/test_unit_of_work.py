"""One unit of work per request (lms.web): committed once after a response
below 400, rolled back on an exception or an error status; refusals that must
be remembered are written in a transaction of their own."""
from __future__ import annotations

import pytest
from flask import Blueprint, abort
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.permissions import public
from lms.web import audit, db_session, record_refusal

probe = Blueprint("uow_probe", __name__, url_prefix="/_uow")


def _write(action: str) -> None:
    audit(action, "probe")
    db_session().flush()


@probe.post("/ok")
@public
def ok():
    _write("uow_ok")
    return "done"


@probe.post("/redirect")
@public
def redirected():
    _write("uow_redirect")
    return "", 302, {"Location": "/"}


@probe.post("/error-status")
@public
def error_status():
    _write("uow_error_status")
    return "refused", 422


@probe.post("/abort")
@public
def aborted():
    _write("uow_abort")
    abort(409)


@probe.post("/crash")
@public
def crash():
    _write("uow_crash")
    raise RuntimeError("boom")


@probe.post("/refusal")
@public
def refusal():
    _write("uow_refused_work")
    record_refusal("uow_refusal", username="someone", detail="kept")
    return "no", 403


@pytest.fixture
def probe_client(app):
    app.register_blueprint(probe)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500, as in production
    return app.test_client()


def _count(query, action: str) -> int:
    return query(lambda s: s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(("path", "action", "status", "kept"), [
    ("/_uow/ok", "uow_ok", 200, 1),
    ("/_uow/redirect", "uow_redirect", 302, 1),
    ("/_uow/error-status", "uow_error_status", 422, 0),
    ("/_uow/abort", "uow_abort", 409, 0),
    ("/_uow/crash", "uow_crash", 500, 0),
])
def test_work_is_committed_only_after_a_successful_response(probe_client, query, path, action, status, kept):
    assert probe_client.post(path).status_code == status
    assert _count(query, action) == kept


def test_a_refusal_is_recorded_although_the_request_rolls_back(probe_client, query):
    assert probe_client.post("/_uow/refusal").status_code == 403
    assert _count(query, "uow_refused_work") == 0
    assert _count(query, "uow_refusal") == 1


def test_views_never_commit():
    """The rule behind the tests above, on the source: no view, API handler or
    service commits; only lms/web.py (requests) and lms/db.py (the CLI's
    transaction()) do."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "lms"
    allowed = {root / "web.py", root / "db.py"}
    offenders = []
    for path in root.rglob("*.py"):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                offenders.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    assert offenders == []
