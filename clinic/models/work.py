"""The work given to a couple: worksheet versions, rounds and their partners, assignments, the
partners' private links and their responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Model, utcnow

if TYPE_CHECKING:
    from .couples import Couple, Partner


class Round(Model):
    """The worksheets given to a couple together: each partner gets one link that opens all of
    their open worksheets of the round."""

    __tablename__ = "round"
    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    couple: Mapped[Couple] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="round", order_by="Assignment.id"
    )
    links: Mapped[list[Link]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Link.id"
    )
    members: Mapped[list[RoundPartner]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundPartner.id"
    )

    def member(self, partner: Partner) -> RoundPartner:
        """This partner's place in the round, made on first use."""
        found = next(
            (m for m in self.members if m.partner is partner or m.partner_id == partner.id), None
        )
        if found is None:
            found = RoundPartner(partner=partner)
            self.members.append(found)
        return found


class RoundPartner(Model):
    """One partner in a round. The code they chose lives here, not on a link, so a newer link
    of the round (a reminder's, say) never opens their answers without it."""

    __tablename__ = "round_partner"
    __table_args__ = (UniqueConstraint("round_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    # The partner's code, chosen at the first Start; any other browser needs it to continue.
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    # The last time a link of the round was continued in a browser that had to give the code.
    other_browser_at: Mapped[datetime | None]
    reminders: Mapped[bool] = mapped_column(default=True)
    round: Mapped[Round] = relationship(back_populates="members")
    partner: Mapped[Partner] = relationship()


class WorksheetVersion(Model):
    """The exact text of a worksheet version, kept when first used so old answers still render."""

    __tablename__ = "worksheet_version"
    __table_args__ = (UniqueConstraint("slug", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Model):
    """A worksheet version given to a couple; its status follows from the two responses."""

    __tablename__ = "assignment"
    # The dashboard's lists walk this index: what waits on the counselor or the partners, by
    # due date.
    __table_args__ = (Index("ix_assignment_waiting_on_due_on", "waiting_on", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couple.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    worksheet_version_id: Mapped[int] = mapped_column(ForeignKey("worksheet_version.id"))
    due_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The session it was assigned from, when the counselor assigned it there.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("counseling_session.id"), index=True)
    # Off: no reminders about this worksheet (the partner's own switch is on RoundPartner).
    reminders: Mapped[bool] = mapped_column(default=True)
    # Kept by clinic/attention.py from the rows above, for the dashboard: when the second
    # partner sent, and whom the assignment waits on: "partners" (not both sent yet),
    # "counselor" (both sent, to review) or None (reviewed or closed).
    both_sent_at: Mapped[datetime | None]
    waiting_on: Mapped[str | None] = mapped_column(String(10))
    couple: Mapped[Couple] = relationship()
    round: Mapped[Round] = relationship(back_populates="assignments")
    worksheet_version: Mapped[WorksheetVersion] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    @property
    def links(self) -> list[Link]:
        """The links of the round this assignment belongs to: each opens this worksheet too."""
        return self.round.links

    def response_of(self, partner: Partner) -> Response | None:
        return next((r for r in self.responses if r.partner_id == partner.id), None)

    def partner_status(self, partner: Partner) -> str:
        """Where one partner is: not sent, sent, opened, in progress or submitted."""
        response = self.response_of(partner)
        if response is not None and response.submitted_at is not None:
            return "submitted"
        if response is not None and response.answers:
            return "in progress"
        links = [link for link in self.links if link.partner_id == partner.id]
        if any(link.first_opened_at for link in links):
            return "opened"
        if any(link.sent_at for link in links):
            return "sent"
        return "not sent"

    def submitted_count(self) -> int:
        return sum(1 for r in self.responses if r.submitted_at is not None)

    def overdue(self, today: date) -> bool:
        return self.closed_at is None and self.submitted_count() < 2 and today > self.due_on

    def status(self, today: date) -> str:
        if self.closed_at is not None:
            return "closed"
        if self.reviewed_at is not None:
            return "reviewed"
        if self.submitted_count() == 2:
            return "submitted by both"
        if self.overdue(today):
            return "overdue"
        if self.submitted_count() == 1:
            return "submitted by one"
        order = ["not sent", "sent", "opened", "in progress"]
        return max((self.partner_status(p) for p in self.couple.partners), key=order.index)


class Link(Model):
    """A partner's private link to their worksheets of one round. Only a hash of its token is
    kept. A partner may hold several working links of a round (each reminder brings a new one)."""

    __tablename__ = "link"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the dashboard's live links
    sent_at: Mapped[datetime | None]
    first_opened_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    round: Mapped[Round] = relationship(back_populates="links")
    partner: Mapped[Partner] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    @property
    def member(self) -> RoundPartner:
        return self.round.member(self.partner)


class Response(Model):
    """One partner's answers to one assignment: a working copy, and what they last sent."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("assignment_id", "partner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    section: Mapped[int] = mapped_column(default=0)  # where the partner was, to resume there
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # Set when what was sent answers a safety question with concern; the dashboard shows it.
    concern: Mapped[bool] = mapped_column(default=False)
    assignment: Mapped[Assignment] = relationship(back_populates="responses")
    partner: Mapped[Partner] = relationship()

    @property
    def locked(self) -> bool:
        """Closed, or sent and since reviewed: the partner can read the answers, not change them.

        A partner who had not sent yet when the counselor reviewed can still answer and send.
        """
        assignment = self.assignment
        return answers_locked(self.submitted_at, assignment.reviewed_at, assignment.closed_at)

    @property
    def unsent_changes(self) -> bool:
        return self.submitted_at is not None and self.answers != self.submitted_answers


def answers_locked(
    submitted_at: datetime | None, reviewed_at: datetime | None, closed_at: datetime | None
) -> bool:
    """Response.locked from the three times it depends on (for a save that loads no objects)."""
    return closed_at is not None or (reviewed_at is not None and submitted_at is not None)
