"""A counselor's own account: time zone, password, two-step sign-in (set up, new recovery
codes, turn off) and signing out on every device. A new password needs the one now; changing
two-step sign-in needs a recent confirmation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import PasswordField, SelectField, ValidationError
from wtforms.validators import DataRequired, Length

from . import twofactor
from .audit import record
from .confirm import password_checked
from .counselors import set_password
from .dates import day, picker_choices, zone_problem
from .db import get_db, utcnow
from .forms import CodeForm, Form, new_password, password_again
from .models import SignIn
from .passwords import MAX_LENGTH
from .security import login_required
from .signins import confirmed_required, renew_session

bp = Blueprint("account", __name__, url_prefix="/account")
PENDING_SECRET = "totp_setup"  # the secret being set up, until the app proves it has it


class TimeZoneForm(Form):
    time_zone = SelectField(
        "Your time zone",
        validate_choice=False,  # validate_time_zone says what is wrong, and what is near
        description="Times on your pages and in your copy of a summary are shown in it. "
        "Partners, emails and the couple's copy keep the practice's.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        practice = current_app.config["TIMEZONE"]
        regions = picker_choices()
        choices: dict[str, str | dict[str, str]] = {"": f"The practice's ({practice})"}
        choices["UTC"] = "UTC"
        own = self.time_zone.data
        listed = own in ("", "UTC") or any(own in zones for zones in regions.values())
        if own and not listed and not zone_problem(own):
            choices["Yours now"] = {own: own}  # an old alias such as US/Eastern stays choosable
        self.time_zone.choices = {**choices, **regions}

    def validate_time_zone(self, field: SelectField) -> None:
        problem = zone_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)


class NewPasswordForm(Form):
    current = PasswordField(
        "Your password now",
        validators=[DataRequired("Please type your password now."), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password("New password")
    confirm = password_again("New password again")


@bp.get("/")
@login_required
def show() -> ResponseReturnValue:
    return _show_page(TimeZoneForm(time_zone=current_user.time_zone or ""))


def _show_page(zone_form: TimeZoneForm, status: int = 200) -> ResponseReturnValue:
    counselor = current_user._get_current_object()
    devices = get_db().scalar(
        select(func.count()).select_from(SignIn).where(SignIn.counselor_id == counselor.id)
    )
    return render_template(
        "account/show.html",
        devices=devices or 1,
        codes_left=twofactor.recovery_codes_left(counselor),
        zone_form=zone_form,
    ), status


@bp.post("/time-zone")
@login_required
def change_time_zone() -> ResponseReturnValue:
    form = TimeZoneForm()
    if not form.validate_on_submit():
        return _show_page(form, 400)
    counselor = current_user._get_current_object()
    counselor.time_zone = form.time_zone.data or None
    record("change_time_zone", counselor)
    get_db().commit()
    flash(f"Saved. It is now {day(utcnow(), 'time')} where you are.")
    return redirect(url_for("account.show") + "#time-zone")


@bp.get("/password")
@login_required
def password() -> ResponseReturnValue:
    return render_template("account/password.html", form=NewPasswordForm())


@bp.post("/password")
@login_required
def change_password() -> ResponseReturnValue:
    """A new password, given the one now (someone at a browser left signed in does not know
    it). Other devices signed in as the counselor are signed out; this one stays."""
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form), 400
    status = password_checked(form, form.current)
    if status is not None:
        return render_template("account/password.html", form=form), status
    counselor = current_user._get_current_object()
    set_password(counselor, form.password.data or "")
    record("change_password", counselor)
    renew_session(counselor)
    get_db().commit()
    flash("Your password is changed. Any other device or browser signed in as you is signed out.")
    return redirect(url_for("account.show"))


def _setup_page(secret: str, form: CodeForm, status: int = 200) -> ResponseReturnValue:
    uri = twofactor.app_uri(secret, current_user.email)
    return render_template(
        "account/two_step.html",
        form=form,
        qr=twofactor.qr_svg(uri),
        secret=twofactor.grouped(secret),
    ), status


@bp.get("/two-step")
@login_required
@confirmed_required
def two_step() -> ResponseReturnValue:
    """Set up two-step sign-in: scan the QR code, then type the code the app shows."""
    if current_user.totp_secret is not None:
        return redirect(url_for("account.show"))
    secret = session.get(PENDING_SECRET) or twofactor.new_secret()
    session[PENDING_SECRET] = secret
    return _setup_page(secret, CodeForm())


@bp.post("/two-step")
@login_required
@confirmed_required
def enable_two_step() -> ResponseReturnValue:
    counselor = current_user._get_current_object()
    secret = session.get(PENDING_SECRET)
    if counselor.totp_secret is not None or not isinstance(secret, str):
        return redirect(url_for("account.two_step"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _setup_page(secret, form, 400)
    step = twofactor.code_step(secret, form.code.data or "", None, utcnow())
    if step is None:
        form.code.errors = ["That code did not work. Type the 6-digit code the app shows now."]
        return _setup_page(secret, form, 400)
    codes = twofactor.enable(counselor, secret, step)
    record("enable_second_factor", counselor)
    get_db().commit()
    session.pop(PENDING_SECRET, None)
    return render_template("account/recovery_codes.html", codes=codes, enabled=True)


@bp.post("/two-step/codes")
@login_required
@confirmed_required
def new_codes() -> ResponseReturnValue:
    counselor = current_user._get_current_object()
    if counselor.totp_secret is None:
        return redirect(url_for("account.show"))
    codes = twofactor.new_recovery_codes(counselor)
    record("new_recovery_codes", counselor)
    get_db().commit()
    return render_template("account/recovery_codes.html", codes=codes, enabled=False)


@bp.post("/two-step/off")
@login_required
@confirmed_required
def disable_two_step() -> ResponseReturnValue:
    """Turn it off; where the practice requires it, this is how to move to a new phone."""
    counselor = current_user._get_current_object()
    if counselor.totp_secret is not None:
        twofactor.disable(counselor)
        record("disable_second_factor", counselor)
        get_db().commit()
        flash("Two-step sign-in is off: your password alone signs you in now.")
    return redirect(url_for("account.show"))
