"""Waiting for SQLite's write lock (lms.db._begin_immediate): a write session
queued behind another writer gets the lock once it is free, the connection's
busy timeout is left as it was, and a lock held past the timeout still ends in
SQLAlchemy's OperationalError (the 503 page)."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import lms.db
from lms.db import BUSY_TIMEOUT_MS, Database


@pytest.fixture
def database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with db.transaction() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield db
    db.dispose()


def _hold_write_lock(path: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    return other


def test_a_queued_writer_gets_the_lock_once_it_is_free(database):
    other = _hold_write_lock(database.engine.url.database)
    releaser = threading.Timer(0.05, other.execute, ("COMMIT",))
    releaser.start()
    with database.transaction() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        busy = session.execute(text("PRAGMA busy_timeout")).scalar()
    releaser.join()
    other.close()
    with database.session() as session:
        assert sorted(session.execute(text("SELECT n FROM t")).scalars()) == [1, 2]
    assert busy == BUSY_TIMEOUT_MS


def test_a_lock_held_too_long_is_an_operational_error(database, monkeypatch):
    monkeypatch.setattr(lms.db, "BUSY_TIMEOUT_MS", 100)
    other = _hold_write_lock(database.engine.url.database)
    try:
        session = database.session(write=True)
        with pytest.raises(OperationalError, match="locked"):
            session.execute(text("INSERT INTO t VALUES (2)"))
        session.close()
    finally:
        other.execute("ROLLBACK")
        other.close()
    with database.session(write=True) as session:  # the connection waits as before
        session.execute(text("INSERT INTO t VALUES (3)"))
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 100
        session.commit()
