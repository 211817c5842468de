"""Confirming who one is again (the password, or a code when two-step sign-in is on) before
exporting or deleting a couple's records and before changing how one signs in."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from . import throttle, twofactor
from .audit import record
from .auth import safe_next
from .db import get_db
from .forms import CodeForm, Form
from .passwords import verify_password
from .security import login_required
from .signins import CONFIRM_MINUTES, mark_confirmed

bp = Blueprint("confirm", __name__)


class PasswordForm(Form):
    password = PasswordField(
        "Password",
        validators=[DataRequired("Please type your password."), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


def _form() -> Form:
    """The code from the app when two-step sign-in is on, else the password."""
    return CodeForm() if current_user.totp_secret else PasswordForm()


def _page(form: Form, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "confirm/new.html", form=form, minutes=CONFIRM_MINUTES, next=request.args.get("next")
    ), status


@bp.get("/confirm")
@login_required
def new() -> ResponseReturnValue:
    return _page(_form())


@bp.post("/confirm")
@login_required
def create() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    counselor = current_user._get_current_object()
    config = current_app.config
    key = f"confirm:counselor:{counselor.id}"
    attempt = throttle.attempt(
        {key: config["LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS"]},
        minutes=config["LOGIN_THROTTLE_MINUTES"],
    )
    if not attempt.allowed:
        wait = throttle.in_words(attempt.retry_after)
        form.form_errors.append(f"Too many tries. Please wait {wait} and try again.")
        return _page(form, 429)
    if isinstance(form, CodeForm):
        right = twofactor.verify(counselor, form.code.data or "") is not None
        field, message = form.code, "That code did not work. Type the one showing now."
    else:
        assert isinstance(form, PasswordForm)
        right = verify_password(counselor.password_hash, form.password.data or "")
        field, message = form.password, "That is not your password."
    if not right:
        attempt.failed()
        record("confirm_identity_failed", counselor)
        get_db().commit()
        field.errors = [message]
        return _page(form, 400)
    throttle.clear(key)
    mark_confirmed()
    record("confirm_identity", counselor)
    get_db().commit()
    return redirect(safe_next(request.args.get("next")))
