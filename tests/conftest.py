"""Test fixtures: a database migrated to head once per run (SQLite by default,
PostgreSQL when LMS_DATABASE_URL points at it), emptied after every test.

Every app the tests create (one per test) shares one engine per database URL
(`lms.db.engine_factory`): its statement cache stays warm and its connections
open. Requests and fixtures commit for real, exactly as in production; after a
test only the tables that hold rows are emptied, found by one query. Under
pytest-xdist each worker has its own SQLite file or PostgreSQL database."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

import lms.db
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


# ---- one engine per URL for all the apps of the run -------------------------

_engines: dict[tuple[str, int, int], Engine] = {}


def shared_engine(url: str, *, pool_size: int = 5, pool_timeout: int = 5) -> Engine:
    key = (url, pool_size, pool_timeout)
    engine = _engines.get(key)
    if engine is None:
        connect_url = url
        if url.startswith("postgresql"):
            # Tests need no durability against a crash of the server: a commit
            # does not wait for the WAL to reach the disk.
            connect_url = make_url(url).update_query_dict({"options": "-c synchronous_commit=off"}).render_as_string(
                hide_password=False)
        engine = _engines[key] = lms.db.make_engine(connect_url, pool_size=pool_size, pool_timeout=pool_timeout)
    return engine


@pytest.fixture(scope="session", autouse=True)
def _share_engines():
    lms.db.engine_factory = shared_engine
    yield
    lms.db.engine_factory = None
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


# ---- the database ----------------------------------------------------------

def _worker_database(url: str, worker: str) -> str:
    """A PostgreSQL database of this xdist worker's own, created empty: the URL's
    database name with the worker id appended."""
    own = make_url(url)
    own = own.set(database=f"{own.database}_{worker}")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    return own.render_as_string(hide_password=False)


def _drop_worker_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, _share_engines) -> str:
    url = os.environ.get("LMS_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    own_database = bool(url and worker)
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    elif own_database:
        url = _worker_database(url, worker)
    upgrade(url)
    yield url
    if own_database:
        for key in [k for k in _engines if k[0] == url]:
            _engines.pop(key).dispose()
        _drop_worker_database(url)


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


TABLES = [t.name for t in Base.metadata.sorted_tables]  # parents before children

# Columns that point into their own table (the org tree): emptied first, so the
# rows can go in any order (SQLite checks ON DELETE RESTRICT row by row).
_SELF_REFERENCES = {t.name: [fk.parent.name for fk in t.foreign_keys if fk.column.table is t]
                    for t in Base.metadata.sorted_tables}


def delete_statements(names) -> list[str]:
    """The statements that delete every row of the named tables, children first."""
    statements = []
    for name in TABLES:
        for column in _SELF_REFERENCES[name] if name in names else ():
            statements.append(f"UPDATE {name} SET {column} = NULL WHERE {column} IS NOT NULL")
    statements += [f"DELETE FROM {name}" for name in reversed(TABLES) if name in names]
    return statements


def _sequences(conn) -> list[str]:
    """PostgreSQL: the sequences behind the tables' id columns."""
    names = []
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
            if seq:
                names.append(seq)
    return names


_pg_sequences: dict[str, list[str]] = {}


def writer(database_url: str) -> Engine:
    """The shared engine, taking SQLite's write lock at BEGIN."""
    engine = shared_engine(database_url)
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


def empty_tables(database_url: str) -> list[str]:
    """Delete every row of every table that holds one and, on PostgreSQL,
    restart every id sequence (a fresh database hands out id 1, and a
    rolled-back insert still advances a sequence). One query finds the tables
    with rows, so a test that wrote to two tables costs two deletes. Returns
    the names of the tables emptied."""
    with writer(database_url).begin() as conn:
        has_rows = conn.exec_driver_sql("SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM {name})" for name in TABLES)).one()
        filled = [name for name, flag in zip(TABLES, has_rows, strict=True) if flag]
        statements = delete_statements(filled)
        if conn.dialect.name == "postgresql":
            if database_url not in _pg_sequences:
                _pg_sequences[database_url] = _sequences(conn)
            statements.append("SELECT " + ", ".join(f"setval('{seq}', 1, false)" for seq in _pg_sequences[database_url]))
            conn.exec_driver_sql("; ".join(statements))  # one round trip
        else:
            for statement in statements:
                conn.exec_driver_sql(statement)
    return filled


# ---- the app and sessions ----------------------------------------------------

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
    empty_tables(database_url)


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
            partial = mo_path.with_suffix(f".mo.{os.getpid()}")  # xdist workers may compile at once
            with partial.open("wb") as mo:
                write_mo(mo, catalog)
            partial.replace(mo_path)


# The real-browser fixtures (Playwright + Debian chromium), defined once for every browser test.
from tests.browser import browser, live_server, page  # noqa: E402,F401
