"""The tables. Only row behaviour lives here; queries and side effects live beside the views."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .db import Model, utcnow
from .note_structures import parts_of


class Counselor(UserMixin, Model):  # type: ignore[misc]  # Flask-Login is untyped
    __tablename__ = "counselor"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by "Sign out everywhere" and deactivation: a session cookie carries the version it
    # was issued for.
    session_version: Mapped[int] = mapped_column(default=1)
    # Two-step sign-in: the authenticator app's shared secret (None: not set up), and the time
    # step of the last code accepted, so that no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # The counselor's own time zone (an IANA name) for reading times; None: the practice's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    couples: Mapped[list[Couple]] = relationship(back_populates="counselor")
    sign_ins: Mapped[list[SignIn]] = relationship(
        back_populates="counselor", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active


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


class SetupToken(Model):
    """The one-time link that creates the first counselor; only its hash is kept."""

    __tablename__ = "setup_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignIn(Model):
    """One device's signed-in session. Signing out there deletes it, and with it every copy of
    that device's cookie; only a hash of the token in the cookie is kept."""

    __tablename__ = "sign_in"
    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    counselor: Mapped[Counselor] = relationship(back_populates="sign_ins")


class RecoveryCode(Model):
    """One of a counselor's single-use codes for signing in without their phone; only a hash of
    it is kept, and it is deleted when used."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselor.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThrottleHit(Model):
    """One counted attempt; kept in the database so every app process sees the same counts."""

    __tablename__ = "throttle_hit"
    __table_args__ = (Index("ix_throttle_hit_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # old rows are purged


class AuditEvent(Model):
    """Who did what to which record, when and from where: ids and actions, never client text.

    link_id and couple_id have no foreign key, so the event outlives a deleted couple."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselor.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    couple_id: Mapped[int | None] = mapped_column(index=True)  # the couple the record is of
    address: Mapped[str | None] = mapped_column(String(64))
    # Why the counselor went ahead, where the app asked them to confirm; never client answers.
    detail: Mapped[str | None] = mapped_column(Text)


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
