"""The counselor's start page: what needs attention, then the couples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import ColumnElement, ScalarSelect, Select, exists, func, select, union_all
from sqlalchemy.orm import aliased, joinedload

from .attention import latest
from .dates import today as practice_today
from .db import get_db, utcnow
from .forms import cleaned
from .models import (
    Assignment,
    Couple,
    Link,
    Response,
    Round,
    SafetyFlag,
    searchable,
)
from .security import login_required

bp = Blueprint("dashboard", __name__)
PER_PAGE = 20
ATTENTION_ROWS = 10
# Each list is counted up to here and no further, so a long list costs what a short one does;
# past it the page says "over ...".
ATTENTION_COUNT = 100

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class CoupleRow:
    couple: Couple
    latest: datetime | date | None


def _mine(query: Select[*Ts]) -> Select[*Ts]:
    """Limit a query joined to Couple to this counselor's active couples."""
    return query.where(Couple.counselor_id == current_user.id, Couple.archived_at.is_(None))


def _waiting(on: str) -> Select[int]:
    """Ids of this counselor's assignments that wait on someone, through the waiting_on index."""
    return _mine(
        select(Assignment.id)
        .join(Couple, Assignment.couple_id == Couple.id)
        .where(Assignment.waiting_on == on)
    ).order_by(Assignment.due_on, Assignment.id)


def _count(query: Select[Any], most: int | None = None) -> ScalarSelect[int]:
    """How many rows a query finds; with most, counting stops one past it."""
    if most is not None:
        query = query.limit(most + 1)
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def attention(today: date) -> dict[str, tuple[list[Any], int]]:
    """Four short lists of what waits on the counselor and how long each is: four queries (one
    for the counts), each walking an index over what is open now, never the whole history."""
    db = get_db()
    # Open until acknowledged: reviewing the worksheet, or archiving the couple, clears no flag.
    mine = exists().where(Couple.id == SafetyFlag.couple_id, Couple.counselor_id == current_user.id)
    concerns = (
        select(SafetyFlag)
        .where(SafetyFlag.acknowledged_at.is_(None), mine)
        .order_by(SafetyFlag.raised_at, SafetyFlag.id)
    )
    to_review = _waiting("counselor")
    overdue = _waiting("partners").where(Assignment.due_on < today)
    unopened = _unopened()
    counts = db.execute(
        select(*(_count(q, ATTENTION_COUNT) for q in (concerns, to_review, overdue, unopened)))
    ).one()
    flags = db.scalars(
        concerns.limit(ATTENTION_ROWS).options(
            joinedload(SafetyFlag.partner),
            joinedload(SafetyFlag.couple),
            joinedload(SafetyFlag.assignment).joinedload(Assignment.worksheet_version),
        )
    ).all()
    # Both short lists of assignments in one query; each row says which list it is on.
    picked = union_all(
        select(to_review.limit(ATTENTION_ROWS).subquery().c.id),
        select(overdue.limit(ATTENTION_ROWS).subquery().c.id),
    )
    assignments = db.scalars(
        select(Assignment)
        .where(Assignment.id.in_(picked))
        .options(joinedload(Assignment.couple), joinedload(Assignment.worksheet_version))
        .order_by(Assignment.due_on, Assignment.id)
    ).all()
    links = db.scalars(
        select(Link)
        .where(Link.id.in_(unopened.limit(ATTENTION_ROWS).subquery().select()))
        .options(
            joinedload(Link.partner),
            joinedload(Link.round).joinedload(Round.couple),
            joinedload(Link.round)
            .joinedload(Round.assignments)
            .joinedload(Assignment.worksheet_version),
        )
        .order_by(Link.expires_at, Link.id)
    ).unique()
    return {
        "concerns": (list(flags), counts[0]),
        "to_review": ([a for a in assignments if a.waiting_on == "counselor"], counts[1]),
        "overdue": ([a for a in assignments if a.waiting_on == "partners"], counts[2]),
        "unopened": (list(links), counts[3]),
    }


def _unopened() -> Select[int]:
    """Ids of each partner's newest link in a round with work waiting on them, when none of
    their links of the round was opened, soonest to expire first: the walk follows the index
    of live links (expires_at) and stops at the first few; whose link it is and what waits
    are asked of each live link, not joined (a join lets the database start from every round
    of the counselor's couples, or every unsent response, instead)."""
    other = aliased(Link)
    same = (other.round_id == Link.round_id) & (other.partner_id == Link.partner_id)
    mine = _mine(select(Round.id).join(Couple, Round.couple_id == Couple.id)).where(
        Round.id == Link.round_id
    )
    opened = select(other.id).where(same, other.first_opened_at.is_not(None))
    waiting = select(Response.id).where(
        Assignment.round_id == Link.round_id,
        Assignment.waiting_on == "partners",
        Response.assignment_id == Assignment.id,
        Response.partner_id == Link.partner_id,
        Response.submitted_at.is_(None),
    )
    return (
        select(Link.id)
        .where(
            Link.expires_at > utcnow(),
            Link.revoked_at.is_(None),
            Link.first_opened_at.is_(None),
            Link.id == select(func.max(other.id)).where(same).scalar_subquery(),
            _asked_of_each(mine),
            ~_asked_of_each(opened),
            _asked_of_each(waiting),
        )
        .order_by(Link.expires_at, Link.id)
    )


def _asked_of_each(query: Select[int]) -> ColumnElement[bool]:
    """Whether the query finds a row, asked of each row of the outer query in turn (with
    LIMIT 1 PostgreSQL cannot turn it into a join that reads a whole table first)."""
    return query.limit(1).scalar_subquery().is_not(None)


def _search(query: Select[*Ts], text: str) -> Select[*Ts]:
    """Couples whose label or partner's name holds the text (a % or _ in it is just that). The
    stored search text is composed (NFC) and lower case, and so is what is looked for, so
    either form of an accent finds either."""
    if not text:
        return query
    escaped = searchable(text, []).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return query.where(Couple.search_text.like(f"%{escaped}%", escape="\\"))


def couple_rows(text: str, page: int) -> tuple[list[CoupleRow], int, int]:
    """One page of the counselor's couples in name order, with their latest activity, the page
    and the number of pages: one query walking the couple_roster index (two past the end)."""
    db = get_db()
    total = _count(_search(_mine(select(Couple.id)), text))
    query = (
        _search(_mine(select(Couple, total)), text)
        .options(joinedload(Couple.partners))
        .order_by(func.lower(Couple.label), Couple.id)
        .limit(PER_PAGE)
    )
    found = db.execute(query.offset((page - 1) * PER_PAGE)).unique().all()
    if not found and page > 1:  # past the last page: show the last one
        page = max(1, -(-(db.scalar(select(total)) or 0) // PER_PAGE))
        found = db.execute(query.offset((page - 1) * PER_PAGE)).unique().all()
    pages = max(1, -(-found[0][1] // PER_PAGE)) if found else 1
    return [CoupleRow(couple, latest(couple)) for couple, _ in found], page, pages


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    text = cleaned(request.args.get("q", "")).strip()[:100]
    page = request.args.get("page", "1")
    page_number = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    rows, page_number, pages = couple_rows(text, page_number)
    today = practice_today()
    return render_template(
        "dashboard/index.html",
        attention=attention(today),
        rows=rows,
        most=ATTENTION_COUNT,
        q=text,
        page=page_number,
        pages=pages,
        today=today,
    )
