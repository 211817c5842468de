"""Benchmark start-up: make bench (or .venv/bin/python bench/start.py [--tree PATH]).

Each run is a fresh Python process on a migrated SQLite database (no counselor yet): it imports
clinic, calls create_app() and serves its first request (the sign-in page), timing from just
before the import to the end of that response, and says which slow modules were imported on
the way. The first run fills the compiled-template cache in the instance folder, as a fresh
installation's first process does; the figures are medians of all runs. CPU seconds are printed
too: on a shared machine they move less than the wall clock. Goal: the first request within
0.4 s; alembic, WeasyPrint and the rest of HEAVY never imported. Ends with one line per figure.
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


def run(env: dict[str, str], tree: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(heavy=HEAVY)],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code tree to start")
    args = parser.parse_args()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "CLINIC_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{folder}/clinic.sqlite3",
        }
        flask = [sys.executable, "-m", "flask", "--app", "clinic"]
        subprocess.run([*flask, "db-upgrade"], env=env, cwd=tree, check=True, capture_output=True)
        runs = [run(env, tree) for _ in range(args.runs)]
    created = statistics.median(float(str(r["create_app"])) for r in runs)
    first = statistics.median(float(str(r["first_request"])) for r in runs)
    cpu = statistics.median(float(str(r["cpu"])) for r in runs)
    heavy = sorted({m for r in runs for m in r["heavy"]})  # type: ignore[attr-defined]
    print(json.dumps({"runs": args.runs, "heavy_imported": heavy}))
    print(f"start.create_app {created:.2f} s")
    print(f"start.first_request {first:.2f} s")
    print(f"start.first_request.cpu {cpu:.2f} s")


if __name__ == "__main__":
    main()
