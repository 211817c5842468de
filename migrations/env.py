"""Alembic environment: the database URL comes from the app, the target from clinic.models."""

from __future__ import annotations

from alembic import context

from clinic import models  # noqa: F401  (registers the tables)
from clinic.db import Model, make_engine

config = context.config
target_metadata = Model.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes["database_url"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["database_url"])
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name != "sqlite":
        _migrate(connection)
        return
    # SQLite's batch mode copies a table, drops the old one and renames the copy; with foreign
    # keys enforced, that DROP would delete (ON DELETE CASCADE) or refuse the rows that point at
    # the table. The checks are off while migrating (set on the driver's connection: the pragma
    # does nothing inside a transaction) and every reference is checked after.
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
