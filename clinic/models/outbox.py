"""The outbox: messages to partners and counselors, queued, sent or failed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Model, utcnow

if TYPE_CHECKING:
    from .couples import Partner
    from .work import Assignment, Round


class Message(Model):
    """One message in the outbox: an invitation or reminder to a partner, or a note to the
    counselor. Never a token (a link is made when the message goes out) and never client
    content. channel is "email" today; another channel (text) would be another sender."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_status_next_try_at", "status", "next_try_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # invitation, reminder, both_sent, digest, test
    channel: Mapped[str] = mapped_column(String(10), default="email")
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    # Made for this message when it went out; only its hash is stored, on the link.
    link_id: Mapped[int | None] = mapped_column(ForeignKey("link.id"))
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # sending, sent, failed...
    # Why it was skipped, or the server's answer when it was sent.
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[datetime | None]
    # A sender holds a claimed message until then; after a crash another sender may retry it.
    claimed_until: Mapped[datetime | None]
    # One reminder per step, one note per assignment: a second sender's copy is refused here.
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    partner: Mapped[Partner | None] = relationship()
    round: Mapped[Round | None] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
