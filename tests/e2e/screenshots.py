"""`make screenshots`: serve the app on a throwaway database with sample couples and photograph
the main pages into docs/screenshots/ (python -m tests.e2e.screenshots [OUT_DIR])."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from alembic import command
from flask import Flask

from clinic import create_app
from clinic.cli import alembic_config
from clinic.db import get_db
from clinic.models import Counselor, Couple, Partner
from clinic.passwords import hash_password

from .harness import CHROMIUM, DESKTOP, PASSWORD, PHONE, ROOT, live_config, serve, sign_in

EMAIL = "dana@example.org"
COUPLES = [
    ("Sam & Alex", ("Sam", "Alex")),
    ("Jordan & Riley", ("Jordan", "Riley")),
    ("Maya & Chris", ("Maya", "Chris")),
]


def seed(app: Flask) -> None:
    with app.app_context():
        command.upgrade(alembic_config(), "head")
        db = get_db()
        counselor = Counselor(
            email=EMAIL, name="Dana Reyes", password_hash=hash_password(PASSWORD), is_admin=True
        )
        db.add(counselor)
        db.flush()
        for label, names in COUPLES:
            couple = Couple(counselor_id=counselor.id, label=label)
            couple.partners = [
                Partner(position=i + 1, display_name=name) for i, name in enumerate(names)
            ]
            db.add(couple)
        db.commit()


# Each shot: file name, tab kind, and what to do in a signed-in tab before the picture.
Shot = tuple[str, str, Callable[..., None]]
SHOTS: list[Shot] = [
    ("dashboard.png", "desktop", lambda tab: tab.goto("/")),
    ("library.png", "desktop", lambda tab: tab.goto("/worksheets/")),
    ("preview-phone.png", "phone", lambda tab: tab.goto("/worksheets/physical-closeness")),
]


def main(out: Path) -> int:
    if not CHROMIUM.exists():
        print(f"make screenshots needs Chromium at {CHROMIUM} (apt-get install chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    from .harness import launch_chromium

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clinic-shots-") as tmp:
        app = create_app(
            live_config(
                f"sqlite:///{Path(tmp) / 'clinic.sqlite3'}", PRACTICE_NAME="Riverside Counseling"
            )
        )
        seed(app)
        with serve(app) as base_url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            tabs = {}
            for kind, options in (("desktop", DESKTOP), ("phone", PHONE)):
                context = browser.new_context(**options, base_url=base_url)
                tabs[kind] = context.new_page()
                sign_in(tabs[kind], base_url, EMAIL)
            for name, kind, action in SHOTS:
                tab = tabs[kind]
                action(tab)
                tab.wait_for_load_state("networkidle")
                tab.screenshot(path=out / name, animations="disabled")
                print(f"wrote {out / name}")
            browser.close()
        app.extensions["clinic.db"].kw["bind"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
