"""Command-line tasks for the practice admin."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.engine import make_url

from . import ROOT
from .db import alembic_config, get_db, get_engine
from .sqlite import sqlite_path


def init_app(app: Flask) -> None:
    from .backup import backup_command, restore_command
    from .copy_data import copy_data_command
    from .demo import demo_command

    for command in (
        backup_command,
        restore_command,
        copy_data_command,
        demo_command,
        db_upgrade_command,
        db_revision_command,
        create_counselor_command,
        set_password_command,
        setup_link_command,
        check_worksheets_command,
        send_due_command,
        mail_test_command,
    ):
        app.cli.add_command(command)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command() -> None:
    """Bring the database up to date (creates it on first run)."""
    from alembic import command

    url = current_app.config["DATABASE_URL"]
    before = _revision()
    command.upgrade(alembic_config(url), "head")
    after = _revision()
    where = database_name(url)
    if before is None:
        click.echo(f"Created a new database: {where}")
    elif before != after:
        click.echo(f"Upgraded the database ({where}) from revision {before} to {after}.")
    else:
        click.echo(f"The database is up to date: {where}")


def _revision() -> str | None:
    from alembic.migration import MigrationContext

    with get_engine().connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_name(url: str) -> str:
    """The database as a person would name it: a SQLite file, or the URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return f"{path} (SQLite)"
    return make_url(url).render_as_string(hide_password=True)


@click.command("db-revision")
@click.argument("message")
@with_appcontext
def db_revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True
    )


@click.command("create-counselor")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--admin", is_flag=True, help="May manage counselor accounts.")
@with_appcontext
def create_counselor_command(email: str, name: str, admin: bool) -> None:
    """Add a counselor; the password is asked for, never taken as an argument."""
    from .counselors import add_counselor, email_taken
    from .forms import EMAIL

    if not EMAIL.fullmatch(email.strip()) or len(email.strip()) > 254:
        raise click.ClickException("Please give an email address like name@example.org.")
    if not 1 <= len(name.strip()) <= 120:
        raise click.ClickException("Please give a name of 1 to 120 characters.")
    if email_taken(email):
        raise click.ClickException(f"There is already an account with {email.strip().lower()}.")
    counselor = add_counselor(name, email, _ask_password(), is_admin=admin)
    get_db().commit()
    click.echo(f"{counselor.name} can now sign in with {counselor.email}.")


@click.command("set-password")
@click.option("--email", prompt=True)
@with_appcontext
def set_password_command(email: str) -> None:
    """Give a counselor who forgot their password a new one; the password is asked for, never
    taken as an argument. They are signed out on every device."""
    from . import throttle
    from .audit import record
    from .auth import account_key
    from .counselors import set_password
    from .models import Counselor

    address = email.strip().lower()
    counselor = get_db().scalar(select(Counselor).where(Counselor.email == address))
    if counselor is None:
        raise click.ClickException(f"There is no account with {address}.")
    set_password(counselor, _ask_password("New password"))
    throttle.clear(account_key(address))  # the slowing down after wrong passwords
    record("set_password", counselor)
    get_db().commit()
    if not counselor.active:
        click.echo(f"The password is set, but {counselor.name}'s account is deactivated: an")
        click.echo("admin can reactivate it under Counselors.")
        return
    minutes = current_app.config["LOGIN_THROTTLE_MINUTES"]
    click.echo(f"{counselor.name} can now sign in with the new password; any device signed in")
    click.echo("as them was signed out. After wrong passwords, the browser they were typed in")
    click.echo(f"may have to wait up to {minutes} minutes first.")
    if counselor.totp_secret is not None:
        click.echo("Two-step sign-in stays on: an admin can reset it under Counselors.")


def _ask_password(label: str = "Password") -> str:
    """A password typed twice at the terminal, hidden, until it has a length allowed."""
    from .passwords import MAX_LENGTH, MIN_LENGTH

    while True:
        password: str = click.prompt(label, hide_input=True, confirmation_prompt=True)
        if MIN_LENGTH <= len(password) <= MAX_LENGTH:
            return password
        click.echo(f"Please use {MIN_LENGTH} to {MAX_LENGTH} characters.", err=True)


@click.command("setup-link")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def setup_link_command(base_url: str) -> None:
    """Print a one-time link that creates the first counselor, while there is none."""
    from .counselors import needs_setup
    from .firstrun import issue_setup_token

    _public_url_note(base_url)
    if not needs_setup():
        click.echo(
            "Counselor accounts exist already; sign in at " + base_url.rstrip("/") + "/login"
        )
        return
    token = issue_setup_token()
    get_db().commit()
    rule = "=" * 72
    click.echo(f"\n{rule}")
    click.echo("  First run: open this link in your browser to create the first counselor")
    click.echo("  account. It works once.\n")
    click.secho(f"      {base_url.rstrip('/')}/setup/{token}", bold=True)
    click.echo(f"\n{rule}\n")


def _public_url_note(base_url: str) -> None:
    """Say plainly when links would only work on this computer (`make run` prints this)."""
    from urllib.parse import urlsplit

    host = urlsplit(base_url).hostname or ""
    if current_app.config.get("PUBLIC_URL") or host not in ("127.0.0.1", "localhost", "::1"):
        return
    click.echo("")
    click.echo(
        "Note: PUBLIC_URL is not set and the app serves on this computer only, so partner "
        "links will only work on this computer. Set PUBLIC_URL (https://clinic.example.org) in "
        "instance/config.py before you give links to clients."
    )


@click.command("check-worksheets")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_worksheets_command(paths: tuple[Path, ...]) -> None:
    """Check worksheet files (default: the built-in ones); print every problem."""
    from .worksheets.loader import check_paths

    problems = check_paths(list(paths) or [ROOT / "worksheets"])
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("Every worksheet is fine.")


@click.command("send-due")
@with_appcontext
def send_due_command() -> None:
    """Send the messages that are due (invitations, reminders, notes), then exit.

    Safe to run from cron every few minutes, on several machines at once: each message goes
    out once."""
    from .mail.sending import send_due

    results = send_due()
    summary = ", ".join(f"{count} {status}" for status, count in sorted(results.items()))
    click.echo(f"Messages: {summary or 'none due'}.")


@click.command("mail-test")
@click.argument("address")
@with_appcontext
def mail_test_command(address: str) -> None:
    """Send one test email to ADDRESS now and print the mail server's answer."""
    import smtplib

    from .forms import EMAIL
    from .mail.compose import compose
    from .mail.senders import NotConfigured, Refused, sender_for

    if not EMAIL.fullmatch(address.strip()):
        raise click.ClickException("Please give an email address like name@example.org.")
    try:
        answer = sender_for("email").send(compose("test", address.strip()))
    except (NotConfigured, Refused, OSError, smtplib.SMTPException) as exc:
        raise click.ClickException(f"Not sent: {type(exc).__name__}: {exc}") from exc
    click.echo(f"Sent to {address.strip()}. The mail server answered: {answer}")
