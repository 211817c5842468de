"""Every table that holds a couple's data, and how to find the couple's rows in it.

The export and the deletion both go by this one list, so what is exported is exactly what is
deleted. A table added later needs one line here; until it has one,
tests/test_records.py fails, naming it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, Table, or_, select

from ..db import Model
from ..models import (
    Assignment,
    CounselingSession,
    Couple,
    Link,
    Message,
    Partner,
    Response,
    Round,
    RoundPartner,
    SafetyFlag,
    SessionAddendum,
    SessionNote,
    session_assignment,
)

Rows = Callable[[int], ColumnElement[bool]]  # the couple's rows, given the couple's id


def _assignments(couple_id: int) -> Select[int]:
    return select(Assignment.id).where(Assignment.couple_id == couple_id)


def _rounds(couple_id: int) -> Select[int]:
    return select(Round.id).where(Round.couple_id == couple_id)


def _partners(couple_id: int) -> Select[int]:
    return select(Partner.id).where(Partner.couple_id == couple_id)


def _sessions(couple_id: int) -> Select[int]:
    return select(CounselingSession.id).where(CounselingSession.couple_id == couple_id)


# Parents before children; deletion goes through it backwards.
COUPLE_ROWS: dict[str, Rows] = {
    "couple": lambda couple: Couple.id == couple,
    "partner": lambda couple: Partner.couple_id == couple,
    "round": lambda couple: Round.couple_id == couple,
    "round_partner": lambda couple: RoundPartner.round_id.in_(_rounds(couple)),
    "counseling_session": lambda couple: CounselingSession.couple_id == couple,
    "assignment": lambda couple: Assignment.couple_id == couple,
    "link": lambda couple: Link.round_id.in_(_rounds(couple)),
    "response": lambda couple: Response.assignment_id.in_(_assignments(couple)),
    "session_assignment": lambda couple: session_assignment.c.session_id.in_(_sessions(couple)),
    "session_note": lambda couple: SessionNote.session_id.in_(_sessions(couple)),
    "session_addendum": lambda couple: SessionAddendum.session_id.in_(_sessions(couple)),
    "safety_flag": lambda couple: SafetyFlag.couple_id == couple,
    # Invitations, reminders and the counselor's notes about this couple's work.
    "message": lambda couple: or_(
        Message.partner_id.in_(_partners(couple)),
        Message.round_id.in_(_rounds(couple)),
        Message.assignment_id.in_(_assignments(couple)),
    ),
}

# Tables that hold no couple's data: accounts, sign-in machinery, the audit log (ids only), and
# worksheet versions, whose text is the practice's, shared by every couple given the worksheet.
NOT_A_COUPLES = {
    "counselor",
    "sign_in",
    "recovery_code",
    "setup_token",
    "throttle_hit",
    "audit_event",
    "worksheet_version",
}

# Columns left out of the export: a hash of a link's token opens nothing and tells nothing.
# Secrets that open a link: no use to the couple, and a risk in a file that travels.
# The dashboard's bookkeeping (clinic/attention.py) says nothing the other columns do not.
NOT_EXPORTED = {
    ("link", "token_hash"),
    ("round_partner", "pin_hash"),
    ("assignment", "both_sent_at"),
    ("assignment", "waiting_on"),
    ("couple", "last_activity_at"),
    ("couple", "last_session_on"),
    ("couple", "search_text"),
}


def table(name: str) -> Table:
    return Model.metadata.tables[name]
