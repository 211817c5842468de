"""What the browser tests and `make screenshots` share: a served app, Chromium, and the steps a
counselor takes to get in (the setup link, the sign-in form)."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, not a downloaded build; the flags keep it from calling home, which this
# machine's closed network would refuse many times over at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PASSWORD = "correct horse battery"
CODE = "2468"  # a partner's code


def live_config(database_url: str, **extra: Any) -> dict[str, Any]:
    """Settings as close to a real installation as a test allows: CSRF on, not TESTING."""
    return {
        "TESTING": False,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "WTF_CSRF_ENABLED": True,
        "TIMEZONE": "UTC",  # not the machine's, so pages read the same everywhere
        **extra,
    }


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Say nothing: a passing run's output is for pytest alone."""


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def setup_link(app: Flask, base_url: str) -> str:
    """The first-run link, printed by the CLI as an admin would see it."""
    result = app.test_cli_runner().invoke(args=["setup-link", "--base-url", base_url])
    assert result.exit_code == 0, result.output
    found = re.search(r"(https?://\S+/setup/\S+)", result.output)
    assert found, f"no setup link in the CLI output:\n{result.output}"
    return found.group(1)


def create_first_account(
    page: Page,
    link: str,
    *,
    name: str = "Dana Reyes",
    email: str = "dana@example.org",
    password: str = PASSWORD,
) -> None:
    """Open the setup link and make the first (admin) account; ends on the dashboard."""
    if page.url != link:
        page.goto(link)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()
    assert "/setup/" not in page.url, f"still on the setup page: {page.url}"


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the page behind it."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/login" not in page.url, f"still on the sign-in page: {page.url}"


def start_worksheet(page: Page) -> None:
    """On a partner's welcome page (their link), give the code (chosen at the first Start, asked
    in any other browser) and press Start or Continue; wait for the questions."""
    code = page.locator("input[name=code]")
    if code.count():
        code.fill(CODE)
    with page.expect_navigation():
        page.locator("form[data-start] button[type=submit]").click()
    assert "/r/" in page.url, f"Start did not lead to the questions: {page.url}"
