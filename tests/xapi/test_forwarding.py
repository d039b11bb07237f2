"""With a learning record store configured, every statement is queued in the
outbox in the transaction that records it, and `lms send-xapi` (also run by
`lms send-reminders`) posts it to <endpoint>/statements with the xAPI version
header and Basic authentication; a failure is retried by a later run."""
from __future__ import annotations

import base64
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from lms.assignments.models import OutboxMessage
from tests.xapi.conftest import journey, stored


class Lrs:
    """A learning record store on 127.0.0.1 that records each request and answers
    the queued statuses first (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                lrs.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": json.loads(body)})
                status = lrs.statuses.pop(0) if lrs.statuses else 200
                reply = json.dumps([lrs.requests[-1]["body"]["id"]] if status == 200 else {"error": "busy"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs():
    with Lrs() as server:
        yield server


@pytest.fixture
def app_config(app_config, lrs):
    return {**app_config, "XAPI_ENDPOINT": lrs.url, "XAPI_USERNAME": "lrs-user", "XAPI_PASSWORD": "s3cret 密码"}


def send(app, now):
    from lms.cli import send_xapi

    with app.app_context():
        return send_xapi(now)


def outbox(query):
    return query(lambda s: [(m.kind, m.dedupe_key, m.recipient, json.loads(m.body), m.sent_at is not None, m.attempts,
                             m.last_error) for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))])


def test_statements_are_queued_then_posted_and_a_failure_retried(app, world, build, query, lrs):
    journey(build, world.users["alice"], world.course_id)
    statements = stored(query)
    queued = outbox(query)
    assert [(k, key, to, body) for k, key, to, body, *_ in queued] == [
        ("xapi", f"xapi:{s['id']}", lrs.url, s) for s in statements]

    lrs.statuses = [503]  # the first post fails
    t = datetime(2026, 3, 3, 8, 0)
    assert send(app, t) == {"sent": 5, "failed": 1}
    rows = outbox(query)
    [failed] = [r for r in rows if not r[4]]
    assert failed[5] == 1 and failed[6].startswith("HTTP 503")
    assert send(app, t) == {"sent": 0, "failed": 0}  # not before its back-off
    assert send(app, t + timedelta(minutes=3)) == {"sent": 1, "failed": 0}
    assert all(r[4] for r in outbox(query))
    assert send(app, t + timedelta(hours=1)) == {"sent": 0, "failed": 0}  # each is sent once

    assert len(lrs.requests) == 7
    assert {r["path"] for r in lrs.requests} == {"/xapi/statements"}
    token = base64.b64encode("lrs-user:s3cret 密码".encode()).decode()
    for request in lrs.requests:
        assert request["headers"]["x-experience-api-version"] == "1.0.3"
        assert request["headers"]["authorization"] == f"Basic {token}"
        assert request["headers"]["content-type"].startswith("application/json")
    posted = [r["body"] for r in lrs.requests]
    assert posted[0] == posted[-1] == failed[3]  # the failed one, posted again unchanged
    assert sorted(p["id"] for p in posted[1:]) == sorted(s["id"] for s in statements)


def test_send_reminders_posts_the_statements_too(app, world, build, lrs):
    journey(build, world.users["bob"], world.course_id, fail_first=False)
    result = app.test_cli_runner().invoke(args=["lms", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "xAPI statements: sent 5, failed 0" in result.output  # the certificate earned included
    assert len(lrs.requests) == 5
    assert "sent 0" in app.test_cli_runner().invoke(args=["lms", "send-xapi"]).output


def test_send_xapi_without_an_endpoint_says_so(app_config):
    from lms import create_app

    app = create_app({**app_config, "XAPI_ENDPOINT": ""})
    result = app.test_cli_runner().invoke(args=["lms", "send-xapi"])
    assert result.exit_code == 1 and "LMS_XAPI_ENDPOINT is not set" in result.output
