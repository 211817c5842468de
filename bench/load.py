"""Speed under load: make bench-load (or .venv/bin/python bench/load.py). Needs `wrk`
(Debian: apt-get install wrk) and, for PostgreSQL, a server to make a database in.

For each database (SQLite in a temporary folder; PostgreSQL in a database of its own, dropped
after) and each size (1,000 and 10,000 couples of ten worksheets each, with answers, sessions
and notes, seeded through the app's tables by bench/seed.py), it serves the app and a bare Flask
hello-world app under the same gunicorn settings (`--config python:clinic.serving`, two
workers) and measures them interleaved (baseline, case, baseline, case; medians of each):
the dashboard, search, a couple page with a long history, a review, the partner's page; then
partners' autosave at 32 connections, and autosave and the sign-in page while two summary
exports run (each export of a session not exported before, so each makes its PDF; the number
made is printed). It also counts the SQL statements of each page and times create_app() to the
first request in a fresh process. It prints one line per figure:

    load.dashboard.sqlite.10000.ratio 0.27 x      (the page's requests/s over hello world's)
    load.autosave.postgresql.p99 41 ms
    load.autosave_during_export.sqlite.p99 80 ms
    queries.dashboard 6 count
    start.first_request 0.35 s

--quick: 1,000 couples on SQLite, short runs (a couple of minutes in all).
--before PATH: an older tree (a git worktree) served beside this one on the same database, its
autosave and exports measured in the same runs (load.autosave.before.*), with each tree's CPU
time per save: a change's effect on a shared machine whose speed drifts between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402
from bench import start  # noqa: E402
from bench.plans import plans  # noqa: E402
from bench.serve import (  # noqa: E402
    CODE,
    Browser,
    Run,
    Server,
    Sessions,
    exporting,
    interleaved,
    median_run,
    posts,
    start_partner,
    wrk,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--couples", default="1000,10000", help="sizes, comma separated")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/case pairs per figure")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a database on the server to make and drop the bench's own database from",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 couples, SQLite, short runs")
    parser.add_argument(
        "--before",
        type=Path,
        help="an older tree (a git worktree), served beside this one: its autosave and exports "
        "are measured in turn with this tree's, in the same runs, as load.autosave.before.*",
    )
    parser.add_argument("--plans", metavar="FILE", help="add the pages' query plans to FILE")
    parser.add_argument("--no-load", action="store_true", help="seed, count and plan only")
    parser.add_argument(
        "--only",
        default=",".join(FIGURES),
        help="the figures to measure under load, comma separated: " + ", ".join(FIGURES),
    )
    args = parser.parse_args()
    if args.quick:
        args.couples, args.databases, args.seconds, args.rounds = "1000", "sqlite", 3, 1
    counted: dict[str, int] = {}
    for database in args.databases.split(","):
        for couples in (int(n) for n in args.couples.split(",")):
            with database_for(database, args.postgres) as (url, env):
                measure(database, couples, url, env, args, counted)


FIGURES = ("dashboard", "search", "couple", "review", "partner", "autosave", "export")


class database_for:  # noqa: N801  (used as a context manager)
    """A fresh database for one size: a file in a temporary folder, or a PostgreSQL database
    of its own that is dropped after."""

    def __init__(self, kind: str, postgres: str) -> None:
        self.kind, self.postgres = kind, postgres
        self.folder = tempfile.TemporaryDirectory(prefix="clinic-bench-")
        self.name = f"clinic_bench_load_{os.getpid()}"

    def __enter__(self) -> tuple[str, dict[str, str]]:
        if self.kind == "sqlite":
            url = f"sqlite:///{self.folder.name}/clinic.sqlite3"
        else:
            self._admin(f"DROP DATABASE IF EXISTS {self.name}")
            self._admin(f"CREATE DATABASE {self.name}")
            url = self.postgres.rsplit("/", 1)[0] + "/" + self.name
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CLINIC_INSTANCE_PATH": self.folder.name,
            "DATABASE_URL": url,
            "CLINIC_SECRET_KEY": "bench-load-secret-key-not-for-real-use",
        }
        return url, env

    def __exit__(self, *exc: object) -> None:
        if self.kind != "sqlite":
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.folder.cleanup()

    def _admin(self, statement: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement))
        engine.dispose()


def prepare(couples: int, env: dict[str, str]) -> seeding.Seeded:
    """Migrate and seed in this process, with the app configured as gunicorn's will be."""
    from alembic import command

    os.environ.update(env)
    from clinic import create_app
    from clinic.db import alembic_config

    app = create_app()
    with app.app_context():
        command.upgrade(alembic_config(env["DATABASE_URL"]), "head")
    with app.test_request_context():
        return seeding.seed(couples)


def statements(
    paths: dict[str, str], partner: tuple[str, int, str], plans_to: str | None, tag: str
) -> dict[str, int]:
    """SQL statements per page, counted in this process through the app's engine; with
    plans_to, the plans of the counselor's pages are added to that file."""
    from sqlalchemy import event

    from clinic import create_app
    from clinic.db import get_engine

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    counselor, phone = app.test_client(), app.test_client()
    counselor.post("/login", data={"email": seeding.EMAIL, "password": seeding.PASSWORD})
    phone.post(f"/l/{partner[0]}", data={"code": CODE})
    with app.app_context():
        engine = get_engine()
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", seen_listener := lambda *a: seen.append(a[2]))
    counts = {}
    for page, path in paths.items():
        seen.clear()
        client = phone if page == "partner" else counselor
        assert client.get(path).status_code == 200, path
        counts[page] = len(seen)
    event.remove(engine, "before_cursor_execute", seen_listener)
    if plans_to:
        shown = {k: v for k, v in paths.items() if k in ("dashboard", "search", "couple")}
        with open(plans_to, "a") as out:
            print(f"## {tag}", *plans(app, counselor, shown), "", sep="\n", file=out)
    return counts


def measure(
    database: str,
    couples: int,
    url: str,
    env: dict[str, str],
    args: argparse.Namespace,
    counted: dict[str, int],
) -> None:
    began = time.monotonic()
    seeded = prepare(couples, env)
    tag = f"{database}.{couples}"
    print(f"seed.{tag} {time.monotonic() - began:.0f} s", flush=True)
    if not counted:  # in this database, migrated and seeded
        start.report(start.measure(env, [ROOT], 5)[0])
    paths = {
        "dashboard": "/",
        "search": "/?q=" + seeding.NAMES[3].lower(),
        "couple": f"/couples/{seeded.couple_id}",
        "review": f"/assignments/{seeded.review_id}/review",
        "partner": f"/r/{seeded.partners[0][1]}",
    }
    if not args.no_load:
        under_load(seeded, paths, tag, env, args)
    for page, count in statements(paths, seeded.partners[0], args.plans, tag).items():
        # queries.dashboard on the first database; the others say which they are (PostgreSQL
        # has no BEGIN IMMEDIATE); a size that differs from the first says so.
        first = not counted or next(iter(counted)).startswith(database)
        name = f"queries.{page}" + ("" if first else f".{database}")
        if f"{database}.{page}" not in counted:
            counted[f"{database}.{page}"] = count
            print(f"{name} {count} count")
        elif counted[f"{database}.{page}"] != count:
            print(f"{name}.{couples} {count} count (not the same as with fewer couples)")
    sys.stdout.flush()


def under_load(
    seeded: seeding.Seeded,
    paths: dict[str, str],
    tag: str,
    env: dict[str, str],
    args: argparse.Namespace,
) -> None:
    """Each page against hello world, autosave at 32 connections, then while exports run."""
    only = set(args.only.split(","))
    servers: dict[str, Server] = {}
    try:
        app = servers[""] = Server("clinic:create_app()", env)
        hello = servers["hello"] = Server("bench.hello:app", env)
        if args.before:
            servers[".before"] = Server("clinic:create_app()", env, args.before.resolve())
        counselor = Browser(app.url)
        counselor.post("/login", {"email": seeding.EMAIL, "password": seeding.PASSWORD})
        partners = [start_partner(app.url, *partner) for partner in seeded.partners]
        for page, path in paths.items():
            if page not in only:
                continue
            cookie = partners[0][1] if page == "partner" else counselor.cookie()
            counselor.check(path, cookie)
            if page == "search":  # it finds some: the page walks what it would show
                assert 'class="card"' in counselor.get(path), "the search finds nobody"
            base, case = interleaved(
                hello.url + "/",
                app.url + path,
                args.seconds,
                args.connections,
                args.rounds,
                cookie=cookie,
            )
            report(f"load.{page}.{tag}", base, case)
        autosave = posts(partners)  # the same cookies open both trees: one secret key
        trees = {suffix: server for suffix, server in servers.items() if suffix != "hello"}
        if "autosave" in only:
            autosave_figures(hello, trees, tag, args, autosave)
        if "export" not in only:
            return
        sessions = Sessions(seeded.sessions)  # each exported once, by whichever tree
        for suffix, server in trees.items():
            exports = Browser(server.url)
            exports.post("/login", {"email": seeding.EMAIL, "password": seeding.PASSWORD})
            with exporting(exports, sessions) as running:
                during = wrk(server.url + "/", args.seconds, 32, script=autosave)
                sign_in = wrk(server.url + "/login", args.seconds, args.connections)
            print(f"load.exports{suffix}.{tag}.made {running.made} count")
            print(f"load.exports{suffix}.{tag}.refused {running.refused} count (busy)")
            if running.ran_out:
                print(f"load.exports{suffix}.{tag}.ran_out 1 count (fewer sessions than exports)")
            for name, run in (
                (f"autosave_during_export{suffix}", during),
                (f"signin_during_export{suffix}", sign_in),
            ):
                over = "" if run.done else "over "  # nothing answered within the run
                print(f"load.{name}.{tag}.p99 {over}{run.p99_ms:.0f} ms ({run.done} requests)")
                if run.errors:
                    print(f"load.{name}.{tag}.errors {run.errors} count")
            sys.stdout.flush()
    finally:
        for server in servers.values():
            server.stop()


def autosave_figures(
    hello: Server, servers: dict[str, Server], tag: str, args: argparse.Namespace, script: str
) -> None:
    """Autosave at 32 connections: in each round hello world, then each tree (this one and,
    with --before, the older one, in alternating order), with the app's CPU time per save."""
    base_runs: list[Run] = []
    runs: dict[str, list[Run]] = {suffix: [] for suffix in servers}
    cpu: dict[str, list[float]] = {suffix: [] for suffix in servers}
    for n in range(args.rounds):
        base_runs.append(wrk(hello.url + "/", args.seconds, 32))
        for suffix, server in list(servers.items())[:: 1 if n % 2 == 0 else -1]:
            used = server.cpu_seconds()
            run = wrk(server.url + "/", args.seconds, 32, script=script)
            runs[suffix].append(run)
            saved = run.done - run.errors  # a refused save costs less: not counted as one
            cpu[suffix].append((server.cpu_seconds() - used) / max(1, saved))
    base = median_run(base_runs)
    for suffix in servers:
        name = f"load.autosave{suffix}.{tag}"
        report(name, base, median_run(runs[suffix]))
        print(f"{name}.cpu {statistics.median(cpu[suffix]) * 1000:.2f} ms a save (the app's)")


def report(name: str, base: Run, case: Run) -> None:
    print(f"{name}.ratio {case.rps / base.rps:.3f} x")
    print(f"{name}.rps {case.rps:.0f} req/s (hello world {base.rps:.0f})")
    print(f"{name}.p99 {case.p99_ms:.0f} ms")
    if case.errors:
        print(f"{name}.errors {case.errors} count")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
