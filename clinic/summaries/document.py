"""A session summary as plain data: what the PDF shows, and building it from a session.

The couple's copy leaves private questions and counselor-only notes out
(`review_of(..., include_private=False)`); the template drops private rows again as a
second line of defence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from flask import current_app
from sqlalchemy import select

from ..dates import local_date, practice_zone, viewer_zone
from ..db import get_db
from ..history import couple_trends, review_of, summary_assignments
from ..models import Assignment, CounselingSession
from ..safety import CrisisResource, crisis_resources, flagged_prompts, open_flags
from ..worksheets.compare import WorksheetReview

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
class NoteBlock:
    """One note as it reads: (heading, text) parts, a heading empty for free text."""

    parts: tuple[tuple[str, str], ...]

    @classmethod
    def plain(cls, text: str) -> NoteBlock:
        return cls((("", text),))

    def __str__(self) -> str:
        return "\n\n".join(f"{h}\n{t}" if h else t for h, t in self.parts)


@dataclass(frozen=True)
class AddendumLine:
    """Something added after the session was signed, with who added it and when."""

    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class FlagLine:
    """An open safety concern, for the counselor's copy only."""

    partner: str
    worksheet: str
    raised_on: date
    prompts: tuple[str, ...]


# What the counselor leaves out of the couple's copy: a whole assignment (its id), or one
# question of it (assignment id, question id).
LeaveOut = frozenset[int | tuple[int, str]]


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
    # Plain strings are taken as free-text notes (NoteBlock.plain).
    notes: tuple[NoteBlock, ...]
    next_steps: str
    seek_help: str
    document_id: str
    # The counselor's copy only: notes the counselor kept for themselves, open safety flags.
    counselor_notes: tuple[NoteBlock, ...] = ()
    flags: tuple[FlagLine, ...] = ()
    crisis: tuple[CrisisResource, ...] = ()
    # Once the session is signed: who signed and when, and what was added after (the couple's
    # copy holds only the shared addenda).
    signed_by: str = ""
    signed_at: datetime | None = None
    addenda: tuple[AddendumLine, ...] = ()
    counselor_addenda: tuple[AddendumLine, ...] = ()

    def __post_init__(self) -> None:
        for name in ("notes", "counselor_notes"):
            blocks = tuple(
                NoteBlock.plain(n) if isinstance(n, str) else n for n in getattr(self, name)
            )
            object.__setattr__(self, name, blocks)
        if self.copy not in COPIES:
            raise ValueError(f"copy must be one of {COPIES}, not {self.copy!r}")
        if not DOCUMENT_ID_RE.fullmatch(self.document_id):
            raise ValueError(
                "document_id must be 1 to 40 letters, digits or -, starting with a letter or "
                f"digit (it goes into the file name), not {self.document_id!r}"
            )
        if self.copy == "couple" and (self.counselor_notes or self.counselor_addenda or self.flags):
            raise ValueError("the couple's copy holds no counselor-only notes or safety flags")
        if len(self.names) != 2:
            raise ValueError("names must hold exactly two partner names")

    @property
    def for_couple(self) -> bool:
        return self.copy == "couple"

    @property
    def copy_label(self) -> str:
        """The footer line: which copy this is."""
        return COPY_LABELS[self.copy]


def discussed(meeting: CounselingSession) -> list[Assignment]:
    """The assignments talked about in a session, oldest first, as the summary lists them."""
    return sorted(meeting.discussed, key=lambda a: (a.created_at, a.id))


def _without(review: WorksheetReview, questions: set[str]) -> WorksheetReview:
    """A review with these questions left out, and any score, trend or mirror pair built on
    them."""
    if not questions:
        return review
    dropped = {s.label for s in review.worksheet.scores if questions & set(s.questions)}
    return replace(
        review,
        rows=tuple(r for r in review.rows if r.question.id not in questions),
        guesses=tuple(g for g in review.guesses if not {g.question.id, g.target.id} & questions),
        mirrors=tuple(m for m in review.mirrors if not {m.mine.id, m.view.id} & questions),
        scores=tuple(s for s in review.scores if s.label not in dropped),
        trends=tuple(t for t in review.trends if t.label not in dropped),
    )


def build_document(
    meeting: CounselingSession, copy: Copy, leave_out: LeaveOut = frozenset()
) -> SummaryDocument:
    """Everything the PDF shows; the couple's copy leaves out private questions and notes,
    and whatever the counselor chose to leave out of it."""
    couple = meeting.couple
    first, second = couple.partners
    for_couple = copy == "couple"
    zone = practice_zone() if for_couple else viewer_zone()  # whose days the dates are
    previous = get_db().scalar(
        select(CounselingSession.held_on)
        .where(
            CounselingSession.couple_id == couple.id,
            CounselingSession.held_on < meeting.held_on,
        )
        .order_by(CounselingSession.held_on.desc())
        .limit(1)
    )
    assignments = summary_assignments(couple, previous, meeting.held_on)
    since = [
        a
        for a in reversed(assignments)
        if (previous is None or local_date(a.created_at, practice_zone()) > previous)
        and local_date(a.created_at, practice_zone()) <= meeting.held_on
        and not (for_couple and a.id in leave_out)
    ]
    overview = tuple(
        OverviewLine(
            title=a.worksheet_version.title,
            assigned_on=local_date(a.created_at, zone),
            due=a.due_on,
            status_a=a.partner_status(first),
            status_b=a.partner_status(second),
        )
        for a in since
    )
    trends = {slug: found for slug, _title, found in couple_trends(assignments)}
    questions_out: dict[int, set[str]] = {}
    for key in leave_out if for_couple else ():
        if isinstance(key, tuple):
            questions_out.setdefault(key[0], set()).add(key[1])
    reviews = tuple(
        _without(
            review_of(
                a, include_private=not for_couple, trends=trends.get(a.worksheet_version.slug, ())
            ),
            questions_out.get(a.id, set()),
        )
        for a in discussed(meeting)
        if not (for_couple and a.id in leave_out)
    )
    flags = (
        ()
        if for_couple
        else tuple(
            FlagLine(
                f.partner.display_name,
                f.assignment.worksheet_version.title,
                local_date(f.raised_at, zone),
                tuple(flagged_prompts(f)),
            )
            for f in open_flags(couple)
        )
    )
    shared = tuple(NoteBlock(tuple(n.parts)) for n in meeting.notes if n.shared)
    kept = (
        ()
        if for_couple
        else tuple(NoteBlock(tuple(n.parts)) for n in meeting.notes if not n.shared)
    )
    added = [
        (a.shared, AddendumLine(a.author.name if a.author else "", a.created_at, a.text))
        for a in meeting.addenda
    ]
    return SummaryDocument(
        practice=current_app.config["PRACTICE_NAME"],
        counselor=couple.counselor.name,
        couple_label=couple.label,
        session_date=meeting.held_on,
        copy=copy,
        names=(first.display_name, second.display_name),
        overview=overview,
        reviews=reviews,
        notes=shared,
        counselor_notes=kept,
        next_steps=meeting.next_steps,
        seek_help=current_app.config["SEEK_HELP_TEXT"],
        document_id=f"S{meeting.id}",
        flags=flags,
        crisis=tuple(crisis_resources()),
        signed_by=meeting.signed_by.name if meeting.signed_by else "",
        signed_at=meeting.signed_at,
        addenda=tuple(line for is_shared, line in added if is_shared),
        counselor_addenda=() if for_couple else tuple(line for s, line in added if not s),
    )
