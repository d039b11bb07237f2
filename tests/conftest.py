"""Test fixtures: a database migrated to head once per run (SQLite by default,
PostgreSQL when LMS_DATABASE_URL points at it), emptied after every test."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lms import create_app
from lms.migrate import upgrade
from lms.models import Base

# In CI, a test that would skip for lack of chromium or PostgreSQL fails instead.
REQUIRE_ALL = os.environ.get("LMS_TEST_REQUIRE_ALL") == "1"

NOW = datetime(2026, 3, 2, 9, 0, 0)


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("LMS_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "MEDIA_FOLDER": str(tmp_path / "media"),  # uploaded images stay out of the real instance folder
        "ENVIRON": {"LMS_DATABASE_URL": database_url, "LMS_SECRET_KEY": "test-secret-key"},
    }


@pytest.fixture
def app(app_config, database_url):
    app = create_app(app_config)
    yield app
    app.extensions["lms_db"].dispose()
    _empty_all_tables(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session on the test database; builders flush, tests commit.

    It opens plain (deferred) transactions so that a test reading after a
    commit does not hold SQLite's write lock while the app serves a request."""
    session = app.extensions["lms_db"].session(write=False)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def build(app):
    """build(fn) runs fn(session) in a transaction that commits and returns its
    result: data the app's requests can see (never build through `db`: on
    SQLite its open write transaction would lock the requests out)."""

    def run(fn):
        with app.extensions["lms_db"].transaction() as session:
            return fn(session)

    return run


@pytest.fixture
def query(app):
    """query(fn) runs fn(session) in a read-only session and closes it."""

    def run(fn):
        session = app.extensions["lms_db"].session()
        try:
            return fn(session)
        finally:
            session.close()

    return run


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the message catalogues if they are missing or stale (`make test`
    does this too; a bare `pytest` should not show English to Chinese users)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "lms" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po:
                catalog = read_po(po)
            with mo_path.open("wb") as mo:
                write_mo(mo, catalog)
