"""PDFs are laid out in a process of their own, beside each app process.

WeasyPrint's layout is Python: run in a thread of the app's process, it would hold the
interpreter from that process's other threads (a partner's save, a sign-in) for as long as it
lays out, up to seconds. Its own process runs beside them instead, at a lower priority
(NICENESS), so the machine serves requests first and makes PDFs with the time left over.

The process is started on the first PDF, as a fresh interpreter (spawned, never a fork of a
threaded server), and kept for the next ones; it is replaced after TASKS_PER_PROCESS PDFs, so
whatever WeasyPrint and its fonts keep in memory never grows without end, and it ends itself
when the app process that started it is gone (a worker that gunicorn killed, say). There is one
pool per app process, with as many processes as that process may render at once (PDF_RENDERS).

As with any spawned process, the render process imports the script that started the app again,
as a module: `flask`, `gunicorn`, pytest and bench/ start theirs under
`if __name__ == "__main__"`, and a script of one's own that makes PDFs must do the same.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

NICENESS = 10
TASKS_PER_PROCESS = 200
PARENT_CHECK_SECONDS = 1.0

R = TypeVar("R")

_pools: dict[int, ProcessPoolExecutor] = {}
_setup = threading.Lock()


def run(size: int, function: Callable[[str], R], argument: str) -> R:
    """function(argument) in a render process of the pool with size processes; function must
    be a module's own (the process imports it by name). A process that died on the way (out of
    memory, say) raises BrokenProcessPool here, and the next call starts a new pool."""
    pool = _pool(size)
    try:
        return pool.submit(function, argument).result()
    except BrokenProcessPool:
        with _setup:
            if _pools.get(size) is pool:
                del _pools[size]
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _pool(size: int) -> ProcessPoolExecutor:
    with _setup:
        pool = _pools.get(size)
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=size,
                mp_context=multiprocessing.get_context("spawn"),
                # Only the builtin: what it takes to unpickle runs before it, at full priority.
                initializer=os.nice,
                initargs=(NICENESS,),
                max_tasks_per_child=TASKS_PER_PROCESS,
            )
            _pools[size] = pool
        return pool


@functools.cache
def watch_app_process() -> None:
    """In a render process, once, with its first PDF: end it when the app process that started
    it is gone. (Should that process die before sending a first PDF, this one waits idle.)"""
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()


def _end_with(app_process: int) -> None:
    while os.getppid() == app_process:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)  # orphaned: nobody is left to ask for a PDF
