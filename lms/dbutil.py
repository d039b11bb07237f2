"""Small portable helpers over SQLAlchemy dialect differences."""
from __future__ import annotations

import functools

from sqlalchemy import ClauseElement, ColumnElement, Table, bindparam, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine.interfaces import BindTyping, Dialect
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(session: Session, model, values: dict, *, unique: list[str]) -> bool:
    """INSERT ... ON CONFLICT (unique) DO NOTHING; True when a row was added."""
    table: Table = model.__table__
    dialect = session.get_bind().dialect.name
    if any(isinstance(value, ClauseElement) for value in values.values()):  # an SQL expression among the values
        return session.execute(_insert_ignoring(table, dialect, tuple(unique)).values(**values)).first() is not None
    # Plain values are parameters of a statement built once per table and columns.
    stmt = insert_ignoring_statement(table, dialect, tuple(unique), tuple(values))
    return session.execute(stmt, values).first() is not None


@functools.cache
def _insert_ignoring(table: Table, dialect: str, unique: tuple[str, ...]):
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports rowcount -1 for this statement.
    return module.insert(table).on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id)


@functools.cache
def insert_ignoring_statement(table: Table, dialect: str, unique: tuple[str, ...], keys: tuple[str, ...]):
    """INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING id, built once, to be
    executed with parameters named `keys` (columns of `table`). SQLAlchemy keeps
    no compiled form of the dialects' own insert() (it has no cache key): it was
    compiled anew on every execution, some 0.4 ms each. It is compiled here once,
    to a text statement with typed parameters, whose compiled form is kept: the
    same SQL is sent (PostgreSQL's casts of the parameters are added by the driver's
    dialect as it renders the text). Unless a column default would add a parameter."""
    stmt = _insert_ignoring(table, dialect, unique)
    plain: Dialect
    if dialect == "postgresql":
        plain = postgresql_psycopg.dialect(paramstyle="named")
        plain.bind_typing = BindTyping.NONE  # ":name", not ":name::TYPE" (text() would not see the parameter)
    else:
        plain = sqlite.dialect(paramstyle="named")
    compiled = stmt.compile(dialect=plain, column_keys=list(keys))
    if set(compiled.binds) != set(keys):
        return stmt
    return (text(str(compiled)).bindparams(*(bindparam(key, type_=table.c[key].type) for key in keys))
            .columns(table.c.id))


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
