"""The counselor's couples: create, edit, archive and restore, each with exactly two partners;
the couple's page, where safety concerns are acknowledged."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .access import get_couple_or_404
from .audit import record
from .dates import today
from .db import get_db, utcnow
from .forms import Form, email_address
from .history import RECENT, couple_page
from .links import take_fresh_tokens
from .models import Assignment, Couple, Partner, SafetyFlag
from .safety import acknowledge, open_flags
from .security import login_required

bp = Blueprint("couples", __name__)


class CoupleForm(Form):
    label = StringField(
        "Couple's name",
        description='How the couple shows on your dashboard, such as "Sam & Alex".',
        validators=[DataRequired(), Length(max=120)],
    )
    partner1_name = StringField("First partner's name", validators=[DataRequired(), Length(max=80)])
    partner1_email = EmailField(
        "First partner's email (optional)", validators=[Optional(), email_address, Length(max=254)]
    )
    partner2_name = StringField(
        "Second partner's name", validators=[DataRequired(), Length(max=80)]
    )
    partner2_email = EmailField(
        "Second partner's email (optional)", validators=[Optional(), email_address, Length(max=254)]
    )

    def fill(self, couple: Couple) -> None:
        self.label.data = couple.label
        for partner in couple.partners:
            getattr(self, f"partner{partner.position}_name").data = partner.display_name
            getattr(self, f"partner{partner.position}_email").data = partner.email

    def apply(self, couple: Couple) -> None:
        assert self.label.data is not None  # DataRequired
        couple.label = self.label.data.strip()
        by_position = {partner.position: partner for partner in couple.partners}
        for position in (1, 2):
            partner = by_position.get(position)
            if partner is None:
                partner = Partner(position=position)
                couple.partners.append(partner)
            partner.display_name = getattr(self, f"partner{position}_name").data.strip()
            partner.email = (getattr(self, f"partner{position}_email").data or "").strip() or None


@bp.get("/couples/archived")
@login_required
def archived() -> ResponseReturnValue:
    query = (
        select(Couple)
        .where(Couple.counselor_id == current_user.id, Couple.archived_at.is_not(None))
        .options(selectinload(Couple.partners))
        .order_by(Couple.label)
    )
    couples = get_db().scalars(query).all()
    return render_template("couples/archived.html", couples=couples)


@bp.get("/couples/new")
@login_required
def new() -> ResponseReturnValue:
    return render_template("couples/new.html", form=CoupleForm())


@bp.post("/couples")
@login_required
def create() -> ResponseReturnValue:
    form = CoupleForm()
    if not form.validate_on_submit():
        return render_template("couples/new.html", form=form), 400
    couple = Couple(counselor_id=current_user.id, label="")
    form.apply(couple)
    get_db().add(couple)
    record("create_couple", couple)
    get_db().commit()
    flash(f"{couple.label} is on your roster.")
    return redirect(url_for("couples.show", couple_id=couple.id))


class AcknowledgeForm(Form):
    note = TextAreaField(
        "What was done",
        description="For example: spoke with them alone; safety plan made; joint work paused.",
        validators=[DataRequired("Please say briefly what was done."), Length(max=1000)],
    )


# What the couple's page shows of the couple itself, loaded with it in one query.
WITH_FLAGS = (
    joinedload(Couple.partners),
    joinedload(Couple.flags).joinedload(SafetyFlag.assignment).joinedload(
        Assignment.worksheet_version
    ),
    joinedload(Couple.flags).joinedload(SafetyFlag.acknowledged_by),
)


@bp.get("/couples/<id:couple_id>")
@login_required
def show(couple_id: int) -> ResponseReturnValue:
    page = request.args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100_000 else 1
    return _show(get_couple_or_404(couple_id, *WITH_FLAGS), page=number)


def _show(
    couple: Couple,
    posted: tuple[int, AcknowledgeForm] | None = None,
    status: int = 200,
    page: int = 1,
) -> ResponseReturnValue:
    """The couple's page; posted is a flag's acknowledgement form being shown with its errors;
    page is the page of the timeline."""
    ack_forms = {flag.id: AcknowledgeForm(formdata=None) for flag in open_flags(couple)}
    if posted is not None:
        ack_forms[posted[0]] = posted[1]
    shown = couple_page(couple, page)
    return render_template(
        "couples/show.html",
        couple=couple,
        assignments=shown.worksheets,
        timeline=shown.timeline,
        page=shown.page,
        pages=shown.pages,
        recent=RECENT,
        trends=shown.trends,
        fresh=take_fresh_tokens(),
        today=today(),
        ack_forms=ack_forms,
    ), status


@bp.post("/couples/<id:couple_id>/flags/<id:flag_id>/acknowledge")
@login_required
def acknowledge_flag(couple_id: int, flag_id: int) -> ResponseReturnValue:
    """The counselor notes what was done about a safety concern; the flag's history stays."""
    couple = get_couple_or_404(couple_id)
    flag = next((f for f in couple.flags if f.id == flag_id), None)
    if flag is None:
        abort(404)
    form = AcknowledgeForm()
    if not flag.open:
        flash("This concern was already acknowledged.")
        return redirect(url_for("couples.show", couple_id=couple.id) + "#safety")
    if not form.validate_on_submit():
        return _show(couple, (flag.id, form), 400)
    assert form.note.data is not None
    acknowledge(flag, form.note.data.strip(), current_user.id)
    get_db().commit()
    flash(f"Acknowledged. The concern about {flag.partner.display_name} stays in the history.")
    return redirect(url_for("couples.show", couple_id=couple.id))


@bp.get("/couples/<id:couple_id>/edit")
@login_required
def edit(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = CoupleForm()
    form.fill(couple)
    return render_template("couples/edit.html", couple=couple, form=form)


@bp.post("/couples/<id:couple_id>")
@login_required
def update(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    form = CoupleForm()
    if not form.validate_on_submit():
        return render_template("couples/edit.html", couple=couple, form=form), 400
    form.apply(couple)
    record("update_couple", couple)
    get_db().commit()
    flash("Saved.")
    return redirect(url_for("couples.show", couple_id=couple.id))


@bp.post("/couples/<id:couple_id>/archive")
@login_required
def archive(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    if couple.archived_at is None:
        couple.archived_at = utcnow()
        record("archive_couple", couple)
        get_db().commit()
    flash(f"{couple.label} is archived. You can find them under Archived couples.")
    return redirect(url_for("dashboard.index"))


@bp.post("/couples/<id:couple_id>/restore")
@login_required
def restore(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    if couple.archived_at is not None:
        couple.archived_at = None
        record("restore_couple", couple)
        get_db().commit()
    flash(f"{couple.label} is back on your roster.")
    return redirect(url_for("couples.show", couple_id=couple.id))
