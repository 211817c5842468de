"""Loading worksheets/*.toml into the model, reporting every mistake in a file at once."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import schema as rules
from .mirrors import mirror_fields
from .model import Item, Mirror, Option, Question, Score, Section, Worksheet, WorksheetError


def parse_worksheet(text: str, slug: str, filename: str) -> Worksheet:
    """Parse and check one worksheet's TOML text; raise WorksheetError listing every problem."""
    c = rules.Checker(filename)
    if not rules.SLUG_RE.fullmatch(slug):
        c.add(None, "the file name must be lower case letters, digits and -, then .toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise WorksheetError([*c.problems, f"{filename}: not valid TOML: {e}"]) from None
    header = rules.header_fields(c, data)
    sections: list[Section] = []
    by_id: dict[str, Question] = {}
    seen: set[str] = set()
    for n, s in enumerate(rules.section_tables(c, data), 1):
        where = f"section {n}"
        questions = []
        for m, raw in enumerate(rules.question_tables(c, where, s), 1):
            qid, fields = rules.question_fields(c, raw, f"{where}, question {m}")
            if qid in seen:
                c.add(f'question "{qid}"', "this id is used twice; ids must be unique in a file")
            seen.add(qid)
            if fields is not None:
                q = _question(qid, fields)
                by_id.setdefault(q.id, q)
                questions.append(q)
        title = c.get(where, s, "title", str, "", required=True)
        sections.append(Section(title, c.get(where, s, "intro", str, ""), tuple(questions)))
    rules.check_guesses(c, by_id, seen)
    scores = [Score(**s) for s in rules.score_fields(c, data.get("scores", []), by_id, seen)]
    mirrors = [Mirror(**m) for m in mirror_fields(c, data.get("mirrors", []), by_id, seen)]
    if c.problems:
        raise WorksheetError(c.problems)
    return Worksheet(
        slug=slug,
        **header,
        sections=tuple(sections),
        scores=tuple(scores),
        mirrors=tuple(mirrors),
        version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
        source=text,
    )


def _question(qid: str, fields: dict[str, Any]) -> Question:
    options = tuple(Option(value, label) for value, label in fields.pop("options", ()))
    items = tuple(Item(item_id, label) for item_id, label in fields.pop("items", ()))
    return Question(id=qid, options=options, items=items, **fields)


def load_file(path: Path) -> Worksheet:
    """Read and parse one worksheet file; its slug is the file name without .toml."""
    try:
        # utf-8-sig: Windows editors add a byte-order mark that TOML would reject.
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise WorksheetError([f"{path.name}: cannot be read ({e.strerror})"]) from None
    except UnicodeDecodeError:
        raise WorksheetError([f"{path.name}: is not UTF-8 text; save it as UTF-8"]) from None
    return parse_worksheet(text, path.stem, path.name)


def _toml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


def load_library(
    builtin_dir: Path, extra_dirs: Sequence[Path] = ()
) -> tuple[dict[str, Worksheet], list[str]]:
    """Load built-in worksheets (any problem raises) and extra folders (problems are returned)."""
    if not builtin_dir.is_dir():
        raise WorksheetError([f"{builtin_dir}: worksheet folder not found"])
    found: dict[str, Worksheet] = {}
    origin: dict[str, Path] = {}
    problems: list[str] = []
    for path in _toml_files(builtin_dir):
        try:
            found[path.stem], origin[path.stem] = load_file(path), path
        except WorksheetError as e:
            problems.extend(e.problems)
    if problems:
        raise WorksheetError(problems)
    for folder in extra_dirs:
        if not folder.is_dir():
            problems.append(f"{folder}: worksheet folder not found")
            continue
        for path in _toml_files(folder):
            try:
                ws = load_file(path)
            except WorksheetError as e:
                problems.extend(e.problems)
                continue
            if ws.slug in found:
                problems.append(
                    f'{path}: skipped; "{ws.slug}" is already loaded from {origin[ws.slug]}'
                )
                continue
            found[ws.slug], origin[ws.slug] = ws, path
    ordered = sorted(found.values(), key=lambda w: (w.title.casefold(), w.slug))
    return {w.slug: w for w in ordered}, problems


def check_paths(paths: Sequence[Path]) -> list[str]:
    """Every problem in the given files; a folder stands for the .toml files in it."""
    problems: list[str] = []
    for path in paths:
        files = _toml_files(path) if path.is_dir() else [path] if path.exists() else []
        if not path.exists():
            problems.append(f"{path}: not found")
        elif not files:
            problems.append(f"{path}: no .toml files in this folder")
        for file in files:
            try:
                load_file(file)
            except WorksheetError as e:
                problems.extend(e.problems)
    return problems
