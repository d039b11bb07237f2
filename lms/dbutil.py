"""Small portable helpers over SQLAlchemy dialect differences."""
from __future__ import annotations

import functools

from sqlalchemy import ClauseElement, ColumnElement, Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(session: Session, model, values: dict, *, unique: list[str]) -> bool:
    """INSERT ... ON CONFLICT (unique) DO NOTHING; True when a row was added."""
    stmt = _insert_ignoring(model.__table__, session.get_bind().dialect.name, tuple(unique))
    if any(isinstance(value, ClauseElement) for value in values.values()):
        return session.execute(stmt.values(**values)).first() is not None  # an SQL expression among the values
    # Plain values are parameters of a statement built once per table: compiled once, too.
    return session.execute(stmt, values).first() is not None


@functools.cache
def _insert_ignoring(table: Table, dialect: str, unique: tuple[str, ...]):
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports rowcount -1 for this statement.
    return module.insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id)


LIKE_ESCAPE = "\\"


def contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with its own % _ and \\ taken literally
    (use with `escape=LIKE_ESCAPE`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def any_contains(text: str, *columns) -> ColumnElement[bool]:
    """Any of `columns` contains `text`, case-insensitively, wildcards escaped."""
    pattern = contains(text)
    return or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in columns))


def bulk_insert(session: Session, table: Table, columns: list[str], rows: list[tuple]) -> None:
    """Many rows at once, in the caller's transaction: COPY on PostgreSQL, one
    executemany on SQLite (load generators; the rows bypass the ORM)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        if raw is None:
            raise RuntimeError("no driver connection")
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # nosec B608 - table and column names are ours
        conn.exec_driver_sql(sql, rows)
