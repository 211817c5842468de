"""Two partners' answers to one worksheet, compared: gaps, guesses against the real answer,
scores, and scores over time. What the review page and the PDF summary show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .answers import stored_value
from .model import Item, Question, Worksheet


def scores(ws: Worksheet, answers: Mapping[str, Any] | None) -> dict[str, float | None]:
    """Each score's mean (to 2 places) or sum over answered values; None when none answered."""
    result: dict[str, float | None] = {}
    for score in ws.scores:
        numbers: list[int] = []
        for qid in score.questions:
            q = ws.question(qid)
            for item in q.items or (None,):
                value = stored_value(q, answers, item)
                if value is not None:
                    numbers.append(value)
        if not numbers:
            result[score.id] = None
        elif score.method == "sum":
            result[score.id] = float(sum(numbers))
        else:
            result[score.id] = round(sum(numbers) / len(numbers), 2)
    return result


@dataclass(frozen=True)
class Row:
    question: Question
    item: Item | None
    a: Any
    b: Any
    gap: int | None
    flagged: bool


def compare(ws: Worksheet, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Row]:
    """One row per question (per item for a matrix) with both answers and the gap between."""
    rows: list[Row] = []
    for q in ws.questions:
        for item in q.items or (None,):
            va, vb = stored_value(q, a, item), stored_value(q, b, item)
            gap = abs(va - vb) if q.numeric and va is not None and vb is not None else None
            # A gap between two guesses says nothing; guesses are judged against real answers.
            flagged = (
                gap is not None
                and q.flag_gap is not None
                and q.guesses is None
                and gap >= q.flag_gap
            )
            rows.append(Row(q, item, va, vb, gap, flagged))
    return rows


@dataclass(frozen=True)
class Guess:
    question: Question
    target: Question
    item: Item | None
    guesser: str
    guess: Any
    actual: Any
    match: bool | None
    off_by: int | None


def guesses(ws: Worksheet, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[Guess]:
    """Each partner's guess beside the other partner's real answer, partner a first."""
    out: list[Guess] = []
    for q in ws.questions:
        if q.guesses is None:
            continue
        target = ws.question(q.guesses)
        for guesser, mine, theirs in (("a", a, b), ("b", b, a)):
            for item in target.items or (None,):
                guess, actual = stored_value(q, mine, item), stored_value(target, theirs, item)
                both = guess is not None and actual is not None
                if not both or q.kind in ("text", "long_text"):
                    match = None
                elif q.kind == "multi":
                    match = set(guess) == set(actual)
                else:
                    match = guess == actual
                off_by = abs(guess - actual) if both and q.numeric else None
                out.append(Guess(q, target, item, guesser, guess, actual, match, off_by))
    return out



@dataclass(frozen=True)
class ScoreLine:
    label: str
    a: float | None
    b: float | None


@dataclass(frozen=True)
class TrendPoint:
    when: datetime
    a: float | None
    b: float | None


@dataclass(frozen=True)
class Trend:
    """One score across every time the worksheet was given to this couple, oldest first."""

    label: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class WorksheetReview:
    worksheet: Worksheet
    names: tuple[str, str]
    submitted: tuple[datetime | None, datetime | None]
    rows: tuple[Row, ...]
    guesses: tuple[Guess, ...]
    scores: tuple[ScoreLine, ...]
    trends: tuple[Trend, ...] = field(default=())

    @property
    def flagged(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.flagged)


def build_review(
    worksheet: Worksheet,
    names: tuple[str, str],
    a: Mapping[str, Any] | None,
    b: Mapping[str, Any] | None,
    *,
    submitted: tuple[datetime | None, datetime | None] = (None, None),
    include_private: bool = True,
    trends: tuple[Trend, ...] = (),
) -> WorksheetReview:
    """Compare two partners' answers; the couple's copy leaves private questions out."""
    rows = compare(worksheet, a, b)
    guess_rows = guesses(worksheet, a, b)
    if not include_private:
        rows = [row for row in rows if not row.question.private]
        guess_rows = [g for g in guess_rows if not g.question.private and not g.target.private]
    scores_a, scores_b = scores(worksheet, a), scores(worksheet, b)
    lines = tuple(
        ScoreLine(s.label, scores_a.get(s.id), scores_b.get(s.id)) for s in worksheet.scores
    )
    return WorksheetReview(
        worksheet=worksheet,
        names=names,
        submitted=submitted,
        rows=tuple(rows),
        guesses=tuple(guess_rows),
        scores=lines,
        trends=trends,
    )
