"""Benchmark start-up: make bench (or .venv/bin/python bench/start.py [--tree P] [--before P]).

Each run is a fresh Python process on a migrated SQLite database (no counselor yet): it imports
clinic, calls create_app() and serves its first request (the sign-in page), timing from just
before the import to the end of that response, and says which slow modules were imported on
the way. Interleaved with it, the floor: a process that imports Flask and SQLAlchemy's ORM, maps
one table and serves one request that reads it, which no Flask app on this database can beat.
The code is compiled to bytecode first, as an installed app's is after its first start (this
machine may set PYTHONDONTWRITEBYTECODE, which would compile it again in every process). The
first run fills the compiled-template cache in the instance folder, as a fresh installation's
first process does; the figures are medians of all runs. CPU seconds are printed too: on a
shared machine they move less than the wall clock. Goal: the first request within 0.4 s;
alembic, WeasyPrint and the rest of HEAVY never imported. Ends with one line per figure.
With --before, a second tree (a git worktree of an older commit) is started in turn with the
first, against the same floor, and reported as start.before.*: a change's effect in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Imported only by the commands and pages that need them (tests/test_config.py checks these).
HEAVY = ("alembic", "weasyprint", "pypdf", "segno", "pyotp")

CHILD = """
import time
started, cpu = time.perf_counter(), time.process_time()
import json, sys
from clinic import create_app
app = create_app()
created = time.perf_counter()
response = app.test_client().get("/login")
done, cpu = time.perf_counter(), time.process_time() - cpu
assert response.status_code == 200, response.status_code
heavy = [m for m in {heavy!r} if m in sys.modules]
print(json.dumps({{
    "create_app": created - started, "first_request": done - started, "cpu": cpu, "heavy": heavy
}}))
"""


FLOOR = """
import time
started, cpu = time.perf_counter(), time.process_time()
import json
from flask import Flask
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
class Base(DeclarativeBase):
    pass
class Counselor(Base):
    __tablename__ = "counselor"
    id: Mapped[int] = mapped_column(primary_key=True)
app = Flask("floor")
engine = create_engine({url!r})
@app.get("/login")
def login():
    with Session(engine) as session:
        return str(session.scalar(select(Counselor.id).limit(1)))
response = app.test_client().get("/login")
done, cpu = time.perf_counter(), time.process_time() - cpu
assert response.status_code == 200, response.status_code
print(json.dumps({{"first_request": done - started, "cpu": cpu}}))
"""


def run(
    env: dict[str, str], tree: Path, code: str | None = None, argv: tuple[str, ...] = ()
) -> dict[str, object]:
    """Run code (this file's start-up by default) with argv in a fresh Python in tree; the JSON
    of its last line of output."""
    out = subprocess.run(
        [sys.executable, "-c", code or CHILD.format(heavy=HEAVY), *argv],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return found


def measure(
    env: dict[str, str], trees: list[Path], runs: int
) -> list[dict[str, float | list[str]]]:
    """Medians of runs starts of each tree's app and of the floor, interleaved, on the migrated
    database env names (each tree compiled to bytecode first)."""
    for tree in trees:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "clinic"], cwd=tree, check=True, env=env
        )
    floor = FLOOR.format(url=env["DATABASE_URL"])
    apps: list[list[dict[str, object]]] = [[] for _ in trees]
    floors = []
    for _ in range(runs):
        floors.append(run(env, trees[0], floor))
        for tree, found in zip(trees, apps, strict=True):
            found.append(run({**env, "PYTHONPATH": str(tree)}, tree))
    return [
        {
            "create_app": statistics.median(float(str(r["create_app"])) for r in found),
            "first_request": statistics.median(float(str(r["first_request"])) for r in found),
            "cpu": statistics.median(float(str(r["cpu"])) for r in found),
            "floor": statistics.median(float(str(r["first_request"])) for r in floors),
            "floor_cpu": statistics.median(float(str(r["cpu"])) for r in floors),
            "heavy": sorted({m for r in found for m in r["heavy"]}),  # type: ignore[attr-defined]
        }
        for found in apps
    ]


def report(found: dict[str, float | list[str]], prefix: str = "start") -> None:
    print(f"{prefix}.create_app {found['create_app']:.2f} s")
    print(f"{prefix}.first_request {found['first_request']:.2f} s")
    print(f"{prefix}.first_request.cpu {found['cpu']:.2f} s")
    print(f"{prefix}.floor {found['floor']:.2f} s (Flask and SQLAlchemy alone)")
    ratio = float(found["first_request"]) / float(found["floor"])  # type: ignore[arg-type]
    print(f"{prefix}.first_request.ratio {ratio:.2f} x (over the floor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code tree to start")
    parser.add_argument(
        "--before",
        type=Path,
        help="another tree (a git worktree of an older commit, say), started in turn with the "
        "first and reported as start.before.*",
    )
    args = parser.parse_args()
    trees = [args.tree.resolve()] + ([args.before.resolve()] if args.before else [])
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(trees[0]),
            "CLINIC_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/clinic.sqlite3",
        }
        flask = [sys.executable, "-m", "flask", "--app", "clinic"]
        subprocess.run(
            [*flask, "db-upgrade"], env=env, cwd=trees[0], check=True, capture_output=True
        )
        found = measure(env, trees, args.runs)
    print(json.dumps({"runs": args.runs, "heavy_imported": found[0]["heavy"]}))
    report(found[0])
    if args.before:
        report(found[1], "start.before")


if __name__ == "__main__":
    main()
