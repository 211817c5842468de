"""Couples, their two partners, and the safety concerns raised on their answers."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Model, utcnow

if TYPE_CHECKING:
    from .accounts import Counselor
    from .work import Assignment


class Couple(Model):
    __tablename__ = "couple"
    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]
    # The dashboard's "Last activity", kept here so a page of couples reads it from the row
    # (clinic/attention.py keeps it): the newest worksheet given or answers sent, and the latest
    # session's date.
    last_activity_at: Mapped[datetime | None]
    last_session_on: Mapped[date | None]
    # The label and both partners' names in lower case, one per line: what the dashboard's
    # search reads, one column of one row per couple. Kept by the validators below.
    search_text: Mapped[str] = mapped_column(Text, default="")
    counselor: Mapped[Counselor] = relationship(back_populates="couples")
    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", cascade="all, delete-orphan", order_by="Partner.position"
    )
    flags: Mapped[list[SafetyFlag]] = relationship(
        back_populates="couple", cascade="all, delete-orphan", order_by="SafetyFlag.id"
    )

    @validates("label")
    def _new_label(self, _key: str, label: str) -> str:
        self.search_text = searchable(label, [p.display_name for p in self.partners])
        return label

    @validates("partners")
    def _new_partner(self, _key: str, partner: Partner) -> Partner:
        names = [p.display_name for p in self.partners if p is not partner]
        self.search_text = searchable(self.label, [*names, partner.display_name])
        return partner


def searchable(label: str | None, names: Sequence[str | None]) -> str:
    """What a couple is found by: the label and the partners' names, in lower case and composed
    (NFC), whichever form a name was stored in."""
    return "\n".join(unicodedata.normalize("NFC", text.lower()) for text in (label, *names) if text)


# The dashboard's page of couples: a counselor's active couples in name order, read from here.
Index(
    "ix_couple_roster",
    Couple.counselor_id,
    Couple.archived_at,
    func.lower(Couple.label),
    Couple.id,
)


class Partner(Model):
    __tablename__ = "partner"
    __table_args__ = (UniqueConstraint("couple_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id"), index=True)
    position: Mapped[int]  # 1 or 2: the order the counselor entered them in
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    couple: Mapped[Couple] = relationship(back_populates="partners")

    @validates("display_name")
    def _new_name(self, _key: str, name: str) -> str:
        couple = self.couple
        if couple is not None:  # a new partner is counted when added to the couple
            names = [name if p is self else p.display_name for p in couple.partners]
            couple.search_text = searchable(couple.label, names)
        return name


class SafetyFlag(Model):
    """Raised when a partner's sent answers show a safety concern; it stays on every page the
    counselor looks at until they acknowledge it with a note of what was done."""

    __tablename__ = "safety_flag"
    # The dashboard's open concerns, oldest first.
    __table_args__ = (Index("ix_safety_flag_open", "acknowledged_at", "raised_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    question_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"))
    note: Mapped[str | None] = mapped_column(Text)
    couple: Mapped[Couple] = relationship(back_populates="flags")
    partner: Mapped[Partner] = relationship()
    assignment: Mapped[Assignment] = relationship()
    acknowledged_by: Mapped[Counselor | None] = relationship()

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None
