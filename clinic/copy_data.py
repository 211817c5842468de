"""`flask copy-data URL`: move an installation's data to another database, e.g. to PostgreSQL."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from .db import Model, alembic_config, get_engine, make_engine

BATCH = 500


@click.command("copy-data")
@click.argument("target_url")
@with_appcontext
def copy_data_command(target_url: str) -> None:
    """Copy every row from this app's database into TARGET_URL, which must be empty.

    Stop the app first. TARGET_URL gets the current tables (migrations) before the copy; then
    point DATABASE_URL at it.
    """
    from alembic import command  # only this command needs it: it is slow to import

    command.upgrade(alembic_config(target_url), "head")
    source, target = get_engine(), make_engine(target_url)
    tables = Model.metadata.sorted_tables  # parents before children
    with target.connect() as check:
        filled = [t.name for t in tables if check.scalar(select(func.count()).select_from(t))]
    if filled:
        target.dispose()
        raise click.ClickException(
            "The target database already holds data (" + ", ".join(filled) + "). "
            "Use an empty database."
        )
    copied = {}
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            rows = src.execute(select(table)).mappings()
            count = 0
            while batch := rows.fetchmany(BATCH):
                dst.execute(insert(table), [dict(row) for row in batch])
                count += len(batch)
            copied[table.name] = count
        if dst.dialect.name == "postgresql":
            # Rows came with their ids; the id sequences must continue after them.
            for table in tables:
                if "id" in table.c:
                    dst.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                        )
                    )
    target.dispose()
    total = sum(copied.values())
    click.echo(f"Copied {total} rows in {len(copied)} tables to the new database.")
    click.echo("Now set DATABASE_URL to it and start the app.")
    current_app.logger.info("copy-data: %s", copied)
