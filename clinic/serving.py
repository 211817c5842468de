"""gunicorn's settings for `make run`, the embedded default (SQLite in the instance folder):

    gunicorn --config python:clinic.serving --bind 127.0.0.1:5000

SQLite in WAL mode reads in parallel and takes writes one at a time (clinic.db takes the write
lock only just before a request writes, and a writer waits its turn), so two worker processes
of four threads each serve a small practice well: pages are read side by side, and a summary
PDF is made with no transaction open, one at a time per process (PDF_RENDERS), laid out in a
render process beside the worker (clinic.render_process). For
PostgreSQL and more processes, see "Running it for a practice" in README.md.
"""

import sys
from typing import Any

# How often a worker's threads take turns at the interpreter (Python's own: every 5 ms).
SWITCH_INTERVAL_SECONDS = 0.001

wsgi_app = "clinic:create_app()"
workers = 2
worker_class = "gthread"
threads = 4
timeout = 60  # the largest summary PDF takes a few seconds; a copy of a couple's data longer
accesslog = "-"  # request lines on the terminal, tokens left out (clinic.logs)
# No control socket: it lives in the user's home, where a second installation's would clash.
control_socket_disable = True


def post_fork(_server: Any, _worker: Any) -> None:
    """In each worker: a thread building a summary (its data and HTML; the PDF itself is laid
    out in a render process) hands the interpreter to the worker's other threads every
    millisecond, so a partner's save or a sign-in waits that long at a time, not five
    (docs/benchmarks.md, "Autosave without a lock, PDFs in a render process")."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
