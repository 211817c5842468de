"""Counselors and what keeps their accounts safe: setup links, signed-in devices, recovery
codes, throttling and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Model, utcnow

if TYPE_CHECKING:
    from .couples import Couple


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
