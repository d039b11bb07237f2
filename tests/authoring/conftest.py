"""The client-test fixtures of tests/web, shared with the authoring tests."""
from tests.web.conftest import enrol, make_course, make_user  # noqa: F401
