"""`make run` as a practice runs it: gunicorn on the embedded default, private files, no tokens
in the request log; `make dev` keeps Flask's debug server."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from clinic import ROOT

VENV = Path(sys.prefix)  # the environment running the tests stands in for make's .venv
pytestmark = pytest.mark.skipif(
    shutil.which("make") is None or not (VENV / "bin" / "gunicorn").exists(),
    reason="needs make and gunicorn in the test environment",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make(*args: str) -> list[str]:
    # -o: take the installed environment as it is; make would otherwise reinstall into it.
    return ["make", "--no-print-directory", "-o", f"{VENV}/bin/flask", *args, f"VENV={VENV}"]


class Output:
    """A process's output, line by line, read as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first line, from here on, that matches; fails after timeout seconds or at EOF."""
        while True:
            line = self.lines.get(timeout=timeout)
            assert line is not None, "the process ended first:\n" + "".join(self.seen)
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def so_far(self) -> str:
        """Everything read until now."""
        while not self.lines.empty() and (line := self.lines.get_nowait()) is not None:
            self.seen.append(line)
        return "".join(self.seen)


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[str, Output, Path]]:
    """`make run` on a free port with the instance folder in tmp_path; stopped afterwards."""
    port = free_port()
    instance = tmp_path / "instance"
    # The embedded default: no database URL or other setting from this machine's environment.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and k[:7] != "CLINIC_"}
    env["CLINIC_INSTANCE_PATH"] = str(instance)
    process = subprocess.Popen(
        make("run", "HOST=127.0.0.1", f"PORT={port}"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # make, flask and gunicorn in one group, stopped together
    )
    output = Output(process)
    try:
        yield f"http://127.0.0.1:{port}", output, instance
    finally:
        os.killpg(process.pid, signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: end it, this test is not about that
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        output.thread.join(30)
        process.stdout.close()  # type: ignore[union-attr]


def test_make_run_serves_with_gunicorn(make_run: tuple[str, Output, Path]) -> None:
    base, output, instance = make_run
    assert output.wait_for(r"^Created a new database: (.+) \(SQLite\)$")[1] == str(
        instance / "clinic.sqlite3"
    )
    link = output.wait_for(rf"^\s+({re.escape(base)}/setup/(\S+))$")
    url, token = link[1], link[2]
    output.wait_for(r"Listening at: " + re.escape(base))
    output.wait_for(r"Using worker: gthread")

    # The first account, through the page, as a person would make it.
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with browser.open(url, timeout=30) as reply:
        page = reply.read().decode()
    assert "Create the first counselor" in page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf is not None
    form = {
        "csrf_token": csrf[1],
        "name": "Dana Reyes",
        "email": "dana@example.org",
        "password": "a long passphrase",
        "confirm": "a long passphrase",
    }
    with browser.open(url, urllib.parse.urlencode(form).encode(), timeout=30) as reply:
        assert "Your couples" in reply.read().decode()
        assert reply.headers["Server"] != "Werkzeug"

    # Only the app's user can read what it keeps, the journal files of SQLite included.
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    kept = {path.name: stat.S_IMODE(path.stat().st_mode) for path in instance.iterdir()}
    assert kept == {
        "secret_key": 0o600,
        "clinic.sqlite3": 0o600,
        "clinic.sqlite3-wal": 0o600,
        "clinic.sqlite3-shm": 0o600,
        "clinic.sqlite3-writers": 0o600,  # empty: the queue for the write lock
        "template-cache": 0o700,  # the compiled pages, so the next start need not compile them
    }
    compiled = {stat.S_IMODE(p.stat().st_mode) for p in (instance / "template-cache").iterdir()}
    assert compiled == {0o600}

    # The request log names the setup page, never its token: only the printed link has it.
    output.wait_for(r'"GET /setup/\[token\] HTTP/1.1" 200')
    output.wait_for(r'"POST /setup/\[token\] HTTP/1.1" 302')
    logged = output.so_far()
    assert token not in logged[logged.index("Listening at") :]


def test_make_dev_keeps_the_debug_server() -> None:
    commands = subprocess.run(
        make("-n", "dev", "PORT=8123"), cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "flask --app clinic run --debug --host 127.0.0.1 --port 8123" in commands
    assert "setup-link --base-url http://127.0.0.1:8123" in commands


def test_each_worker_shares_the_interpreter_every_millisecond() -> None:
    from clinic import serving

    before = sys.getswitchinterval()
    try:
        serving.post_fork(None, None)  # what gunicorn calls in each worker it starts
        assert sys.getswitchinterval() == pytest.approx(0.001)
    finally:
        sys.setswitchinterval(before)
