"""Autosave without load: .venv/bin/python bench/saves.py [--before PATH]

One process saves partners' answers one after another through the app (Flask's test client,
so no HTTP and no gunicorn), on SQLite and on PostgreSQL, and reports the wall-clock and CPU
time per save: what a save costs the worker and how long its round trips to the database take,
with no other request in the way. On a shared machine these figures move far less than the
requests a second of bench/load.py, so a change to the save path shows here first. With
--before, a second tree (a git worktree of an older commit) is run in turn with this one, on
the same databases: the change's effect in one run (saves.before.*).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import start  # noqa: E402
from bench.load import database_for, prepare  # noqa: E402
from bench.serve import CODE, autosave_fields  # noqa: E402

PHONES = 8  # partners saving in turn, each a worksheet of its own

CHILD = """
import json, sys, time
from clinic import create_app
phones, saves, code = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = create_app()
app.config["WTF_CSRF_ENABLED"] = False
clients = []
for token, response_id, fields in phones:
    client = app.test_client()
    client.post(f"/l/{token}", data={"code": code})
    clients.append((client, f"/r/{response_id}", fields))
for client, path, fields in clients:  # each once first: statements prepared, caches filled
    assert client.post(path, data=fields).get_json()["saved"], path
wall, cpu = time.perf_counter(), time.process_time()
for i in range(saves):
    client, path, fields = clients[i % len(clients)]
    assert client.post(path, data=fields).status_code == 200
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
for client, path, fields in clients:
    assert client.post(path, data=fields).get_json()["saved"], path
print(json.dumps({"wall": wall / saves, "cpu": cpu / saves}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--couples", type=int, default=1000, help="seeded as bench/load.py")
    parser.add_argument("--saves", type=int, default=2000, help="per run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tree, in turn")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--before", type=Path, help="an older tree, run in turn with this one")
    args = parser.parse_args()
    trees = {"saves": ROOT} | ({"saves.before": args.before.resolve()} if args.before else {})
    for database in args.databases.split(","):
        with database_for(database, args.postgres) as (_url, env):
            seeded = prepare(args.couples, env)
            phones = [
                (token, response_id, autosave_fields(slug))
                for token, response_id, slug in seeded.partners[:PHONES]
            ]
            found: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
            for _ in range(args.runs):
                for name, tree in trees.items():
                    found[name].append(run(tree, env, phones, args.saves))
            for name, runs in found.items():
                for figure in ("wall", "cpu"):
                    ms = statistics.median(r[figure] for r in runs) * 1000
                    print(f"{name}.{database}.{figure} {ms:.3f} ms", flush=True)


def run(tree: Path, env: dict[str, str], phones: list[object], saves: int) -> dict[str, float]:
    """One run of saves in a fresh process on tree's code."""
    argv = (json.dumps(phones), str(saves), CODE)
    found = start.run({**env, "PYTHONPATH": str(tree)}, tree, CHILD, argv)
    return {figure: float(str(found[figure])) for figure in ("wall", "cpu")}


if __name__ == "__main__":
    main()
