"""API test helpers: a learner with a bearer token, and a way to call the API."""
from __future__ import annotations

import pytest

from lms.auth.services import create_api_token
from tests.builders import NOW, make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def keys_anywhere(value, *, skip: frozenset[str] = frozenset()) -> set[str]:
    """Every key of every object nested anywhere in a JSON value (not inside the keys in `skip`)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key not in skip:
                found |= keys_anywhere(item, skip=skip)
    elif isinstance(value, list):
        for item in value:
            found |= keys_anywhere(item, skip=skip)
    return found


def leaked_key_names(value) -> set[str]:
    """Keys that name a part of the answer key or feedback. A quiz's `review` object
    (when each part is shown: "immediately"...) names them without holding them."""
    return {k for k in keys_anywhere(value, skip=frozenset({"review"}))
            if "correct" in k.lower() or "feedback" in k.lower()}


@pytest.fixture
def learner(db):
    user = make_user(db, username="api-learner")
    token = create_api_token(db, user=user, now=NOW, name="test")
    db.commit()
    return user, token


@pytest.fixture
def headers(learner) -> dict[str, str]:
    return bearer(learner[1])
