"""Accessibility (axe-core) and valid HTML (the Nu HTML Checker) as assertions on real pages,
and, in check_page, the checks axe-core does not make: reflow and text spacing (layout.py) and
forced colors (forced_colors.py).

Both come from node_modules (`npm ci`). Where a checker is missing its assertions do nothing and
say why at the end of the run; under CI (CI=true) a missing checker fails instead, so a broken
install can never pass as a clean page.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .forced_colors import assert_forced_colors
from .harness import ROOT
from .layout import assert_layout

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BLOCKING_IMPACTS = ("serious", "critical")

# Reasons a check could not run, printed once in the terminal summary.
not_run: set[str] = set()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run every check: see .ci/run)", pytrace=False)
    not_run.add(reason)


# -- axe-core ---------------------------------------------------------------------------------


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    if not AXE.exists():
        _unavailable("axe-core checks not run: node_modules/axe-core is missing (run `npm ci`)")
        return
    # Evaluated through the DevTools protocol, which the page's CSP does not govern, so the
    # tests keep the real CSP on (a <script> tag would need bypass_csp and hide CSP mistakes).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations;
        }"""
    )
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(
            f"axe-core: {len(blocking)} serious or critical problem(s) on {page.url}\n"
            + "\n".join(_describe_violation(v) for v in blocking),
            pytrace=False,
        )


def _describe_violation(violation: dict[str, Any]) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"][:8]:
        lines.append(f"  at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        summary = " ".join(node.get("failureSummary", "").split())
        if summary:
            lines.append(f"    {summary[:300]}")
    if len(violation["nodes"]) > 8:
        lines.append(f"  ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


# -- the Nu HTML Checker ------------------------------------------------------------------------


class HtmlChecker:
    """vnu.jar as a local web service: one JVM for the whole run instead of one per page."""

    def __init__(self, jar: Path = VNU) -> None:
        self.jar = jar
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="vnu-", suffix=".log", delete=False)
        self.url = ""
        self.ready = False

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss1m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(self.jar),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Nu HTML Checker stopped at start:\n{self._log_tail()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5):
                    self.ready = True
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        log = self._log_tail()
        self.stop()
        raise RuntimeError(f"the Nu HTML Checker did not start in time:\n{log}")

    def errors(self, html: bytes) -> list[dict[str, Any]]:
        if self.process is None:
            self.start()
        if not self.ready:
            self.wait_ready()
        request = urllib.request.Request(
            self.url + "?out=json&level=error",
            data=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            report = json.load(response)
        return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def _log_tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]


_checker: HtmlChecker | None = None


def html_checker() -> HtmlChecker | None:
    """The shared checker, its JVM started (not yet awaited); None where it cannot run."""
    global _checker
    if _checker is None and VNU.exists() and shutil.which("java") is not None:
        _checker = HtmlChecker()
        _checker.start()
        atexit.register(stop_html_checker)  # should the run end without its teardown
    return _checker


def stop_html_checker() -> None:
    global _checker
    if _checker is not None:
        _checker.stop()
        _checker = None


def assert_valid_html(html: str | bytes, name: str = "page") -> None:
    """Fail on any error the Nu HTML Checker finds in this document."""
    if not VNU.exists():
        _unavailable("HTML checks not run: node_modules/vnu-jar is missing (run `npm ci`)")
        return
    if shutil.which("java") is None:
        _unavailable("HTML checks not run: no java (apt-get install default-jre-headless)")
        return
    checker = html_checker()
    assert checker is not None
    data = html.encode() if isinstance(html, str) else html
    errors = checker.errors(data)
    if errors:
        pytest.fail(
            f"Nu HTML Checker: {len(errors)} error(s) in {name}\n"
            + "\n".join(_describe_html_error(e) for e in errors),
            pytrace=False,
        )


def _describe_html_error(message: dict[str, Any]) -> str:
    where = f"line {message.get('lastLine', '?')}"
    if "firstColumn" in message:
        where += f", column {message['firstColumn']}"
    extract = message.get("extract", "").replace("\n", "\\n")
    return f"- {where}: {message['message']}\n    {extract}"


# -- pages as the server sent them --------------------------------------------------------------


@dataclass
class Document:
    """One HTML page the browser loaded, byte for byte (the DOM would hide parser fixes)."""

    url: str
    status: int
    body: bytes
    checked: bool = False


_documents: weakref.WeakKeyDictionary[Page, list[Document]] = weakref.WeakKeyDictionary()
_without_scripts: weakref.WeakSet[Page] = weakref.WeakSet()


def record_documents(page: Page, *, scripts: bool = True) -> list[Document]:
    """Keep every HTML page this tab loads, so each can be validated as sent. `scripts=False`
    marks a tab whose browser has JavaScript off."""
    documents: list[Document] = []
    if not scripts:
        _without_scripts.add(page)

    from playwright.sync_api import Error as PlaywrightError

    def finished(request: Request) -> None:
        if request.resource_type != "document" or request.frame != page.main_frame:
            return
        response = request.response()
        if response is None or 300 <= response.status < 400:
            return
        if "text/html" not in (response.header_value("content-type") or ""):
            return
        try:
            body = response.body()
        except PlaywrightError:  # the tab moved on or closed before the body arrived
            return
        documents.append(Document(request.url, response.status, body))

    page.on("requestfinished", finished)
    _documents[page] = documents
    return documents


def current_document(page: Page) -> Document:
    """The page now shown, as the server sent it."""
    page.wait_for_load_state("load")
    documents = _documents.get(page, [])
    deadline = time.monotonic() + 5
    url = page.url.partition("#")[0]
    while not documents or documents[-1].url != url:
        if time.monotonic() > deadline:
            seen = [d.url for d in documents[-3:]]
            raise AssertionError(f"no recorded document for {url} (last seen: {seen})")
        page.wait_for_timeout(50)
    return documents[-1]


def scripts_off(page: Page) -> bool:
    return page in _without_scripts


def check_page(page: Page) -> None:
    """The page now shown passes axe-core, the layout checks (reflow and text spacing at its size
    and at 320 px: layout.py), the forced-colors comparison of its radio buttons and checkboxes
    (forced_colors.py) and the Nu HTML Checker. With JavaScript off, axe-core cannot run (it
    needs the page's timers), so it is left out there: the server sends the same markup either
    way, and the tests check it with axe-core where scripts run."""
    document = current_document(page)
    if not scripts_off(page):
        assert_accessible(page)
    assert_layout(page)
    assert_forced_colors(page)
    if not document.checked:
        document.checked = True
        assert_valid_html(document.body, f"{document.url} ({document.status})")


def check_unchecked_documents(page: Page) -> None:
    """Validate every page this tab loaded that no test checked by hand."""
    for document in _documents.get(page, []):
        if not document.checked:
            document.checked = True
            assert_valid_html(document.body, f"{document.url} ({document.status})")
