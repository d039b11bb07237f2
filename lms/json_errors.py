"""The JSON shape of an error under /api/: {"error", "message", "request_id"}.

Kept apart from lms.api so that lms.web can answer the app-wide errors (400,
403, 404, 405, 413, 429, 500, 503) of /api/ paths in JSON without importing
the API's views."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

MESSAGES = {400: "bad request", 401: "authentication required", 403: "forbidden", 404: "not found",
            405: "method not allowed", 409: "conflict", 413: "payload too large", 415: "unsupported media type",
            422: "unprocessable", 429: "too many requests", 500: "internal error", 503: "service unavailable"}


def api_error(code: int, message: str | None = None):
    body = {"error": MESSAGES.get(code, "error"), "message": message or MESSAGES.get(code, "error")}
    if g.get("request_id"):
        body["request_id"] = g.request_id
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif code == 405:
        allowed = _allowed_methods()
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response


def _allowed_methods() -> list[str]:
    try:
        adapter = current_app.create_url_adapter(request)
        return sorted(adapter.allowed_methods()) if adapter is not None else []
    except (NotFound, MethodNotAllowed):  # pragma: no cover - allowed_methods catches these itself
        return []
