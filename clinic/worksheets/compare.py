"""One worksheet's two answer sets, compared: what the review page and the PDF summary show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .answers import Guess, Row, compare, guesses, scores
from .worksheets import Worksheet


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
