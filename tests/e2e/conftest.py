"""Browser fixtures: the real app served on a loopback port, Debian's Chromium driven by
Playwright, a desktop tab and a phone tab. Skipped, with the reason, where either is missing."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD

from . import checks
from .harness import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    launch_chromium,
    live_config,
    serve,
    setup_link,
    sign_in,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Leave quickly goes here in the tests: the machine has no network, and a page of the live server
# that is not the app's shows the partner really left.
QUICK_EXIT_URL = "/static/clinic.css"

NO_PLAYWRIGHT = importlib.util.find_spec("playwright") is None
MISSING = (
    f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    if not CHROMIUM.exists()
    else "browser tests need Playwright for Python (pip install -e '.[test]')"
    if NO_PLAYWRIGHT
    else None
)
if MISSING and os.environ.get("CI"):
    # .ci/run installs both, so there their absence is a broken install, not a reason to skip.
    raise RuntimeError(MISSING)
if NO_PLAYWRIGHT:
    collect_ignore_glob = ["test_*.py"]  # they import Playwright; the summary says why they are out


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if NO_PLAYWRIGHT and MISSING:
        terminalreporter.write_line(f"NOTE: {MISSING}", yellow=True)
    for reason in sorted(checks.not_run):
        terminalreporter.write_line(f"NOTE: {reason}", yellow=True)


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    if MISSING:
        pytest.skip(MISSING)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    checks.html_checker()  # its JVM boots while the first test runs
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
    checks.stop_html_checker()


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    """This test's app, configured like a real installation (CSRF on, not TESTING)."""
    return make_app(**live_config(database_url, QUICK_EXIT_URL=QUICK_EXIT_URL))


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The base URL of `app`, served for this test on a free loopback port."""
    with serve(app) as base_url:
        yield base_url


@pytest.fixture
def open_tab(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """Opens a tab in a fresh browser profile of its own: open_tab("phone"), or "desktop", plus
    any Playwright context option (java_script_enabled=False, say); open_tab(beside=tab) opens
    another tab in that tab's profile, as a person comes back later in the same browser. At the
    end of the test every page each tab loaded is HTML-checked, and a script error or CSP refusal
    fails the test."""
    opened: list[tuple[BrowserContext, Page, list[str]]] = []

    def open_(kind: str = "desktop", *, beside: Page | None = None, **options: Any) -> Page:
        if beside is not None:
            context = beside.context
        else:
            sizes = {"desktop": DESKTOP, "phone": PHONE}[kind]
            context = browser.new_context(**{**sizes, "base_url": live_server, **options})
            context.set_default_timeout(10_000)
        tab = context.new_page()
        scripts = options.get("java_script_enabled", True)
        checks.record_documents(
            tab, scripts=scripts and not (beside and checks.scripts_off(beside))
        )
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        opened.append((context, tab, problems))
        return tab

    yield open_
    try:
        for _context, tab, problems in opened:
            checks.check_unchecked_documents(tab)
            assert not problems, "\n".join(problems)
    finally:
        for context in {id(context): context for context, _tab, _problems in opened}.values():
            context.close()


@pytest.fixture
def page(open_tab: Callable[..., Page]) -> Page:
    """A desktop tab (1280x800), as a counselor works."""
    return open_tab("desktop")


@pytest.fixture
def phone(open_tab: Callable[..., Page]) -> Page:
    """A phone-sized touch tab (390x844), as a partner holds it."""
    return open_tab("phone")


@pytest.fixture
def first_run_link(app: Flask, live_server: str) -> Callable[[], str]:
    """Prints the setup link through the CLI and returns it."""
    return lambda: setup_link(app, live_server)


@pytest.fixture
def signed_in(make_counselor: Callable[..., int], live_server: str) -> Callable[..., int]:
    """Makes a counselor, signs them in on the given tab and returns their id."""

    def sign_in_as(tab: Page, email: str = "dana@example.org", **options: Any) -> int:
        counselor_id = make_counselor(email, **options)
        sign_in(tab, live_server, email, PASSWORD)
        return counselor_id

    return sign_in_as


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (make test), the browser tests share one worker, one Chromium and one
    HTML checker, while the other worker runs the unit tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
