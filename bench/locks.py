"""Benchmark SQLite locks and exports under gunicorn (issue 15): .venv/bin/python bench/locks.py

Serves a code tree (this one, or --tree PATH: a copy of another commit, to compare) as `make
run` does (gunicorn with clinic.serving: 2 processes of 4 threads, SQLite in WAL mode) on the
demo data, and measures with wrk (Debian's package), one after the other:
- reads: a counselor's session page, 8 connections;
- autosave: a partner's autosave, 16 connections;
- autosave while two summary PDFs are exported over and over (the PDF cache off, so each
  export renders), and how many exports were made or turned away (503).
Each figure ends in one line: `locks.reads.rps 310 req/s`, `locks.autosave_during_export.p99 80
ms`. Bounded: each run lasts --seconds, against 127.0.0.1 only, and the server is stopped.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"

SEED = """
import json, random
from datetime import timedelta
from sqlalchemy import select
from clinic import create_app
from clinic.db import get_db, utcnow
from clinic.links import take_fresh_tokens
from clinic.models import CounselingSession, Couple
from clinic.rounds import assign
app = create_app()
with app.test_request_context():
    meeting = get_db().scalars(select(CounselingSession).order_by(CounselingSession.id)).first()
    couple = get_db().scalars(select(Couple).order_by(Couple.id)).first()
    made = assign(couple, "physical-closeness", utcnow().date() + timedelta(days=7), None)
    get_db().commit()
    tokens = take_fresh_tokens()
    print(json.dumps({"session": meeting.id, "token": tokens[made.links[0].id]}))
"""

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.3f, "errors": %d, "non2xx": %d, ' ..
    '"p50": %.2f, "p99": %.2f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


class Browser:
    """Cookies, CSRF tokens from pages, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def open(
        self, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as reply:
                return reply.status, dict(reply.headers), reply.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def csrf(self, path: str) -> str:
        page = self.open(path)[2].decode()
        tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
        found = re.search(r'value="([^"]+)"', tag[0]) if tag else None
        assert found, f"no CSRF token on {path}"
        return found[1]

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(
    url: str, cookie: str, seconds: int, connections: int, post: str | None = None
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if post is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = "{post}"\n')
            script.write('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        script.write(REPORT)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                "-H",
                f"Cookie: {cookie}",
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    found: dict[str, float] = json.loads(line[5:])
    found["rps"] = found["requests"] / found["seconds"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code tree to serve")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "CLINIC_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/clinic.sqlite3",
            "CLINIC_PDF_CACHE_FILES": "0",  # every export renders
        }
        flask = [str(VENV / "python"), "-m", "flask", "--app", "clinic"]
        demo = subprocess.run(
            [*flask, "demo"], env=env, cwd=tree, check=True, capture_output=True, text=True
        ).stdout
        password = re.search(r"password:\s+(\S+)", demo)[1]  # type: ignore[index]
        seed = json.loads(
            subprocess.run(
                [str(VENV / "python"), "-c", SEED],
                env=env,
                cwd=tree,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "--config",
                "python:clinic.serving",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
            ],
            env=env,
            cwd=tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            figures = measure(base, password, seed, args.seconds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    label = f".{args.label}" if args.label else ""
    for name, value, unit in figures:
        print(f"locks.{name}{label} {value:.0f} {unit}")


def measure(
    base: str, password: str, seed: dict[str, Any], seconds: int
) -> list[tuple[str, float, str]]:
    for _ in range(100):  # the server is up when the sign-in page answers
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    counselor = Browser(base)
    token = counselor.csrf("/login")
    status, _, _ = counselor.open(
        "/login", {"email": "demo@example.org", "password": password, "csrf_token": token}
    )
    assert status == 302, status
    partner = Browser(base)
    csrf = partner.csrf(f"/l/{seed['token']}")
    status, headers, _ = partner.open(f"/l/{seed['token']}", {"code": "2468", "csrf_token": csrf})
    assert status == 302, status
    page = urllib.parse.urlsplit(headers["Location"]).path
    csrf = partner.csrf(page)
    save = urllib.parse.urlencode(
        {
            "section": "0",
            "touch_importance.hugging": "4",
            "changed": "touch_importance",
            "autosave": "1",
            "csrf_token": csrf,
        }
    )
    assert counselor.open(f"/sessions/{seed['session']}")[0] == 200
    assert partner.open(page, dict(urllib.parse.parse_qsl(save)))[0] == 200
    pdf = f"/sessions/{seed['session']}/summary-counselor.pdf"
    assert counselor.open(pdf)[0] == 200  # warm: WeasyPrint imported in at least one process
    figures: list[tuple[str, float, str]] = []
    reads = wrk(base + f"/sessions/{seed['session']}", counselor.cookie(), seconds, 8)
    figures += [("reads.rps", reads["rps"], "req/s"), ("reads.p99", reads["p99"], "ms")]
    figures += [("reads.errors", reads["errors"] + reads["non2xx"], "count")]
    alone = wrk(base + page, partner.cookie(), seconds, 16, save)
    figures += [("autosave.rps", alone["rps"], "req/s"), ("autosave.p99", alone["p99"], "ms")]
    figures += [("autosave.errors", alone["errors"] + alone["non2xx"], "count")]
    stop = threading.Event()
    exports: list[int] = []

    def export() -> None:
        while not stop.is_set():
            exports.append(counselor.open(pdf)[0])

    threads = [threading.Thread(target=export) for _ in range(2)]
    for thread in threads:
        thread.start()
    during = wrk(base + page, partner.cookie(), seconds, 16, save)
    stop.set()
    for thread in threads:
        thread.join(120)
    figures += [
        ("autosave_during_export.rps", during["rps"], "req/s"),
        ("autosave_during_export.p50", during["p50"], "ms"),
        ("autosave_during_export.p99", during["p99"], "ms"),
        ("autosave_during_export.errors", during["errors"] + during["non2xx"], "count"),
        ("exports.made", exports.count(200), "count"),
        ("exports.busy", exports.count(503), "count"),
    ]
    return figures


if __name__ == "__main__":
    main()
