"""Small portable helpers over SQLAlchemy dialect differences."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(session: Session, model, values: dict, *, unique: list[str]) -> bool:
    """INSERT ... ON CONFLICT (unique) DO NOTHING; True when a row was added."""
    table: Table = model.__table__
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing(index_elements=unique)
    # RETURNING, not rowcount: psycopg reports rowcount -1 for this statement.
    return session.execute(stmt.returning(table.c.id)).first() is not None


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
