"""A session summary as plain data: what the PDF shows, filled in by the view that builds it.

Whoever builds a couple's copy leaves private questions and counselor-only notes out
(`build_review(..., include_private=False)`); the template drops private rows again as a
second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .review import WorksheetReview

Copy = Literal["counselor", "couple"]
COPIES: tuple[Copy, ...] = ("counselor", "couple")
COPY_LABELS: dict[Copy, str] = {
    "counselor": "Counselor\u2019s copy \u2014 confidential",
    "couple": "Couple\u2019s copy",
}
# Goes into the file name and the PDF title, so it must never carry a name.
DOCUMENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")


@dataclass(frozen=True)
class OverviewLine:
    """One assignment since the previous session, and where each partner is with it."""

    title: str
    assigned_on: date
    due: date | None
    status_a: str
    status_b: str


@dataclass(frozen=True)
class SummaryDocument:
    practice: str
    counselor: str
    couple_label: str
    session_date: date
    copy: Copy
    names: tuple[str, str]
    overview: tuple[OverviewLine, ...]
    reviews: tuple[WorksheetReview, ...]
    notes: tuple[str, ...]
    next_steps: str
    seek_help: str
    document_id: str
    # The counselor's copy only: notes the counselor kept for themselves.
    counselor_notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.copy not in COPIES:
            raise ValueError(f"copy must be one of {COPIES}, not {self.copy!r}")
        if not DOCUMENT_ID_RE.fullmatch(self.document_id):
            raise ValueError(
                "document_id must be 1 to 40 letters, digits or -, starting with a letter or "
                f"digit (it goes into the file name), not {self.document_id!r}"
            )
        if self.copy == "couple" and self.counselor_notes:
            raise ValueError("the couple's copy holds no counselor-only notes")
        if len(self.names) != 2:
            raise ValueError("names must hold exactly two partner names")

    @property
    def for_couple(self) -> bool:
        return self.copy == "couple"

    @property
    def copy_label(self) -> str:
        """The footer line: which copy this is."""
        return COPY_LABELS[self.copy]
