"""Layered configuration and the secret key."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest
from flask import Flask
from sqlalchemy import text

from clinic import ROOT, _configure_secret_key, create_app
from clinic.db import get_engine


def bare_app(tmp_path, **config) -> Flask:
    app = Flask("clinic", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    return app


def test_a_random_key_is_made_once_and_kept_private(tmp_path):
    first = bare_app(tmp_path)
    _configure_secret_key(first)
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) == 64
    second = bare_app(tmp_path)
    _configure_secret_key(second)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


@pytest.mark.parametrize("key", ["dev", "you-will-never-guess", "short-key-123"])
def test_known_or_short_keys_are_refused(tmp_path, key):
    with pytest.raises(RuntimeError, match="too short or well known"):
        _configure_secret_key(bare_app(tmp_path, SECRET_KEY=key))


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_SECRET_KEY", "e" * 64)
    monkeypatch.setenv("CLINIC_PRACTICE_NAME", "Riverside Counseling")
    monkeypatch.setenv("CLINIC_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app()
    assert app.config["PRACTICE_NAME"] == "Riverside Counseling"
    assert app.config["SESSION_IDLE_MINUTES"] == 15
    assert app.config["DATABASE_URL"].endswith("env.sqlite3")
    app.extensions["clinic.db"].kw["bind"].dispose()


def test_the_database_and_its_journal_files_are_private(make_app, tmp_path):
    """Client answers are in these files: only the app's user may read them."""
    path = tmp_path / "instance" / "clinic.sqlite3"
    path.parent.mkdir()
    app = make_app(DATABASE_URL=f"sqlite:///{path}")
    assert app.test_cli_runner().invoke(args=["db-upgrade"]).exit_code == 0
    with app.app_context(), get_engine().connect() as connection:
        connection.execute(text("CREATE TABLE kept (x)"))  # writes go through the WAL
        connection.commit()
        files = sorted(p.name for p in path.parent.iterdir())
        # -writers: the empty file writers queue on (clinic.sqlite)
        assert files == [
            "clinic.sqlite3",
            "clinic.sqlite3-shm",
            "clinic.sqlite3-wal",
            "clinic.sqlite3-writers",
        ]
        for each in path.parent.iterdir():
            assert stat.S_IMODE(each.stat().st_mode) == 0o600, each


def test_an_existing_readable_database_is_made_private(make_app, tmp_path):
    path = tmp_path / "old.sqlite3"
    for each in (path, tmp_path / "old.sqlite3-wal"):
        each.touch()
        each.chmod(0o644)
    make_app(DATABASE_URL=f"sqlite:///{path}")
    for each in (path, tmp_path / "old.sqlite3-wal"):
        assert stat.S_IMODE(each.stat().st_mode) == 0o600


def test_every_setting_is_documented():
    from pathlib import Path

    from clinic import defaults

    example = (Path(__file__).parent.parent / "config.example.py").read_text()
    documented = {name for name in vars(defaults) if name.isupper()}
    internal = {
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "WTF_CSRF_TIME_LIMIT",
        "WTF_CSRF_SSL_STRICT",
    }
    for name in documented - internal:
        assert f"\n{name} = " in example or f"# {name} = " in example, name


def test_start_up_imports_nothing_slow_it_does_not_need(database_url: str) -> None:
    """Only the commands, the PDF export, reading PDFs and two-step sign-in import these."""
    code = (
        "import sys\n"
        "from clinic import create_app\n"
        f"app = create_app({{'TESTING': True, 'DATABASE_URL': {database_url!r}}})\n"
        "app.test_client().get('/login')\n"
        "slow = ('alembic', 'weasyprint', 'pypdf', 'segno', 'pyotp')\n"
        "heavy = sorted(m for m in slow if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
