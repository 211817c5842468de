"""For bench/load.py: serve an app under gunicorn with the settings `make run` uses, talk to it
as a browser would (cookies, CSRF tokens), and run wrk against it (Debian's `wrk` package)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from clinic.worksheets.loader import load_file

ROOT = Path(__file__).resolve().parent.parent
CODE = "246810"  # the code each partner chooses at Start
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn --config python:clinic.serving (two workers) serving app on a free port."""

    def __init__(self, app: str, env: dict[str, str], tree: Path = ROOT) -> None:
        """tree: the code to serve (a git worktree of an older commit, say)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [GUNICORN, "--config", "python:clinic.serving"]
        command += ["--bind", f"127.0.0.1:{self.port}", app]
        self.process = subprocess.Popen(
            command,
            cwd=tree,
            env={**env, "PYTHONPATH": str(tree)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start serving {app}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn, its workers and their render processes (read from
        /proc: Linux only)."""
        parents: dict[int, int] = {}
        used: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            parents[int(entry.name)] = int(fields[1])
            # utime and stime, and those of its children that have ended (cutime, cstime)
            ticks = sum(int(n) for n in fields[11:15])
            used[int(entry.name)] = ticks / os.sysconf("SC_CLK_TCK")
        ours, total = {self.process.pid}, 0.0
        for pid in sorted(parents):  # a child's pid is not always above its parent's: walk up
            ancestor = pid
            while ancestor in parents and ancestor not in ours and ancestor > 1:
                ancestor = parents[ancestor]
            if ancestor in ours:
                ours.add(pid)
                total += used[pid]
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Browser:
    """Cookies and CSRF tokens, like a browser with one tab."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.last_url = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            self.last_url = response.geturl()
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, str], csrf_from: str | None = None) -> str:
        token = CSRF.search(self.get(csrf_from or path))
        assert token is not None, f"no CSRF token on {csrf_from or path}"
        body = urllib.parse.urlencode({**data, "csrf_token": token[1]}).encode()
        with self.opener.open(self.base + path, body, timeout=60) as response:
            self.last_url = response.geturl()
            return str(response.read().decode())

    def csrf(self, path: str) -> str:
        token = CSRF.search(self.get(path))
        assert token is not None, f"no CSRF token on {path}"
        return token[1]

    def check(self, path: str, cookie: str) -> None:
        """The page answers 200 to this cookie, not a redirect to sign in or an error."""
        request = urllib.request.Request(self.base + path, headers={"Cookie": cookie})
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(request, timeout=60) as response:
            assert response.status == 200, f"{path}: {response.status}"

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float  # with no request done in the run: the run's length, as "over"
    errors: int
    done: int  # requests answered in the run


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, seconds: float, connections: int, *, cookie: str = "", script: str = "") -> Run:
    """One wrk run (two threads) against url; script: Lua for what each request sends."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s", "--latency"]
    command += ["--timeout", "30s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if os.environ.get("BENCH_WRK_OUTPUT"):
        print(" ".join(command + [url]), out, sep="\n", file=sys.stderr)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors[1]))
    done = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    if not done:
        p50 = p99 = seconds * 1000
    return Run(rps, p50, p99, errors, done)


def interleaved(
    baseline: str, case: str, seconds: float, connections: int, rounds: int, **case_options: str
) -> tuple[Run, Run]:
    """baseline, case, baseline, case...; the medians of each."""
    base_runs, case_runs = [], []
    for _ in range(rounds):
        base_runs.append(wrk(baseline, seconds, connections))
        case_runs.append(wrk(case, seconds, connections, **case_options))
    return median_run(base_runs), median_run(case_runs)


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
        sum(r.done for r in runs),
    )


def posts(path_bodies: list[tuple[str, str, str]]) -> str:
    """A wrk script that POSTs each (path, cookie, form body) in turn. wrk's threads each go
    round the list from their own place (the first from the start, the second from half way),
    so that with as many bodies as connections, two requests in flight seldom save the same
    response: many partners typing at once, each with about one save on its way, as the page
    sends them."""

    def lua(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = ",\n".join(f"  {{{lua(p)}, {lua(c)}, {lua(b)}}}" for p, c, b in path_bodies)
    return f"""local posts = {{
{rows}
}}
i = 0
local threads = 0
setup = function(thread)
  thread:set("i", threads * math.floor(#posts / 2))
  threads = threads + 1
end
request = function()
  i = i % #posts + 1
  local p = posts[i]
  return wrk.format("POST", p[1], {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = p[2],
  }}, p[3])
end
"""


def start_partner(base: str, token: str, response_id: int, slug: str) -> tuple[str, str, str]:
    """A partner's phone through their link; returns what their autosave posts: a valid
    answer to the first question."""
    phone = Browser(base)
    phone.post(f"/l/{token}", {"code": CODE})
    fields = {"csrf_token": phone.csrf(f"/r/{response_id}"), **autosave_fields(slug)}
    return f"/r/{response_id}", phone.cookie(), urllib.parse.urlencode(fields)


def autosave_fields(slug: str) -> dict[str, str]:
    """What the page's script posts (but its CSRF token) as a partner answers the worksheet's
    first question."""
    question = load_file(ROOT / "worksheets" / f"{slug}.toml").sections[0].questions[0]
    value = str(question.min) if question.min is not None else "A quiet walk"
    if question.options:
        value = question.options[0].value
    name = f"{question.id}.{question.items[0].id}" if question.items else question.id
    return {"section": "0", "autosave": "1", "changed": question.id, name: value}


class Sessions:
    """Sessions whose summaries nobody has exported yet, handed out one at a time to the threads
    that export them: each export then makes its PDF, where a second export of one summary
    would come from the cache. One for a whole run: its servers keep their PDFs in one instance
    folder."""

    def __init__(self, session_ids: list[int]) -> None:
        self._left = iter(session_ids)
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            return next(self._left, None)


class exporting:  # noqa: N801  (used as a context manager)
    """Two summary exports running over and over, as two counselors pressing Export, each for a
    session not exported before (so each makes its PDF). made: the PDFs answered; refused: the
    exports answered "try again in a moment"; ran_out: no session was left to export. An export
    answered otherwise fails the run when the context ends."""

    def __init__(self, counselor: Browser, sessions: Sessions) -> None:
        self.counselor, self.sessions, self.stop = counselor, sessions, threading.Event()
        self.threads = [threading.Thread(target=self._loop) for _ in range(2)]
        self.made = self.refused = 0
        self.ran_out = False
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()

    def _loop(self) -> None:
        try:
            while not self.stop.is_set():
                session_id = self.sessions.take()
                if session_id is None:
                    self.ran_out = True
                    return
                made = self._export(f"/sessions/{session_id}/summary-counselor.pdf")
                with self._lock:
                    self.made += made
                    self.refused += not made
                if not made:
                    time.sleep(0.2)
        except BaseException as failure:  # raised again when the context ends
            self.failures.append(failure)

    def _export(self, path: str) -> bool:
        """Whether the PDF came; False for "try again in a moment"."""
        request = urllib.request.Request(
            self.counselor.base + path, headers={"Cookie": self.counselor.cookie()}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                assert response.read().startswith(b"%PDF"), f"{path}: not a PDF"
                return True
        except urllib.error.HTTPError as refused:
            assert refused.code == 503, f"{path}: {refused.code}"
            return False

    def __enter__(self) -> exporting:
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]
