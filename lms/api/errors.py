from flask import jsonify

MESSAGES = {400: "bad request", 401: "authentication required", 403: "forbidden", 404: "not found",
            405: "method not allowed", 409: "conflict", 413: "payload too large", 422: "unprocessable",
            429: "too many requests", 500: "internal error", 503: "service unavailable"}


def api_error(code: int, message: str | None = None):
    return jsonify(error=MESSAGES.get(code, "error"), message=message or MESSAGES.get(code, "error")), code
