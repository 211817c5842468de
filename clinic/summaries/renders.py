"""Every PDF the app makes passes here: no database transaction is open while it renders, at
most PDF_RENDERS render at once in a process (the rest wait PDF_RENDER_WAIT_SECONDS, then get
"try again in a moment"), and the same content is never rendered twice: each PDF is kept in the
instance folder under a hash of its HTML and the renderer, until its session is deleted or
newer files push it out."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from flask import current_app

from ..db import end_reading

# Bump when the way HTML becomes a PDF changes (options, fonts), so no older file is served.
RENDERER = "weasyprint {weasyprint}; pdf/ua-1; no presentational hints; clinic 1"
RETRY_AFTER_SECONDS = 5
OWNER_RE = re.compile(r"[a-z0-9][a-z0-9-]*")

_setup = threading.Lock()


class RendersBusy(Exception):
    """Every render slot of this process stayed taken for PDF_RENDER_WAIT_SECONDS."""

    retry_after = RETRY_AFTER_SECONDS


def make_pdf(html: str, render: Callable[[str], bytes], *, keep_as: str | None = None) -> bytes:
    """The PDF of html: from the cache when this exact content was made before (keep_as names
    whose it is, such as "session-12-couple"; None keeps nothing), else render(html) in one of
    this process's render slots. Raises RendersBusy when no slot frees up in time."""
    end_reading()  # what the PDF needs is in html: no snapshot or connection held while it renders
    path = _cache_path(keep_as, html) if keep_as is not None else None
    if path is not None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            os.utime(path)  # recently used: the last to be pushed out
            return data
    slots = _slots()
    if not slots.acquire(timeout=float(current_app.config["PDF_RENDER_WAIT_SECONDS"])):
        raise RendersBusy
    try:
        data = render(html)
    finally:
        slots.release()
    if path is not None:
        _keep(path, data)
    return data


def forget(owner: str) -> int:
    """Delete the kept PDFs of owner ("session-12" takes both copies); returns how many."""
    gone = 0
    for path in _folder().glob(f"{owner}-*.pdf"):
        path.unlink(missing_ok=True)
        gone += 1
    return gone


def forget_session(session_id: int) -> None:
    forget(f"session-{session_id}")


def _slots() -> threading.BoundedSemaphore:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _setup:
        slots = app.extensions.get("clinic.pdf_slots")
        if slots is None:
            slots = threading.BoundedSemaphore(max(1, int(app.config["PDF_RENDERS"])))
            app.extensions["clinic.pdf_slots"] = slots
    return slots  # type: ignore[no-any-return]


@functools.cache
def _renderer() -> str:
    return RENDERER.format(weasyprint=version("weasyprint"))


def _folder() -> Path:
    return Path(current_app.instance_path) / "pdf-cache"


def _cache_path(owner: str, html: str) -> Path | None:
    if not current_app.config["PDF_CACHE_FILES"]:
        return None
    if not OWNER_RE.fullmatch(owner):
        raise ValueError(f"not a cache owner: {owner!r}")
    digest = hashlib.sha256(f"{_renderer()}\0{html}".encode()).hexdigest()
    return _folder() / f"{owner}-{digest}.pdf"


def _keep(path: Path, data: bytes) -> None:
    """Store data at path (0600, whole or not at all), drop this owner's older contents, and
    keep the folder to PDF_CACHE_FILES files, the least recently used going first."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner = path.name[: -len(".pdf")].rsplit("-", 1)[0]
    temporary = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    for older in folder.glob(f"{owner}-*.pdf"):
        if older != path and older.name[: -len(".pdf")].rsplit("-", 1)[0] == owner:
            older.unlink(missing_ok=True)
    kept = sorted(folder.glob("*.pdf"), key=_mtime)
    for extra in kept[: max(0, len(kept) - int(current_app.config["PDF_CACHE_FILES"]))]:
        extra.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
