"""What a partner's page does to their response: start, note the link's use, send (the working
copy itself is drafts.py). Each function changes the rows and adds the audit event; the view
commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import attention, throttle
from ..audit import record
from ..catalog import stored_worksheet
from ..db import get_db, utcnow
from ..links import code_key
from ..mail.queue import note_both_sent
from ..models import Assignment, Link, Response
from ..passwords import hash_password, verify_password
from ..safety import raise_flag
from ..worksheets.answers import clean_answers, concerns
from ..worksheets.model import Worksheet
from .drafts import form_values

CODE_RE = re.compile(r"[0-9]{4,8}")
WRONG_CODES = 5  # in a row: then the link stops working and the counselor issues a new one
CODE_WINDOW_MINUTES = 60 * 24 * 90  # longer than any link lives


def unlock(link: Link, code: str, *, this_browser: bool) -> str | None:
    """Let a browser continue with a link, or say why not; the caller commits either way.

    The first Start on any link of the round chooses the partner's code, kept for the round
    and partner (not the link). After that, a browser that has not used a link of the round in
    this visit must give the code, whichever link it holds: no link opens anything already
    answered without it. Wrong codes are counted for the round and partner; after WRONG_CODES
    in a row every link of theirs in the round is revoked.
    """
    code = code.strip()
    member = link.member
    if member.pin_hash is None:
        if not CODE_RE.fullmatch(code):
            return "Please choose a code of 4 to 8 digits."
        member.pin_hash = hash_password(code)
        record("choose_link_code", link, link_id=link.id)
        return None
    if this_browser:
        return None
    key = code_key(member)
    attempt = throttle.attempt({key: WRONG_CODES}, minutes=CODE_WINDOW_MINUTES)
    if attempt.allowed and verify_password(member.pin_hash, code):
        throttle.clear(key)
        member.other_browser_at = utcnow()
        record("continue_with_code", link, link_id=link.id)
        return None
    attempt.failed()
    get_db().flush()
    if not throttle.attempt({key: WRONG_CODES}, minutes=CODE_WINDOW_MINUTES).allowed:
        now = utcnow()
        for other in link.round.links:
            if other.partner_id == link.partner_id and other.revoked_at is None:
                other.revoked_at = now
        record("lock_link_after_wrong_codes", link, link_id=link.id)
    return "That code is not right. Please try again."


def open_assignments(link: Link) -> list[Assignment]:
    """The round's worksheets this link opens: all but the closed ones."""
    return [a for a in link.round.assignments if a.closed_at is None]


@dataclass(frozen=True)
class Progress:
    """One worksheet on a partner's list, and what is left to do in it."""

    response: Response
    title: str
    minutes: int
    left: str
    done: bool


def progress(link: Link) -> list[Progress]:
    rows = []
    for assignment in open_assignments(link):
        response = assignment.response_of(link.partner)
        if response is None:
            continue
        worksheet = worksheet_of(response)
        total = len(worksheet.sections)
        if response.submitted_at is not None:
            left = "Sent. You can still change your answers." if not response.locked else "Sent."
            if response.unsent_changes:
                left = "You changed answers after sending: send them again."
        elif response.answers:
            left = f"Started: you are on part {response.section + 1} of {total}."
        else:
            left = f"Not started: {total} part{'s' if total != 1 else ''}."
        done = response.submitted_at is not None and not response.unsent_changes
        rows.append(Progress(response, worksheet.title, worksheet.estimated_minutes, left, done))
    return rows


def worksheet_of(response: Response) -> Worksheet:
    return stored_worksheet(response.assignment.worksheet_version)


def start(link: Link) -> list[Response]:
    """The partner pressed Start: note the first open; returns the responses of the round's
    open worksheets, those still to send first."""
    now = utcnow()
    link.last_used_at = now
    if link.first_opened_at is None:
        link.first_opened_at = now
        record("open_link", link, link_id=link.id)
    responses = []
    for assignment in open_assignments(link):
        response = assignment.response_of(link.partner)
        if response is None:  # every assignment is made with both; this mends one that lost one
            response = Response(assignment=assignment, partner=link.partner, answers={})
            get_db().add(response)
        if response.started_at is None:
            response.started_at = now
        responses.append(response)
    get_db().flush()
    return responses


def note_use(link: Link) -> None:
    """Keep the link's "last used" (shown to the minute) right without writing it on every
    save: only when the minute has changed since it was last noted."""
    now = utcnow()
    if use_to_note(link.last_used_at, now):
        link.last_used_at = now


def use_to_note(last_used_at: datetime | None, now: datetime) -> bool:
    """Has the minute changed since the link's use was last noted?"""
    return last_used_at is None or last_used_at.replace(second=0, microsecond=0) != now.replace(
        second=0, microsecond=0
    )


def send(response: Response, link_id: int) -> dict[str, str]:
    """Send the working copy to the counselor, or return every problem that stops it.

    Sending the same answers again changes nothing; changed answers replace what was sent.
    """
    worksheet = worksheet_of(response)
    clean, errors = clean_answers(worksheet, form_values(worksheet, response.answers), final=True)
    if errors:
        return errors
    if response.submitted_answers != clean or response.submitted_at is None:
        store_sent(response, worksheet, clean, link_id)
    return {}


def store_sent(
    response: Response, worksheet: Worksheet, clean: dict[str, Any], link_id: int
) -> None:
    """Keep checked answers as what the partner sent, with the time, any safety concern in
    them and the audit event."""
    response.submitted_answers = clean
    response.submitted_at = utcnow()
    found = concerns(worksheet, clean)
    response.concern = bool(found)
    attention.sent(response)
    record("submit_response", response, link_id=link_id)
    if found:
        raise_flag(response, found, link_id=link_id)
    note_both_sent(response.assignment)


def locked_message(response: Response) -> str:
    return closed_or_reviewed_message(closed=response.assignment.closed_at is not None)


def closed_or_reviewed_message(*, closed: bool) -> str:
    if closed:
        return "Your counselor has closed this worksheet, so the answers can't be changed now."
    return "Your counselor has already looked at these answers, so they can't be changed now."
