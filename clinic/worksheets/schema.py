"""The rules of a worksheet file: each check and the message that names the file, the question
and the problem. Checks return plain values; the loader builds the dataclasses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from .model import CHANNELS, KINDS, NUMERIC, Question

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
ID_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
# Option and item keys are stored in answers and used in form field names ("qid.item").
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
POINT_RE = re.compile(r"-?(0|[1-9][0-9]{0,3})")
MAX_POINTS = 11
TEXT_LIMITS = {"text": (300, 1000), "long_text": (2000, 4000)}  # (default, most allowed)
METHODS = ("mean", "sum")
TOP_KEYS = {"title", "summary", "estimated_minutes", "intro", "caution", "sections"}
TOP_KEYS |= {"scores", "mirrors"}
SECTION_KEYS = {"title", "intro", "questions"}
SCORE_KEYS = {"id", "label", "questions", "method"}
COMMON_KEYS = {"id", "kind", "prompt", "help", "required", "private", "guesses"}
KIND_KEYS = {
    "scale": {"min", "max", "labels", "flag_gap", "concern"},
    "choice": {"options", "concern", "contact_safe", "ordered", "off_scale", "flag_gap"},
    "multi": {"options", "concern"},
    "text": {"max_length"},
    "long_text": {"max_length"},
    "matrix": {"items", "min", "max", "labels", "flag_gap"},
}
QUESTION_KEYS = COMMON_KEYS.union(*KIND_KEYS.values())
TYPE_NAMES = {
    int: "a whole number",
    str: "text in quotes",
    bool: "true or false",
    list: "a list in [ ]",
    dict: "a table in { }",
}


def show(value: Any) -> str:
    """A value as the file's author wrote it, for a message."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, dict)):
        return TYPE_NAMES[type(value)].replace(" in ", " ")
    return str(value)


class Checker:
    """Collects problems for one file, each prefixed with the file and where in it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def add(self, where: str | None, problem: str) -> None:
        self.problems.append(
            f"{self.filename}: {where}: {problem}" if where else f"{self.filename}: {problem}"
        )

    def unknown(self, where: str | None, table: dict[str, Any], allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                self.add(
                    where,
                    f'unknown key "{key}"' + (f' (did you mean "{near[0]}"?)' if near else ""),
                )

    def get(
        self,
        where: str | None,
        table: dict[str, Any],
        key: str,
        kind: type,
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                self.add(where, f"{key} is missing")
            return default
        value = table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.add(where, f"{key} must be {TYPE_NAMES[kind]}, not {show(value)}")
            return default
        if required and kind is str and not str(value).strip():
            self.add(where, f"{key} is empty")
        return value

    def pairs(self, where: str, raw: dict[str, Any], key: str, least: int) -> list[tuple[str, str]]:
        table = self.get(where, raw, key, dict, default={}, required=True)
        for k, v in table.items():
            if not KEY_RE.fullmatch(k):
                self.add(where, f'{key} key "{k}" must be lower case letters, digits, _ or -')
            if not isinstance(v, str) or not v.strip():
                self.add(where, f'{key} "{k}" needs a label in quotes')
        if key in raw and len(table) < least:
            self.add(where, f"{key} needs at least {least}, not {len(table)}")
        return [(k, str(v)) for k, v in table.items()]


def question_fields(c: Checker, raw: dict[str, Any], pos: str) -> tuple[str, dict[str, Any] | None]:
    """The id and the checked fields of one question table (options and items as key, label
    pairs); None instead of the fields when it has a problem."""
    qid, start = raw.get("id"), len(c.problems)
    where = f"question {show(qid)}" if isinstance(qid, str) else pos
    if qid is None:
        c.add(pos, "id is missing")
    elif not isinstance(qid, str) or not ID_RE.fullmatch(qid):
        c.add(where, "id must be lower case letters, digits and _, starting with a letter")
    kind = c.get(where, raw, "kind", str, required=True)
    if kind is not None and kind not in KINDS:
        c.add(where, f'kind "{kind}" must be one of: {", ".join(KINDS)}')
        kind = None
    c.unknown(where, raw, QUESTION_KEYS)
    misplaced = raw.keys() & QUESTION_KEYS - COMMON_KEYS - KIND_KEYS.get(kind or "", QUESTION_KEYS)
    for key in sorted(misplaced):
        c.add(where, f"{key} is not used by a {kind} question")
    q: dict[str, Any] = {
        "kind": kind,
        "prompt": c.get(where, raw, "prompt", str, "", required=True),
        "help": c.get(where, raw, "help", str, ""),
        "required": c.get(where, raw, "required", bool, True),
        "private": c.get(where, raw, "private", bool, False),
        "guesses": c.get(where, raw, "guesses", str),
    }
    scale_ok = False
    if kind in NUMERIC:
        lo, hi = (c.get(where, raw, k, int, required=True) for k in ("min", "max"))
        scale_ok = lo is not None and hi is not None and lo < hi and hi - lo < MAX_POINTS
        if lo is not None and hi is not None and lo >= hi:
            c.add(where, f"min ({lo}) must be less than max ({hi})")
        elif lo is not None and hi is not None and not scale_ok:
            c.add(where, f"min {lo} to max {hi} is {hi - lo + 1} points; use at most {MAX_POINTS}")
        labels = []
        for k, v in c.get(where, raw, "labels", dict, {}).items():
            if not POINT_RE.fullmatch(k):
                c.add(where, f'labels key "{k}" must be a whole number')
            elif not isinstance(v, str) or not v.strip():
                c.add(where, f"label {k} needs text in quotes")
            elif scale_ok and not lo <= int(k) <= hi:
                c.add(where, f"label {k} is outside the scale ({lo} to {hi})")
            else:
                labels.append((int(k), v))
        gap = c.get(where, raw, "flag_gap", int)
        if gap is not None and gap < 1:
            c.add(where, f"flag_gap ({gap}) must be 1 or more")
        elif gap is not None and scale_ok and gap > hi - lo:
            c.add(where, f"flag_gap ({gap}) can never be reached on a {lo} to {hi} scale")
        q.update(min=lo, max=hi, labels=tuple(sorted(labels)), flag_gap=gap)
    if kind in ("choice", "multi"):
        q["options"] = tuple(c.pairs(where, raw, "options", 2))
    if kind == "choice":
        q.update(_order(c, where, raw, [value for value, _ in q["options"]]))
    if kind == "matrix":
        q["items"] = tuple(c.pairs(where, raw, "items", 1))
    if kind in TEXT_LIMITS:
        default, most = TEXT_LIMITS[kind]
        q["max_length"] = c.get(where, raw, "max_length", int, default)
        if not 1 <= q["max_length"] <= most:
            c.add(where, f"max_length ({q['max_length']}) must be from 1 to {most}")
    concern = c.get(where, raw, "concern", list, [])
    if concern and not q["private"]:
        c.add(where, "concern is only allowed on a private question (add private = true)")
    if kind in KIND_KEYS and "concern" in KIND_KEYS[kind] and "concern" in raw:
        valid: list[Any] = (
            [value for value, _ in q["options"]]
            if "options" in q
            else list(range(q["min"], q["max"] + 1))
            if scale_ok
            else []
        )
        for value in concern:
            if (valid or "options" in q) and (isinstance(value, bool) or value not in valid):
                c.add(where, f"concern value {show(value)} is not an answer to this question")
        if not concern:
            c.add(where, "concern must list at least one answer")
        q["concern"] = tuple(concern)
    if "contact_safe" in raw:
        q["contact_safe"] = _contact_safe(c, where, raw, q)
    if len(c.problems) > start:  # a broken question would only add confusing knock-on problems
        return str(qid), None
    return str(qid), q


def _contact_safe(
    c: Checker, where: str, raw: dict[str, Any], q: dict[str, Any]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """contact_safe = { email = ["yes"], text = ["yes"] }: for each way of reaching the partner,
    the choices that allow it; any other answer rules that way out."""
    table = c.get(where, raw, "contact_safe", dict, {})
    if not q["private"]:
        c.add(where, "contact_safe is only allowed on a private question (add private = true)")
    options = [value for value, _ in q.get("options", ())]
    out = []
    for channel, allowed in table.items():
        if channel not in CHANNELS:
            c.add(where, f'contact_safe key "{channel}" must be one of: {", ".join(CHANNELS)}')
        elif not isinstance(allowed, list) or not all(isinstance(v, str) for v in allowed):
            c.add(where, f"contact_safe {channel} must be a list of options in quotes")
        else:
            for value in allowed:
                if value not in options:
                    c.add(where, f"contact_safe {channel}: {show(value)} is not an option here")
            out.append((channel, tuple(allowed)))
    if not out and table == {}:
        c.add(where, "contact_safe must name at least one way, such as email = [...]")
    return tuple(out)


def _order(c: Checker, where: str, raw: dict[str, Any], options: list[str]) -> dict[str, Any]:
    """ordered = true on a choice: its options run from one end to the other, so two answers are
    compared like points on a scale; off_scale names the options that are not on it."""
    ordered = c.get(where, raw, "ordered", bool, False)
    if not ordered:
        for key in ("off_scale", "flag_gap"):
            if key in raw:
                c.add(where, f"{key} needs ordered = true (options written in order, end to end)")
        return {}
    off = c.get(where, raw, "off_scale", list, [])
    for value in off:
        if not isinstance(value, str) or value not in options:
            c.add(where, f"off_scale: {show(value)} is not an option here")
    if len(set(map(str, off))) < len(off):
        c.add(where, "off_scale lists an option twice")
    steps = len([o for o in options if o not in off])
    gap = c.get(where, raw, "flag_gap", int)
    if steps < 2:
        c.add(where, f"ordered needs at least two options outside off_scale, not {steps}")
    elif gap is not None and gap < 1:
        c.add(where, f"flag_gap ({gap}) must be 1 or more")
    elif gap is not None and gap > steps - 1:
        c.add(where, f"flag_gap ({gap}) can never be reached with {steps} ordered options")
    return {"ordered": True, "off_scale": tuple(map(str, off)), "flag_gap": gap}


def shape_problem(q: Question, t: Question) -> str | None:
    """What keeps q from being compared answer for answer with t, or None."""
    if q.kind != t.kind:
        return f"must be the same kind ({t.kind}, not {q.kind})"
    if q.numeric and (q.min, q.max) != (t.min, t.max):
        return f"must use the same scale ({t.min} to {t.max}, not {q.min} to {q.max})"
    if [o.value for o in q.options] != [o.value for o in t.options]:
        return "must have the same options, in the same order"
    if [i.id for i in q.items] != [i.id for i in t.items]:
        return "must have the same items, in the same order"
    return None


def check_guesses(c: Checker, by_id: Mapping[str, Question], seen: set[str]) -> None:
    """Each guess must point at a question that exists and be shaped like it."""
    for q in by_id.values():
        if q.guesses is None:
            continue
        where, t = f'question "{q.id}"', by_id.get(q.guesses)
        if q.flag_gap is not None:
            c.add(where, "flag_gap has no effect on a guess; put it on the question guessed")
        if t is None:
            if q.guesses not in seen:  # a broken target was reported already
                c.add(where, f'guesses "{q.guesses}", but there is no such question')
        elif t is q:
            c.add(where, "a question cannot guess itself")
        elif t.guesses is not None:
            c.add(where, f'guesses "{t.id}", which is itself a guess')
        elif problem := shape_problem(q, t):
            c.add(where, f'guesses "{t.id}", so it {problem}')
        elif t.private and not q.private:
            c.add(where, f'guesses the private question "{t.id}", so it must be private too')


def score_fields(
    c: Checker, raw: Any, by_id: Mapping[str, Question], seen: set[str]
) -> list[dict[str, Any]]:
    """The checked fields of each [[scores]] table."""
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        c.add(None, "scores must be written as [[scores]] tables")
        return []
    out: list[dict[str, Any]] = []
    for n, s in enumerate(raw, 1):
        sid = s.get("id")
        where = f"score {show(sid)}" if isinstance(sid, str) else f"score {n}"
        c.unknown(where, s, SCORE_KEYS)
        c.get(where, s, "id", str, required=True)
        if isinstance(sid, str) and not ID_RE.fullmatch(sid):
            c.add(where, "id must be lower case letters, digits and _, starting with a letter")
        if isinstance(sid, str) and sid in {o["id"] for o in out}:
            c.add(where, "this score id is used twice")
        label = c.get(where, s, "label", str, "", required=True)
        method = c.get(where, s, "method", str, "mean")
        if method not in METHODS:
            c.add(where, f'method "{method}" must be one of: {", ".join(METHODS)}')
        qids = c.get(where, s, "questions", list, [], required=True)
        if "questions" in s and not qids:
            c.add(where, "questions must name at least one question")
        for qid in qids:
            q = by_id.get(qid) if isinstance(qid, str) else None
            if not isinstance(qid, str):
                c.add(where, f"questions must be ids in quotes, not {show(qid)}")
            elif q is None and qid not in seen:
                c.add(where, f"question {show(qid)} does not exist")
            elif q and not q.numeric:
                c.add(where, f'question "{qid}" is {q.kind}; scores need scale or matrix')
            elif q and (q.guesses or q.private):
                c.add(
                    where,
                    f'question "{qid}" is a {"guess" if q.guesses else "private"} '
                    "question and cannot be scored",
                )
        if len(set(map(str, qids))) < len(qids):
            c.add(where, "a question is listed twice")
        out.append(
            {"id": str(sid), "label": label, "questions": tuple(map(str, qids)), "method": method}
        )
    return out


def header_fields(c: Checker, data: dict[str, Any]) -> dict[str, Any]:
    """The checked top of the file: title, summary, estimated_minutes and intro."""
    c.unknown(None, data, TOP_KEYS)
    title = c.get(None, data, "title", str, "", required=True)
    summary = c.get(None, data, "summary", str, "", required=True)
    if "\n" in summary.strip():
        c.add(None, "summary must be one line")
    minutes = c.get(None, data, "estimated_minutes", int, required=True)
    if minutes is not None and not 1 <= minutes <= 60:
        c.add(None, f"estimated_minutes ({minutes}) must be from 1 to 60")
    return {
        "title": title,
        "summary": summary.strip(),
        "estimated_minutes": minutes,
        "intro": c.get(None, data, "intro", str, ""),
        "caution": c.get(None, data, "caution", bool, False),
    }


def section_tables(c: Checker, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The [[sections]] tables, or none when they are written in another shape."""
    raw_sections: list[Any] = c.get(None, data, "sections", list, [], required=True)
    if not all(isinstance(s, dict) for s in raw_sections):
        c.add(None, "sections must be written as [[sections]] tables")
        return []
    return raw_sections


def question_tables(c: Checker, where: str, section: dict[str, Any]) -> list[dict[str, Any]]:
    """The question tables of one section; a section needs at least one."""
    c.unknown(where, section, SECTION_KEYS)
    raw_qs: list[Any] = c.get(where, section, "questions", list, [])
    if not raw_qs or not all(isinstance(q, dict) for q in raw_qs):
        c.add(where, "needs at least one [[sections.questions]] table")
        return []
    return raw_qs
