"""PDFs are laid out in a process of their own, beside each app process.

WeasyPrint's layout is Python: run in a thread of the app's process, it would hold the
interpreter from that process's other threads (a partner's save, a sign-in) for as long as it
lays out, up to seconds. Its own process runs beside them instead, at a lower priority
(NICENESS), so the machine serves requests first and makes PDFs with the time left over.

The process is started on the first PDF, as a fresh interpreter (spawned, never a fork of a
threaded server), and kept for the next ones. The pool is replaced after TASKS_PER_PROCESS PDFs
a process, so whatever WeasyPrint and its fonts keep in memory never grows without end (by
hand: the executor's own max_tasks_per_child can lose a process on Python 3.11). A render
process ends itself as soon as the app process that started it is gone (a worker that gunicorn
killed, say). There is one pool per app process, with as many processes as that process may
render at once (PDF_RENDERS).

This module sits outside clinic.summaries so that a render process, which imports it first to
lower its priority, does so before importing the app's models and pages; the clinic package,
and Flask with it, is still imported at full priority, once for each render process.

As with any spawned process, the render process imports the script that started the app again,
as a module: `flask`, `gunicorn`, pytest and bench/ start theirs under
`if __name__ == "__main__"`, and a script of one's own that makes PDFs must do the same.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TypeVar

NICENESS = 10
TASKS_PER_PROCESS = 200

R = TypeVar("R")


@dataclass
class _Pool:
    executor: ProcessPoolExecutor
    tasks: int = 0


_pools: dict[int, _Pool] = {}
_setup = threading.Lock()


def run(size: int, function: Callable[[str], R], argument: str) -> R:
    """function(argument) in a render process of the pool with size processes; function must
    be a module's own (the process imports it by name). When a process dies on the way (out of
    memory, say), this raises BrokenProcessPool and the pool is dropped: the next PDF starts a
    new one. (Not tried again here: a PDF that ended its process once would most likely end
    the next one too, and with it the other PDFs in that pool.)"""
    executor, future = _submit(size, function, argument)
    try:
        return future.result()
    except BrokenProcessPool:
        with _setup:
            if size in _pools and _pools[size].executor is executor:
                del _pools[size]
        executor.shutdown(wait=False, cancel_futures=True)
        raise


def _submit(
    size: int, function: Callable[[str], R], argument: str
) -> tuple[ProcessPoolExecutor, Future[R]]:
    """Hand the task to the pool of this size, starting or replacing the pool first; under the
    lock, so that no other thread retires the pool between choosing it and handing it over."""
    with _setup:
        pool = _pools.get(size)
        if pool is not None and pool.tasks >= TASKS_PER_PROCESS * size:
            # Its PDFs under way finish; its processes end after them.
            pool.executor.shutdown(wait=False)
            pool = None
        if pool is None:
            pool = _Pool(
                ProcessPoolExecutor(
                    max_workers=size,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_begin,
                )
            )
            _pools[size] = pool
        pool.tasks += 1
        return pool.executor, pool.executor.submit(function, argument)


def _begin() -> None:
    """In a render process, first: give way to requests, and end with the app process."""
    os.nice(NICENESS)
    # Ctrl-C at the terminal reaches the whole process group: the app process handles it, and
    # this one ends when it has gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    app_process = multiprocessing.parent_process()
    if app_process is not None:
        threading.Thread(target=_end_with, args=(app_process.sentinel,), daemon=True).start()


def _end_with(app_process: int) -> None:
    wait([app_process])  # ready once the app process has ended, however it ended
    os._exit(0)  # orphaned: nobody is left to ask for a PDF
