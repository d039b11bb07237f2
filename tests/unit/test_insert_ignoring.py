"""lms.dbutil.insert_ignoring_statement: on SQLite the dialect's INSERT ... ON
CONFLICT DO NOTHING is compiled once into a text statement with typed parameters
(SQLAlchemy would compile the dialect's insert() on every execution); it sends the
same SQL, converts values as the columns do, and adds a row once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from lms.dbutil import insert_ignoring_duplicates, insert_ignoring_statement

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("code", String(10)),
              Column("at", DateTime), Column("data", JSON), UniqueConstraint("code"))
with_default = Table("with_default", metadata, Column("id", Integer, primary_key=True), Column("code", String(10)),
                     Column("kind", String(10), default="plain"), UniqueConstraint("code"))


class Item:  # what insert_ignoring_duplicates reads of a model: its table
    __table__ = items


def test_the_same_sql_once_compiled_with_typed_parameters(tmp_path):
    keys = ("code", "at", "data")
    stmt = insert_ignoring_statement(items, "sqlite", ("code",), keys)
    assert isinstance(stmt, TextualSelect)
    assert stmt is insert_ignoring_statement(items, "sqlite", ("code",), keys)  # built once
    dialect_sql = str(sqlite.insert(items).on_conflict_do_nothing(index_elements=["code"]).returning(items.c.id)
                      .compile(dialect=sqlite.dialect(paramstyle="named"), column_keys=list(keys)))
    assert stmt.element.text == dialect_sql

    engine = create_engine(f"sqlite:///{tmp_path / 'items.sqlite3'}")
    metadata.create_all(engine)
    at = datetime(2026, 11, 30, 9, 15, 1, 250000)
    with Session(engine) as session:
        assert insert_ignoring_duplicates(session, Item, {"code": "A", "at": at, "data": {"x": [1]}}, unique=["code"])
        assert not insert_ignoring_duplicates(session, Item, {"code": "A", "at": at, "data": {}}, unique=["code"])
        session.commit()
        rows = session.execute(text("SELECT code, at, data FROM items")).all()
    assert rows == [("A", "2026-11-30 09:15:01.250000", '{"x": [1]}')]  # what the DateTime and JSON types store


def test_a_column_default_keeps_the_dialects_statement():
    stmt = insert_ignoring_statement(with_default, "sqlite", ("code",), ("code",))
    assert not isinstance(stmt, TextualSelect)  # the default's parameter would be missing from a text statement


def test_postgresql_gets_plain_parameters_its_dialect_casts_as_before():
    keys = ("code", "at", "data")
    stmt = insert_ignoring_statement(items, "postgresql", ("code",), keys)
    assert isinstance(stmt, TextualSelect)
    dialect = psycopg.dialect()
    before = postgresql.insert(items).on_conflict_do_nothing(index_elements=["code"]).returning(items.c.id)
    assert str(stmt.compile(dialect=dialect)) == str(before.compile(dialect=dialect, column_keys=list(keys)))
