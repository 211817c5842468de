"""What a partner's browser may open, and how a part of a worksheet is shown: shared by the
views and by the page for an expired form."""

from __future__ import annotations

from flask import render_template, session
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from ..db import get_db, utcnow
from ..models import Link, Response
from .operations import worksheet_of

SESSION_KEY = "partner_links"  # the link ids this browser has started with
# A hidden field of a part's form naming each text question on it, so that a post that cannot be
# saved can show back what was typed. The dash keeps it apart from every question id.
TYPED = "-typed"


def started_link(round_id: int, partner_id: int) -> Link | None:
    """A working link of this round and partner that this browser started with."""
    now = utcnow()
    for link_id in session.get(SESSION_KEY, []):
        link = get_db().get(Link, link_id)
        if (
            link is not None
            and link.usable(now)
            and link.round_id == round_id
            and link.partner_id == partner_id
        ):
            return link
    return None


def render_part(
    response: Response,
    index: int | None,
    values: MultiDict[str, str],
    errors: dict[str, str],
    status: int = 200,
    carry_on: str | None = None,
) -> ResponseReturnValue:
    """One section (index) or, to show every problem at once, all of them (None)."""
    worksheet = worksheet_of(response)
    sections = worksheet.sections if index is None else (worksheet.sections[index],)
    lists = {key: values.getlist(key) for key in values}  # the macro wants lists per field
    return render_template(
        "respond/section.html",
        response=response,
        assignment=response.assignment,
        worksheet=worksheet,
        sections=sections,
        index=index,
        values=lists,
        errors=errors,
        locked=response.locked,
        carry_on=carry_on,
        typed_field=TYPED,
    ), status
