"""Autosave without load: .venv/bin/python bench/saves.py [--before PATH]

One process saves partners' answers one after another through the app (Flask's test client,
so no HTTP and no gunicorn), on SQLite and on PostgreSQL, and reports the wall-clock and CPU
time per save: what a save costs the worker and how long its round trips to the database take,
with no other request in the way. On a shared machine these figures move far less than the
requests a second of bench/load.py, so a change to the save path shows here first. With
--before, a second tree (a git worktree of an older commit) is run in turn with this one, on
the same databases: the change's effect in one run (saves.before.*). With --threads 1,2,4,
each run is made with one thread, then two saving at once, then four, as a gunicorn worker's
threads do (its switch interval too; each partner's saves made by one thread): what saving
side by side in one process costs a save (saves.threadsN.*).
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
import json, sys, threading, time
from clinic import create_app, serving
phones, saves, code = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
threads = int(sys.argv[4])
sys.setswitchinterval(getattr(serving, "SWITCH_INTERVAL_SECONDS", 0.005))  # as in a worker
app = create_app()
app.config["WTF_CSRF_ENABLED"] = False
clients = []
for token, response_id, fields in phones:
    client = app.test_client()
    client.post(f"/l/{token}", data={"code": code})
    clients.append((client, f"/r/{response_id}", fields))
for client, path, fields in clients:  # each once first: statements prepared, caches filled
    assert client.post(path, data=fields).get_json()["saved"], path
failures = []
def save(own, count):
    try:
        for i in range(count):
            client, path, fields = own[i % len(own)]
            assert client.post(path, data=fields).status_code == 200, path
    except BaseException as failure:  # a thread's failure ends the run, not only the thread
        failures.append(failure)
workers = [
    threading.Thread(target=save, args=(clients[k::threads], saves // threads))
    for k in range(threads)
]
wall, cpu = time.perf_counter(), time.process_time()
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
if failures:
    raise failures[0]
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
done = saves // threads * threads
for client, path, fields in clients:
    assert client.post(path, data=fields).get_json()["saved"], path
print(json.dumps({"wall": wall / done, "cpu": cpu / done}))
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
    parser.add_argument(
        "--threads", default="1", help=f"threads saving at once, in turn (1,2,4; at most {PHONES})"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.threads.split(",")]
    if not all(1 <= n <= PHONES for n in counts):
        parser.error(f"--threads: each 1 to {PHONES}")
    trees = {"saves": ROOT} | ({"saves.before": args.before.resolve()} if args.before else {})
    for database in args.databases.split(","):
        with database_for(database, args.postgres) as (_url, env):
            seeded = prepare(args.couples, env)
            phones = [
                (token, response_id, autosave_fields(slug))
                for token, response_id, slug in seeded.partners[:PHONES]
            ]
            found: dict[tuple[str, int], list[dict[str, float]]] = {
                (name, n): [] for name in trees for n in counts
            }
            for _ in range(args.runs):
                for name, tree in trees.items():
                    for n in counts:
                        found[name, n].append(run(tree, env, phones, args.saves, n))
            for (name, n), runs in found.items():
                threads = f".threads{n}" if n > 1 else ""
                for figure in ("wall", "cpu"):
                    ms = statistics.median(r[figure] for r in runs) * 1000
                    print(f"{name}{threads}.{database}.{figure} {ms:.3f} ms", flush=True)


def run(
    tree: Path, env: dict[str, str], phones: list[object], saves: int, threads: int
) -> dict[str, float]:
    """One run of saves (shared among threads) in a fresh process on tree's code."""
    argv = (json.dumps(phones), str(saves), CODE, str(threads))
    found = start.run({**env, "PYTHONPATH": str(tree)}, tree, CHILD, argv)
    return {figure: float(str(found[figure])) for figure in ("wall", "cpu")}


if __name__ == "__main__":
    main()
