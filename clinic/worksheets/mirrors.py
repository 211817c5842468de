"""Mirror pairs: one partner's answer about themselves set beside the other partner's view of
them ("I show up for my partner" against "I can count on my partner"). The [[mirrors]] rules of
a worksheet file, and the side-by-side rows the review and the PDF show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .answers import gap_text, stored_value
from .model import Item, Mirror, Question, Worksheet
from .schema import Checker, shape_problem, show

MIRROR_KEYS = {"label", "self", "other", "flag_gap"}
COMPARABLE = ("scale", "matrix", "choice")


def _question(
    c: Checker, where: str, key: str, qid: str, by_id: Mapping[str, Question], seen: set[str]
) -> Question | None:
    q = by_id.get(qid)
    if q is None:
        if qid not in seen:  # a broken question was reported already
            c.add(where, f'{key} = "{qid}", but there is no such question')
    elif q.guesses is not None:
        c.add(where, f'{key} = "{qid}" is a guess; a mirror pairs answers, not guesses')
    elif q.kind not in COMPARABLE:
        c.add(where, f'{key} = "{qid}" is {q.kind}; mirrors pair scale, matrix or choice questions')
    else:
        return q
    return None


def _pair_problem(mine: Question, view: Question) -> str | None:
    if mine is view:
        return "self and other must be two different questions"
    if problem := shape_problem(view, mine):
        return f'other "{view.id}" must match self "{mine.id}": it {problem}'
    if (mine.ordered, mine.off_scale) != (view.ordered, view.off_scale):
        return "self and other must order their options the same way (ordered, off_scale)"
    if mine.private != view.private:
        secret, shared = (mine, view) if mine.private else (view, mine)
        return (
            f'"{secret.id}" is private and "{shared.id}" is not; pair two private questions or '
            "two shared ones, so that a private answer is never set beside a shared one"
        )
    return None


def _gap_problem(q: Question, gap: int) -> str | None:
    steps = len(q.ranked) - 1 if q.ordered else None
    if q.numeric and q.max is not None and q.min is not None:
        steps = q.max - q.min
    if steps is None:
        return "flag_gap needs questions whose answers are measured: scale, matrix, ordered choice"
    if gap < 1:
        return f"flag_gap ({gap}) must be 1 or more"
    if gap > steps:
        return f"flag_gap ({gap}) can never be reached on these questions"
    return None


def mirror_fields(
    c: Checker, raw: Any, by_id: Mapping[str, Question], seen: set[str]
) -> list[dict[str, Any]]:
    """The checked fields of each [[mirrors]] table."""
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        c.add(None, "mirrors must be written as [[mirrors]] tables")
        return []
    out: list[dict[str, Any]] = []
    for n, m in enumerate(raw, 1):
        label = m.get("label")
        named = isinstance(label, str) and label.strip()
        where = f"mirror {show(label)}" if named else f"mirror {n}"
        start = len(c.problems)
        c.unknown(where, m, MIRROR_KEYS)
        c.get(where, m, "label", str, "", required=True)
        ids = [c.get(where, m, key, str, required=True) for key in ("self", "other")]
        gap = c.get(where, m, "flag_gap", int)
        found = [
            _question(c, where, key, qid, by_id, seen)
            for key, qid in zip(("self", "other"), ids, strict=True)
            if qid is not None
        ]
        mine, view = (found + [None, None])[:2]
        if len(c.problems) > start or mine is None or view is None:
            continue
        problem = _pair_problem(mine, view)
        if gap is not None and not problem:
            problem = _gap_problem(mine, gap)
        if (mine.id, view.id) in {(o["self_id"], o["other_id"]) for o in out}:
            problem = problem or "this pair is listed twice"
        if problem:
            c.add(where, problem)
            continue
        out.append({"label": str(label), "self_id": mine.id, "other_id": view.id, "flag_gap": gap})
    return out


@dataclass(frozen=True)
class MirrorRow:
    """One partner's self-report ("a" or "b" is who it is about) beside the other's view."""

    mirror: Mirror
    about: str
    mine: Question
    view: Question
    item: Item | None
    self_value: Any
    view_value: Any
    gap: int | None
    flagged: bool
    different: bool

    @property
    def private(self) -> bool:
        return self.mine.private or self.view.private

    @property
    def gap_text(self) -> str:
        return gap_text(self.mine, self.gap or 0)


def compare_mirrors(
    ws: Worksheet, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> list[MirrorRow]:
    """For each pair: a about themselves beside b's view of a, then the reverse; per item for
    a matrix. Gaps are measured and flagged as for the question itself (the pair's flag_gap, or
    the self question's)."""
    rows: list[MirrorRow] = []
    for m in ws.mirrors:
        mine, view = ws.question(m.self_id), ws.question(m.other_id)
        threshold = m.flag_gap if m.flag_gap is not None else mine.flag_gap
        for about, own, theirs in (("a", a, b), ("b", b, a)):
            for item in mine.items or (None,):
                said, seen = stored_value(mine, own, item), stored_value(view, theirs, item)
                gap = mine.distance(said, seen)
                both = said is not None and seen is not None
                rows.append(
                    MirrorRow(
                        m,
                        about,
                        mine,
                        view,
                        item,
                        said,
                        seen,
                        gap,
                        flagged=gap is not None and threshold is not None and gap >= threshold,
                        different=mine.kind == "choice" and both and gap is None and said != seen,
                    )
                )
    return rows
