"""clinic: worksheets, private partner links and session summaries for couples counselors."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import defaults

ROOT = Path(__file__).resolve().parent.parent
KNOWN_BAD_KEYS = {"dev", "secret", "changeme", "change-me", "you-will-never-guess", "test"}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    # The instance folder holds config.py, the secret key and the SQLite database: instance/
    # beside the code, or where CLINIC_INSTANCE_PATH says (such as /var/lib/clinic).
    instance = os.environ.get("CLINIC_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object(defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("DATABASE_URL"):
            app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
        app.config.from_prefixed_env("CLINIC")
    else:
        app.config.update(test_config)
    _configure_secret_key(app)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'clinic.sqlite3'}"
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])  # type: ignore[method-assign]

    from . import (
        account,
        assignments,
        auditlog,
        auth,
        catalog,
        cli,
        confirm,
        counselors,
        couples,
        dashboard,
        dates,
        db,
        errors,
        firstrun,
        library,
        links,
        logs,
        notes,
        outbox,
        records,
        respond,
        reviews,
        routing,
        safety,
        security,
        sessions,
        summaries,
        templating,
    )
    from .mail.queue import why_not
    from .worksheets.answers import display, is_concern

    routing.init_app(app)
    db.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    logs.init_app()
    dates.init_app(app)
    notes.init_app(app)
    templating.init_app(app)
    app.jinja_env.globals.update(
        display=display,
        is_concern=is_concern,
        flag_prompts=safety.flagged_prompts,
        crisis_resources=safety.crisis_resources,
        contact_refused=safety.contact_refused,
        link_url=links.link_url,
        why_not=why_not,
    )
    catalog.init_app(app)
    blueprints = (
        auth,
        confirm,
        account,
        firstrun,
        dashboard,
        counselors,
        auditlog,
        couples,
        records,
        library,
        assignments,
        outbox,
        respond,
        reviews,
        sessions,
        notes,
        summaries,
    )
    for module in blueprints:
        app.register_blueprint(module.bp)
    return app


def _configure_secret_key(app: Flask) -> None:
    """Use the configured key, or make a random one once and keep it in the instance folder."""
    key = app.config.get("SECRET_KEY")
    if app.testing:
        if not key:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    if key:
        if len(str(key)) < 32 or str(key).lower() in KNOWN_BAD_KEYS:
            raise RuntimeError(
                "SECRET_KEY is too short or well known: use at least 32 random characters, "
                'e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )
        return
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()
