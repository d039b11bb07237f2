"""Database: declarative base, engine and session factory per app.

The engine is created lazily in the process that uses it, so gunicorn workers
never share a connection pool inherited across fork.

SQLite gets WAL, a busy timeout, foreign keys, and explicit BEGIN control:
Python's sqlite3 driver would otherwise start transactions lazily, which makes
"read then write" transactions fail with "database is locked" under load.
Sessions opened for writing issue BEGIN IMMEDIATE (take the write lock first);
read-only sessions issue a plain BEGIN (WAL readers never block).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


T = TypeVar("T")


def must_get(session: Session, model: type[T], ident: Any) -> T:
    """A row that a foreign key or an earlier check guarantees; its absence
    is a bug (or a concurrent delete), never the user's input."""
    row = session.get(model, ident)
    if row is None:
        raise LookupError(f"{model.__name__} {ident!r} does not exist")
    return row


def table_of(model: Any) -> Table:
    """A mapped class's Core table, for bulk insert/update/delete statements
    (typed as a Table: SQLAlchemy declares `__table__` as a FromClause)."""
    return cast(Table, model.__table__)


BUSY_TIMEOUT_MS = 10_000


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql(f"BEGIN {mode}")


# Waiting for the write lock. SQLite's own busy handler sleeps 1, 2, 5, 10 ms...
# between tries, so a worker queued behind a write of 2 ms sleeps long after the
# lock is free, its CPU idle. BEGIN IMMEDIATE therefore tries without the busy
# handler and polls every WRITE_LOCK_POLL_S seconds (doubling up to
# WRITE_LOCK_POLL_MAX_S) within the same BUSY_TIMEOUT_MS.
WRITE_LOCK_POLL_S = 0.0001
WRITE_LOCK_POLL_MAX_S = 0.002


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


def _begin_immediate(conn) -> None:
    raw = conn.connection.driver_connection
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = WRITE_LOCK_POLL_S
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    break
            time.sleep(delay)
            delay = min(delay * 2, WRITE_LOCK_POLL_MAX_S)
        # Out of time (or another error): once more through SQLAlchemy, which raises its OperationalError.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def make_engine(url: str, *, pool_size: int = 5, pool_timeout: int = 5) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
    )


# Test support: the test suite builds an app per test and sets this to a
# factory that hands all of them one engine per URL (a warm statement cache, no
# reconnects). It takes make_engine's arguments. None outside the tests.
engine_factory: Callable[..., Engine] | None = None


class Database:
    """Owns one engine per process and hands out sessions."""

    def __init__(self, url: str, *, pool_size: int = 5, pool_timeout: int = 5) -> None:
        self.url = url
        self._pool_size = pool_size
        self._pool_timeout = pool_timeout
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._read: sessionmaker[Session] | None = None
        self._write: sessionmaker[Session] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def engine(self) -> Engine:
        pid = os.getpid()
        if self._engine is None or self._pid != pid:
            with self._lock:
                if self._engine is None or self._pid != pid:
                    if self._engine is not None:
                        # Inherited across fork: drop the parent's connections without closing them.
                        self._engine.dispose(close=False)
                    factory = engine_factory or make_engine
                    engine = factory(self.url, pool_size=self._pool_size, pool_timeout=self._pool_timeout)
                    writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine
                    self._read = sessionmaker(engine, expire_on_commit=False)
                    self._write = sessionmaker(writer, expire_on_commit=False)
                    self._engine, self._pid = engine, pid
        return self._engine

    def session(self, *, write: bool = False) -> Session:
        self.engine  # noqa: B018 - ensures the per-process engine and its factories exist
        factory = self._write if write else self._read
        return factory()  # type: ignore[misc]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on error (CLI, jobs)."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
