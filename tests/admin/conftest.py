from tests.orgs.fixtures import build, course_id, query, world  # noqa: F401 - fixtures
