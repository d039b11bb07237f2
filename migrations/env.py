"""Alembic environment: migrates the database named by the caller's URL."""
from alembic import context

from lms.db import make_engine
from lms.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it to a new one and dropping the old:
        # with foreign keys on, that DROP would cascade and empty every table
        # pointing at it (lessons, enrolments, attempts...). Off for the migration
        # (the pragma only takes effect outside a transaction), back on after.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
    try:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
