"""Small helpers for tests through the Flask test client."""
from __future__ import annotations

import html
import re

from tests.builders import PASSWORD, form_fields


def login(client, username: str, password: str = PASSWORD, next: str | None = None):
    data = {"username": username, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/auth/login", data=data)


def logout(client):
    return client.post("/auth/logout")


def text(response) -> str:
    return response.get_data(as_text=True)


def location(response) -> str:
    return response.headers.get("Location", "")


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no csrf_token in the page"
    return html.unescape(match.group(1))


def attempt_id_from(response) -> int:
    match = re.search(r"/attempts/(\d+)$", location(response))
    assert match, location(response)
    return int(match.group(1))


def layout_of(query, attempt_id: int) -> list:
    """An attempt's layout, read from the database: the key of its tokens (never in a page)."""
    from lms.learn.models import QuizAttempt

    return query(lambda s: s.get(QuizAttempt, attempt_id).layout)


def form_answers(query, attempt_id: int, answers: dict[int, list[int]]) -> dict[str, list[str]]:
    """The quiz form's fields for `answers` ({question id: [option ids]}) in the attempt's tokens."""
    return form_fields(layout_of(query, attempt_id), answers)
