"""For bench/load.py --plans: the query plans of the statements a page runs, as the database
chose them (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE), for docs/benchmarks.md.
Statements that only look up rows by primary key or sign-in are left out."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

SKIP = re.compile(r"^(BEGIN|COMMIT|INSERT|UPDATE|DELETE)|FROM (counselor|sign_in) WHERE")


def plans(app: Any, client: Any, paths: dict[str, str]) -> list[str]:
    """Every page's statements, each followed by its plan; one string per line."""
    from clinic.db import get_engine

    with app.app_context():
        engine = get_engine()
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    lines = []
    for page, path in paths.items():
        seen.clear()
        event.listen(engine, "before_cursor_execute", listen)
        try:
            assert client.get(path).status_code == 200, path
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        for statement, parameters in seen:
            if SKIP.search(statement):
                continue
            lines.append(f"-- {page}: {' '.join(statement.split())[:160]}...")
            lines += ["   " + line for line in explain(engine, statement, parameters)]
    return lines


def explain(engine: Any, statement: str, parameters: Any) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [f"{'  ' * _depth(row)}{row[3]}" for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + statement, parameters)
        return [row[0] for row in cursor.fetchall()]
    finally:
        raw.rollback()
        raw.close()


_parents: dict[int, int] = {}


def _depth(row: Any) -> int:
    """How deep a SQLite plan row sits (id, parent, ...)."""
    _parents[row[0]] = row[1]
    depth, parent = 0, row[1]
    while parent:
        depth, parent = depth + 1, _parents.get(parent, 0)
    return depth
