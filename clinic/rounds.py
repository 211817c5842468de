"""Giving a couple worksheets together: a round of assignments, one link per partner for all of
them, and the invitations the app emails. No views: the pages are assignments.py and
sessions.py; the caller commits."""

from __future__ import annotations

from datetime import date

from . import links
from .audit import record
from .catalog import snapshot, worksheets
from .db import get_db
from .mail.queue import invite, why_not
from .models import Assignment, Couple, Message, Partner, Response, Round


def assign(
    couple: Couple, slug: str, due_on: date, note: str | None, *, work: Round | None = None
) -> Assignment:
    """Give a couple a worksheet with one empty response per partner. Without a round, it is a
    round of its own and each partner gets a link to it."""
    version = snapshot(worksheets()[slug])
    alone = work is None
    if work is None:
        work = Round(couple=couple)
        get_db().add(work)
    assignment = Assignment(
        couple=couple, round=work, worksheet_version=version, due_on=due_on, note=note
    )
    get_db().add(assignment)
    for partner in couple.partners:
        assignment.responses.append(Response(partner=partner, answers={}))
    if alone:
        for partner in couple.partners:
            links.issue_link(work, partner)
    record("assign", assignment)
    return assignment


def email_offer(couple: Couple) -> list[tuple[Partner, str | None]]:
    """Each partner, with why the app cannot email them now (None: it can)."""
    return [(partner, why_not(partner)) for partner in couple.partners]


def start_round(
    couple: Couple,
    slugs: list[str],
    due_on: date,
    note: str | None,
    *,
    email_to: set[int],
    session_id: int | None = None,
) -> tuple[list[Assignment], list[Message]]:
    """Assign these worksheets together. Partners in email_to (ids) who may be emailed get an
    invitation with their link and reminders; the others get a link shown once to copy."""
    work = Round(couple=couple)
    get_db().add(work)
    made = []
    for slug in dict.fromkeys(slugs):
        assignment = assign(couple, slug, due_on, note, work=work)
        assignment.session_id = session_id
        made.append(assignment)
    messages = []
    for partner, reason in email_offer(couple):
        emailed = partner.id in email_to and reason is None
        work.member(partner).reminders = emailed
        if emailed:
            messages.append(invite(work, partner))
        else:
            links.issue_link(work, partner)
    get_db().flush()
    return made, messages
