"""Counselor accounts: the admin adds, deactivates and reactivates them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import exists, func, select
from wtforms import BooleanField, EmailField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from . import twofactor
from .access import get_counselor_or_404
from .audit import record
from .db import get_db
from .forms import Form, email_address, new_password, password_again
from .models import Counselor
from .passwords import hash_password
from .security import login_required
from .signins import confirmed_required, end_every_session

bp = Blueprint("counselors", __name__, url_prefix="/counselors")


class CounselorForm(Form):
    name = StringField(
        "Name", validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        "Email",
        validators=[DataRequired(), email_address, Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = new_password()
    confirm = password_again()

    def validate_email(self, field: EmailField) -> None:
        assert field.data is not None  # DataRequired runs first and stops the chain
        if email_taken(field.data):
            raise ValidationError("There is already an account with this email.")


class NewCounselorForm(CounselorForm):
    is_admin = BooleanField("May manage counselor accounts")


def needs_setup() -> bool:
    """True on a new installation, before the first counselor exists."""
    return not get_db().scalar(select(exists().where(Counselor.id.is_not(None))))


def email_taken(email: str) -> bool:
    query = select(func.count()).where(Counselor.email == email.strip().lower())
    return bool(get_db().scalar(query))


def add_counselor(name: str, email: str, password: str, *, is_admin: bool = False) -> Counselor:
    """Add a counselor to the session (the caller commits)."""
    counselor = Counselor(
        name=name.strip(),
        email=email.strip().lower(),
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    get_db().add(counselor)
    get_db().flush()
    return counselor


def set_password(counselor: Counselor, password: str) -> None:
    """Give a counselor a new password and sign them out on every device, so a browser left
    signed in with the old one is not signed in any more; the caller commits."""
    counselor.password_hash = hash_password(password)
    end_every_session(counselor)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Counselor management is for admins; to anyone else these pages do not exist."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@admin_required
def index() -> ResponseReturnValue:
    counselors = get_db().scalars(select(Counselor).order_by(Counselor.name)).all()
    return render_template("counselors/index.html", counselors=counselors)


@bp.get("/new")
@admin_required
def new() -> ResponseReturnValue:
    return render_template("counselors/new.html", form=NewCounselorForm())


@bp.post("/")
@admin_required
def create() -> ResponseReturnValue:
    form = NewCounselorForm()
    if not form.validate_on_submit():
        return render_template("counselors/new.html", form=form), 400
    name, email, password = form.name.data, form.email.data, form.password.data
    assert name is not None and email is not None and password is not None  # DataRequired
    counselor = add_counselor(name, email, password, is_admin=form.is_admin.data)
    record("create_counselor", counselor)
    get_db().commit()
    flash(f"{counselor.name} can now sign in with {counselor.email}.")
    return redirect(url_for("counselors.index"))


@bp.post("/<id:counselor_id>/deactivate")
@admin_required
def deactivate(counselor_id: int) -> ResponseReturnValue:
    counselor = get_counselor_or_404(counselor_id)
    if counselor.id == current_user.id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for("counselors.index"))
    counselor.active = False
    counselor.session_version += 1  # signs them out everywhere at once
    record("deactivate_counselor", counselor)
    get_db().commit()
    flash(f"{counselor.name} can no longer sign in.")
    return redirect(url_for("counselors.index"))


@bp.post("/<id:counselor_id>/activate")
@admin_required
def activate(counselor_id: int) -> ResponseReturnValue:
    counselor = get_counselor_or_404(counselor_id)
    counselor.active = True
    record("activate_counselor", counselor)
    get_db().commit()
    flash(f"{counselor.name} can sign in again.")
    return redirect(url_for("counselors.index"))


@bp.post("/<id:counselor_id>/reset-two-step")
@admin_required
@confirmed_required
def reset_two_step(counselor_id: int) -> ResponseReturnValue:
    """For a colleague who lost their phone and their recovery codes: back to the password
    alone, signed out everywhere in case the phone is in someone else's hands."""
    counselor = get_counselor_or_404(counselor_id)
    if counselor.id == current_user.id:
        flash("Change your own two-step sign-in under Your account.")
        return redirect(url_for("counselors.index"))
    if counselor.totp_secret is not None:
        twofactor.disable(counselor)
        end_every_session(counselor)
        record("reset_second_factor", counselor)
        get_db().commit()
    flash(
        f"{counselor.name} now signs in with their password alone and can set up two-step "
        "sign-in again under Your account."
    )
    return redirect(url_for("counselors.index"))
