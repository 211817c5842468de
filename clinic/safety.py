"""Safety first: flags raised by a partner's answers that stay until a counselor acts, the joint
worksheets that need the counselor's confirmation while one is open, whether a partner may be
contacted, and the practice's crisis resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .audit import record
from .catalog import stored_worksheet
from .dates import day
from .db import get_db, utcnow
from .models import Assignment, Couple, Partner, Response, SafetyFlag
from .worksheets.model import Question, Worksheet

CHANNEL_NAMES = {"email": "email", "text": "a text message"}


@dataclass(frozen=True)
class CrisisResource:
    name: str
    number: str
    when: str


def raise_flag(response: Response, questions: list[Question], *, link_id: int) -> SafetyFlag:
    """Flag the couple for these answers of concern; an open flag for the same worksheet and
    partner takes the new questions instead of a second flag. The caller commits."""
    assignment = response.assignment
    qids = [q.id for q in questions]
    flag = get_db().scalar(
        select(SafetyFlag).where(
            SafetyFlag.assignment_id == assignment.id,
            SafetyFlag.partner_id == response.partner_id,
            SafetyFlag.acknowledged_at.is_(None),
        )
    )
    if flag is None:
        flag = SafetyFlag(
            couple_id=assignment.couple_id,
            partner_id=response.partner_id,
            assignment_id=assignment.id,
            question_ids=qids,
        )
        get_db().add(flag)
        record("raise_safety_flag", flag, link_id=link_id)
    else:
        flag.question_ids = list(dict.fromkeys([*flag.question_ids, *qids]))
    return flag


def open_flags(couple: Couple) -> list[SafetyFlag]:
    return [flag for flag in couple.flags if flag.open]


def acknowledge(flag: SafetyFlag, note: str, counselor_id: int) -> None:
    """Record who acted on a flag, when and what they did; the flag then leaves the lists."""
    flag.acknowledged_at = utcnow()
    flag.acknowledged_by_id = counselor_id
    flag.note = note
    record("acknowledge_safety_flag", flag)


def flagged_prompts(flag: SafetyFlag) -> list[str]:
    """The questions behind a flag, as the partner read them."""
    worksheet = stored_worksheet(flag.assignment.worksheet_version)
    by_id = {q.id: q for q in worksheet.questions}
    return [by_id[qid].prompt for qid in flag.question_ids if qid in by_id]


def needing_caution(couple: Couple, worksheets: list[Worksheet]) -> list[Worksheet]:
    """The worksheets that ask for the counselor's confirmation: joint work about touch, sex or
    disclosure while a safety flag on the couple is open."""
    if not open_flags(couple):
        return []
    return [worksheet for worksheet in worksheets if worksheet.caution]


def go_ahead(target: Any, action: str, reason: str) -> None:
    """Note in the audit log that the counselor went ahead despite an open flag, and why."""
    event = record(action, target)
    event.detail = reason


def contact_refused(partner: Partner, channel: str = "email") -> str | None:
    """Why the practice must not reach this partner this way, or None. The latest answer the
    partner sent to a contact-safety question decides; no answer means no objection."""
    sent = get_db().scalars(
        select(Response)
        .where(Response.partner_id == partner.id, Response.submitted_at.is_not(None))
        .options(joinedload(Response.assignment).joinedload(Assignment.worksheet_version))
        .order_by(Response.submitted_at.desc())
    )
    for response in sent:
        worksheet = stored_worksheet(response.assignment.worksheet_version)
        for question in worksheet.questions:
            allowed = dict(question.contact_safe).get(channel)
            value = (response.submitted_answers or {}).get(question.id)
            if allowed is None or value is None:
                continue
            if value in allowed:
                return None
            return (
                f"{partner.display_name} said on {day(response.submitted_at)} that "
                f"{CHANNEL_NAMES[channel]} from the practice is not safe for them."
            )
    return None


def crisis_resources() -> list[CrisisResource]:
    """The practice's crisis resources (CRISIS_RESOURCES), shown to partners and in both PDFs."""
    return [
        CrisisResource(str(r["name"]), str(r["number"]), str(r.get("when", "")))
        for r in current_app.config["CRISIS_RESOURCES"]
    ]
