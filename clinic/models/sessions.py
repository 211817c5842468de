"""Sessions with a couple: their notes, addenda after signing, and the worksheets talked about."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Model, utcnow
from ..note_structures import parts_of

if TYPE_CHECKING:
    from .accounts import Counselor
    from .couples import Couple
    from .work import Assignment


session_assignment = Table(
    "session_assignment",
    Model.metadata,
    Column("session_id", ForeignKey("counseling_session.id", ondelete="CASCADE"), primary_key=True),
    Column("assignment_id", ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True),
)


class CounselingSession(Model):
    """A session with a couple: notes, agreed next steps and the assignments talked about."""

    __tablename__ = "counseling_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id"), index=True)
    held_on: Mapped[date]
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How new notes are laid out (clinic.note_structures): "free", "soap", "dap" or "birp".
    note_structure: Mapped[str] = mapped_column(String(10), default="free")
    # Signing locks the notes and the record; a later change is an addendum.
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    couple: Mapped[Couple] = relationship()
    notes: Mapped[list[SessionNote]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionNote.id"
    )
    addenda: Mapped[list[SessionAddendum]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAddendum.id"
    )
    discussed: Mapped[list[Assignment]] = relationship(secondary=session_assignment)
    signed_by: Mapped[Counselor | None] = relationship()

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


class SessionNote(Model):
    __tablename__ = "session_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("counseling_session.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Shareable notes go into the couple's copy of the summary; the rest stay with the counselor.
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A structured note keeps each heading's text here (and all of it, headed, in text).
    structure: Mapped[str] = mapped_column(String(10), default="free")
    sections: Mapped[dict[str, str] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime | None]
    session: Mapped[CounselingSession] = relationship(back_populates="notes")

    @property
    def parts(self) -> list[tuple[str, str]]:
        """(heading, text) pairs; one part with no heading for free text."""
        return parts_of(self.structure, self.text, self.sections)


class SessionAddendum(Model):
    """Something added to a session's notes after it was signed: the notes stay as signed."""

    __tablename__ = "session_addendum"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("counseling_session.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    text: Mapped[str] = mapped_column(Text)
    # Like a note: shared ones go into the couple's copy, the rest stay with the counselor.
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    session: Mapped[CounselingSession] = relationship(back_populates="addenda")
    author: Mapped[Counselor | None] = relationship()
