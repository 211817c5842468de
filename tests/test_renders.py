"""Exports that never freeze the app: a limit on PDFs made at once (a calm 503 past it), no
transaction open while one renders, and each summary kept by content so it is made once."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from clinic import ROOT
from clinic import render_process as process
from clinic.db import get_db
from clinic.models import AuditEvent
from clinic.summaries import pdf

from . import test_summaries
from .conftest import FIXTURES, PASSWORD, TEST_DATABASE_URL
from .test_locks import WAIT, grab_write_lock
from .test_summaries import couple_copy, pdf_text

meeting = test_summaries.meeting  # the fixture: a session with both partners' answers and notes

BUSY = "Other PDFs are being made right now; try again in a moment."


class Renders:
    """Counts WeasyPrint runs; with hold, each run waits for release() once it has started."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, hold: bool = False) -> None:
        self.count = 0
        self.hold = hold
        self.started = threading.Event()
        self.released = threading.Event()
        self.seen: list[Any] = []  # what check() said while a render was running
        self.check: Callable[[], Any] | None = None
        real = pdf._weasyprint

        def render(html: str, label: str, fetcher: Any) -> bytes:
            self.count += 1
            if self.check is not None:
                self.seen.append(self.check())
            if self.hold:
                self.started.set()
                assert self.released.wait(WAIT)
            return real(html, label, fetcher)

        monkeypatch.setattr(pdf, "_weasyprint", render)


def kept(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "pdf-cache").glob("*.pdf"))


def signed_in(app: Flask) -> Any:
    other = app.test_client()
    assert other.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})
    return other


def test_past_the_limit_a_calm_page_says_when_to_try_again(app, client, meeting, monkeypatch):
    app.config["PDF_RENDER_WAIT_SECONDS"] = 0  # no waiting for a turn in this test
    renders = Renders(monkeypatch, hold=True)
    if not TEST_DATABASE_URL:
        renders.check = lambda: (get_db().in_transaction(), grab_write_lock(app))
    else:
        renders.check = lambda: (get_db().in_transaction(), True)
    first: list[Any] = []
    thread = threading.Thread(
        target=lambda: first.append(client.get(f"/sessions/{meeting}/summary-counselor.pdf"))
    )
    thread.start()
    try:
        assert renders.started.wait(WAIT)
        other = signed_in(app)  # signing in works while a PDF is being made
        assert other.get("/").status_code == 200
        busy = other.get(f"/sessions/{meeting}/summary-counselor.pdf")
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        page = busy.get_data(as_text=True)
        assert BUSY in page
        assert f'href="/sessions/{meeting}/summary-counselor.pdf?"' in page  # Try again
    finally:
        renders.released.set()
        thread.join(WAIT)
    assert "Shared note canary" in pdf_text(first[0])
    # No transaction was open while the PDF rendered, and on SQLite the write lock was free.
    assert renders.seen == [(False, True)]


def test_the_couple_copy_past_the_limit_says_to_press_again(app, client, meeting, monkeypatch):
    app.config["PDF_RENDERS"] = 1
    app.config["PDF_RENDER_WAIT_SECONDS"] = 0
    renders = Renders(monkeypatch, hold=True)
    url = f"/sessions/{meeting}/summary-counselor.pdf"
    thread = threading.Thread(target=lambda: client.get(url))
    thread.start()
    try:
        assert renders.started.wait(WAIT)
        busy = couple_copy(signed_in(app), meeting, reason="Safety plan made with both.")
        assert busy.status_code == 503
        page = busy.get_data(as_text=True)
        assert BUSY in page and "press the button again" in page
    finally:
        renders.released.set()
        thread.join(WAIT)
    with app.app_context():  # nothing was made, so nothing is logged as given
        actions = get_db().scalars(select(AuditEvent.action)).all()
    assert "couple_copy_despite_flag" not in actions
    assert "export_couple_summary" not in actions


def test_two_render_slots_let_two_exports_through(make_app, meeting, monkeypatch):
    app = make_app(
        WORKSHEET_DIRS=[str(FIXTURES)], PDF_RENDERS=2, PDF_RENDER_WAIT_SECONDS=0, PDF_CACHE_FILES=0
    )
    both_rendering = threading.Barrier(2, timeout=WAIT)
    real = pdf._weasyprint

    def render(html: str, label: str, fetcher: Any) -> bytes:
        both_rendering.wait()  # two renders running at the same moment
        return real(html, label, fetcher)

    monkeypatch.setattr(pdf, "_weasyprint", render)
    statuses: list[int] = []

    def export() -> None:
        statuses.append(
            signed_in(app).get(f"/sessions/{meeting}/summary-counselor.pdf").status_code
        )

    threads = [threading.Thread(target=export) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert statuses == [200, 200]


def test_the_same_summary_is_made_once(app, client, meeting, monkeypatch, clock):
    renders = Renders(monkeypatch)
    first = client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    clock.advance(minutes=20)  # later the same day: nothing in the summary changed
    second = client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    assert renders.count == 1
    assert first.data == second.data
    assert "Counselor only canary" in pdf_text(second)
    [path] = kept(app)
    assert path.name.startswith(f"session-{meeting}-counselor-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_changed_note_makes_a_new_pdf_and_drops_the_old(app, client, meeting, monkeypatch):
    renders = Renders(monkeypatch)
    client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    [before] = kept(app)
    client.post(f"/sessions/{meeting}/notes", data={"text": "Fresh note canary", "shared": "y"})
    text = pdf_text(client.get(f"/sessions/{meeting}/summary-counselor.pdf"))
    assert "Fresh note canary" in text
    assert renders.count == 2
    [after] = kept(app)
    assert after != before  # one file per copy: the old content is not kept


def test_the_two_copies_are_kept_apart(app, client, meeting, monkeypatch):
    renders = Renders(monkeypatch)
    client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    couple = couple_copy(client, meeting, reason="Safety plan made with both.")
    assert "Counselor only canary" not in pdf_text(couple)
    assert renders.count == 2
    names = [p.name.rsplit("-", 1)[0] for p in kept(app)]
    assert names == [f"session-{meeting}-counselor", f"session-{meeting}-couple"]


def test_deleting_a_note_or_the_couple_removes_the_kept_pdfs(app, client, meeting):
    from clinic.models import CounselingSession, SessionNote

    client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    assert len(kept(app)) == 1
    with app.app_context():
        note = get_db().get(CounselingSession, meeting).notes[0]
        assert isinstance(note, SessionNote)
        note_id, couple_id = note.id, note.session.couple_id
    client.post(f"/sessions/{meeting}/notes/{note_id}/delete")
    assert kept(app) == []
    client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    assert len(kept(app)) == 1
    response = client.post(f"/couples/{couple_id}/delete", data={"label": "Sam & Alex"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert kept(app) == []


def test_the_folder_keeps_at_most_the_configured_number(app, client, meeting):
    app.config["PDF_CACHE_FILES"] = 1
    client.get(f"/sessions/{meeting}/summary-counselor.pdf")
    couple_copy(client, meeting, reason="Safety plan made with both.")
    [only] = kept(app)
    assert only.name.startswith(f"session-{meeting}-couple-")


def test_pdfs_are_laid_out_in_a_process_of_their_own() -> None:
    # A fresh interpreter: in this one, tests that look at what was fetched lay PDFs out here.
    code = (
        "import sys\n"
        "from clinic import create_app\n"
        "from clinic.summaries.pdf import write_pdf\n"
        "settings = {'TESTING': True, 'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x' * 40}\n"
        "app = create_app({**settings, 'PDF_CACHE_FILES': 0})\n"
        "with app.test_request_context():\n"
        "    data = write_pdf('<p>Hello</p>', 'a test')\n"
        "assert data.startswith(b'%PDF-'), data[:20]\n"
        "assert 'weasyprint' not in sys.modules, 'laid out in the app process'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def where_it_runs(_argument: str) -> tuple[int, int]:
    return os.getpid(), os.nice(0)


def crash(_argument: str) -> None:
    os._exit(3)  # as the kernel ending a process that ran out of memory


def test_the_render_process_gives_way_to_requests() -> None:
    pid, niceness = process.run(1, where_it_runs, "")
    assert pid != os.getpid()
    assert niceness == min(19, os.nice(0) + process.NICENESS)


def test_a_render_process_that_dies_is_replaced() -> None:
    with pytest.raises(BrokenProcessPool):
        process.run(1, crash, "")
    pid, _ = process.run(1, where_it_runs, "")  # a new pool
    assert pid != os.getpid()


def test_render_processes_are_replaced_after_their_share_of_pdfs(monkeypatch) -> None:
    monkeypatch.setattr(process, "TASKS_PER_PROCESS", 2)
    own: dict = {}
    monkeypatch.setattr(process, "_pools", own)  # a pool of this test's own
    try:
        first, second, third = (process.run(1, where_it_runs, "")[0] for _ in range(3))
    finally:
        for pool in own.values():
            pool.executor.shutdown()
    assert first == second != third


def test_a_render_process_ends_when_its_app_process_is_killed(tmp_path: Path) -> None:
    code = (
        "import os, signal\n"
        "from clinic import render_process as process\n"
        "from clinic.summaries.pdf import render_isolated\n"
        "from tests.test_renders import where_it_runs\n"
        "process.run(1, render_isolated, '<p>Hello</p>')\n"
        "print(process.run(1, where_it_runs, '')[0], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)  # as gunicorn ends a worker that hangs\n"
    )
    printed = tmp_path / "render-process"
    with printed.open("w") as out:  # a file, not a pipe: the render process holds it open too
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=out, timeout=120)
    render_process = int(printed.read_text())
    deadline = time.monotonic() + 10
    try:
        while not ended(render_process):
            assert time.monotonic() < deadline, "the render process outlived its app process"
            time.sleep(0.1)
    finally:
        if not ended(render_process):
            os.kill(render_process, signal.SIGKILL)


def ended(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status  # ended; only its exit status is left for init to collect
