"""`make screenshots`: serve the app on a throwaway database filled by `flask demo`, and
photograph the main pages and the first page of a summary PDF into docs/screenshots/
(python -m tests.e2e.screenshots [OUT_DIR])."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from flask import Flask
from sqlalchemy import select

from clinic import create_app
from clinic.db import alembic_config, get_db
from clinic.models import CounselingSession, Couple

from .harness import CHROMIUM, DESKTOP, PHONE, ROOT, live_config, serve, sign_in, start_worksheet

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEMO_EMAIL = "demo@example.org"


def demo_data(app: Flask) -> str:
    """Migrate, run `flask demo` as an admin would, and return the password it printed."""
    with app.app_context():
        command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    found = re.search(r"password:\s*(\S+)", result.output)
    assert found, result.output
    return found.group(1)


def latest_session(app: Flask, label: str) -> int:
    with app.app_context():
        return get_db().scalar(
            select(CounselingSession.id)
            .join(Couple)
            .where(Couple.label == label)
            .order_by(CounselingSession.held_on.desc())
            .limit(1)
        )


def shoot(tab: Page, path: Path, *, full_page: bool = False) -> None:
    tab.wait_for_load_state("networkidle")
    tab.screenshot(path=path, animations="disabled", full_page=full_page)
    print(f"wrote {path}")


def fresh_link(counselor: Page, couple: str, worksheet: str, partner: str) -> str:
    """Issue a partner a new link, as a counselor would, and copy it."""
    counselor.goto("/")
    counselor.get_by_role("link", name=couple).click()
    counselor.get_by_role("link", name=f"links for {worksheet}").click()
    heading = counselor.get_by_role("heading", name=partner, exact=True)
    panel = counselor.locator("section.panel").filter(has=heading)
    panel.get_by_role("button", name="Issue a new link").click()
    return panel.get_by_label(f"Private link for {partner}").input_value()


def pdf_first_page(tab: Page, url: str, out: Path, tmp: Path) -> None:
    response = tab.request.get(url)
    assert response.ok and response.headers["content-type"] == "application/pdf", response.status
    pdf = tmp / "summary.pdf"
    pdf.write_bytes(response.body())
    prefix = tmp / "summary-page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, prefix],
        check=True,
    )
    shutil.move(prefix.with_suffix(".png"), out)
    print(f"wrote {out}")


def main(out: Path) -> int:
    if not CHROMIUM.exists():
        print(f"make screenshots needs Chromium at {CHROMIUM} (apt-get install chromium)")
        return 1
    if shutil.which("pdftoppm") is None:
        print("make screenshots needs pdftoppm (apt-get install poppler-utils)")
        return 1
    from playwright.sync_api import sync_playwright

    from .harness import launch_chromium

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clinic-shots-") as tmp_name:
        tmp = Path(tmp_name)
        app = create_app(
            live_config(f"sqlite:///{tmp / 'clinic.sqlite3'}", PRACTICE_NAME="Riverside Counseling")
        )
        password = demo_data(app)
        with serve(app) as base_url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            desktop = browser.new_context(**DESKTOP, base_url=base_url).new_page()
            sign_in(desktop, base_url, DEMO_EMAIL, password)

            shoot(desktop, out / "dashboard.png")
            desktop.get_by_role("link", name=re.compile("^review ")).first.click()
            shoot(desktop, out / "review.png")
            desktop.goto("/worksheets/")
            shoot(desktop, out / "library.png")
            pdf_first_page(
                desktop,
                f"/sessions/{latest_session(app, 'Sam & Alex')}/summary-counselor.pdf",
                out / "summary-pdf.png",
                tmp,
            )

            link = fresh_link(desktop, "Lee & Morgan", "Mindful moments", "Lee")
            phone = browser.new_context(**PHONE, base_url=base_url).new_page()
            phone.goto(link)
            shoot(phone, out / "partner-welcome-phone.png")
            start_worksheet(phone)
            phone.get_by_role("radio").first.check()
            phone.get_by_role("radio", name=re.compile("^4")).first.check()
            phone.locator("[data-save-status]").filter(has_text="Saved").wait_for()
            phone.evaluate("() => window.scrollTo(0, 0)")
            shoot(phone, out / "partner-phone.png")

            signed_in_phone = browser.new_context(**PHONE, base_url=base_url).new_page()
            sign_in(signed_in_phone, base_url, DEMO_EMAIL, password)
            signed_in_phone.goto("/worksheets/physical-closeness")
            shoot(signed_in_phone, out / "preview-phone.png")
            browser.close()
        app.extensions["clinic.db"].kw["bind"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
