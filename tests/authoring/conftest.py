"""The client-test fixtures of tests/web, shared with the authoring tests."""
from tests.web.conftest import build, enrol, make_course, make_user, query  # noqa: F401
