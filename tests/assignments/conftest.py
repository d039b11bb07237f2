from tests.orgs.fixtures import course_id, world  # noqa: F401 - fixtures
