"""The counselor's start page: what needs attention, then the couples."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import ScalarSelect, Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from .dates import local_date
from .dates import today as practice_today
from .db import Model, get_db, utcnow
from .forms import cleaned
from .models import (
    Assignment,
    CounselingSession,
    Couple,
    Link,
    Partner,
    Response,
    Round,
    SafetyFlag,
)
from .security import login_required

bp = Blueprint("dashboard", __name__)
PER_PAGE = 20
ATTENTION_ROWS = 10

T = TypeVar("T")


@dataclass(frozen=True)
class CoupleRow:
    couple: Couple
    latest: datetime | date | None


def _mine(query: Select[T]) -> Select[T]:
    """Limit a query joined to Couple to this counselor's active couples."""
    return query.where(Couple.counselor_id == current_user.id, Couple.archived_at.is_(None))


def _open_assignments() -> Select[Assignment]:
    return _mine(
        select(Assignment)
        .join(Couple, Assignment.couple_id == Couple.id)
        .where(Assignment.closed_at.is_(None), Assignment.reviewed_at.is_(None))
        .options(joinedload(Assignment.couple), joinedload(Assignment.worksheet_version))
    )


def _submitted_count() -> ScalarSelect[int]:
    return (
        select(func.count(Response.id))
        .where(Response.assignment_id == Assignment.id, Response.submitted_at.is_not(None))
        .scalar_subquery()
    )


def _capped(query: Select[T]) -> tuple[list[T], int]:
    """The first few rows of a list and how many there are in all: two queries at any size."""
    db = get_db()
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(db.scalars(query.limit(ATTENTION_ROWS)).unique()), total


def attention(today: date) -> dict[str, tuple[list[Model], int]]:
    """Four short lists of what waits on the counselor, in the same queries at any size."""
    # Open until acknowledged: reviewing the worksheet, or archiving the couple, clears no flag.
    concerns = (
        select(SafetyFlag)
        .join(Couple, SafetyFlag.couple_id == Couple.id)
        .where(Couple.counselor_id == current_user.id, SafetyFlag.acknowledged_at.is_(None))
        .options(
            joinedload(SafetyFlag.partner),
            joinedload(SafetyFlag.couple),
            joinedload(SafetyFlag.assignment).joinedload(Assignment.worksheet_version),
        )
        .order_by(SafetyFlag.raised_at)
    )
    to_review = _open_assignments().where(_submitted_count() == 2).order_by(Assignment.due_on)
    overdue = (
        _open_assignments()
        .where(Assignment.due_on < today, _submitted_count() < 2)
        .order_by(Assignment.due_on)
    )
    other = aliased(Link)
    same = (other.round_id == Link.round_id) & (other.partner_id == Link.partner_id)
    unopened = _mine(
        select(Link)
        .join(Round, Link.round_id == Round.id)
        .join(Couple, Round.couple_id == Couple.id)
        .where(
            # One row per partner and round: their newest link, when none of theirs was opened.
            Link.id == select(func.max(other.id)).where(same).scalar_subquery(),
            ~exists().where(same, other.first_opened_at.is_not(None)),
            Link.revoked_at.is_(None),
            Link.expires_at > utcnow(),
            exists().where(
                Assignment.round_id == Link.round_id,
                Assignment.closed_at.is_(None),
                Assignment.reviewed_at.is_(None),
                Response.assignment_id == Assignment.id,
                Response.partner_id == Link.partner_id,
                Response.submitted_at.is_(None),
            ),
        )
        .options(
            joinedload(Link.partner),
            joinedload(Link.round).joinedload(Round.couple),
            joinedload(Link.round)
            .selectinload(Round.assignments)
            .joinedload(Assignment.worksheet_version),
        )
        .order_by(Link.created_at)
    )
    lists = {"concerns": concerns, "to_review": to_review, "overdue": overdue, "unopened": unopened}
    return {name: _capped(query) for name, query in lists.items()}


def _search(query: Select[Couple], text: str) -> Select[Couple]:
    """Couples whose label or a partner's name holds text. Names are stored composed (NFC, the
    one rule for typed text); rows written before that rule may hold the decomposed form, so
    both forms of the search are looked for."""
    if not text:
        return query
    matches = []
    for form in sorted({unicodedata.normalize(f, text) for f in ("NFC", "NFD")}):
        pattern = "%" + form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        partner_match = exists().where(
            Partner.couple_id == Couple.id, Partner.display_name.ilike(pattern, escape="\\")
        )
        matches += [Couple.label.ilike(pattern, escape="\\"), partner_match]
    return query.where(or_(*matches))


def couple_rows(text: str, page: int) -> tuple[list[CoupleRow], int, int]:
    """One page of the counselor's couples with their latest activity, the page and the count."""
    db = get_db()
    base = _search(_mine(select(Couple)), text)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(page, pages)
    latest_response = (
        select(func.max(Response.updated_at))
        .join(Assignment, Response.assignment_id == Assignment.id)
        .where(Assignment.couple_id == Couple.id)
        .scalar_subquery()
    )
    latest_assignment = (
        select(func.max(Assignment.created_at))
        .where(Assignment.couple_id == Couple.id)
        .scalar_subquery()
    )
    latest_session = (
        select(func.max(CounselingSession.held_on))
        .where(CounselingSession.couple_id == Couple.id)
        .scalar_subquery()
    )
    query = (
        base.add_columns(latest_response, latest_assignment, latest_session)
        .options(selectinload(Couple.partners))
        .order_by(func.lower(Couple.label), Couple.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = []
    for couple, response_at, assigned_at, held_on in db.execute(query):
        moments = [m for m in (response_at, assigned_at) if m is not None]
        latest: datetime | date | None = max(moments) if moments else None
        if held_on is not None and (latest is None or held_on > _as_date(latest)):
            latest = held_on
        rows.append(CoupleRow(couple, latest))
    return rows, page, pages


def _as_date(moment: datetime | date) -> date:
    return local_date(moment) if isinstance(moment, datetime) else moment


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    text = cleaned(request.args.get("q", "")).strip()[:100]
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    rows, page_number, pages = couple_rows(text, page_number)
    today = practice_today()
    return render_template(
        "dashboard/index.html",
        attention=attention(today),
        rows=rows,
        q=text,
        page=page_number,
        pages=pages,
        today=today,
    )
