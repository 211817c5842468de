"""Confirming who one is again (the password, or a code when two-step sign-in is on) before
exporting or deleting a couple's records and before changing how one signs in."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import Field, PasswordField
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
    if isinstance(form, CodeForm):
        status = checked(
            form,
            form.code,
            lambda code: twofactor.verify(counselor, code) is not None,
            "That code did not work. Type the one showing now.",
        )
    else:
        assert isinstance(form, PasswordForm)
        status = password_checked(form, form.password)
    if status is not None:
        return _page(form, status)
    mark_confirmed()
    record("confirm_identity", counselor)
    get_db().commit()
    return redirect(safe_next(request.args.get("next")))


def password_checked(form: Form, field: Field) -> int | None:
    """Whether field holds the signed-in counselor's password, as checked() checks."""
    counselor = current_user._get_current_object()
    return checked(
        form,
        field,
        lambda password: verify_password(counselor.password_hash, password),
        "That is not your password.",
    )


def checked(form: Form, field: Field, right: Callable[[str], bool], message: str) -> int | None:
    """Check what the signed-in counselor typed in field to prove who they are, a few tries at
    a time as at sign-in. None when right; else the status to answer with, the form saying why
    (message under field when wrong, a wait above the form when there were too many tries)."""
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
        return 429
    if not right(field.data or ""):
        attempt.failed()
        record("confirm_identity_failed", counselor)
        get_db().commit()
        field.errors = [message]
        return 400
    throttle.clear(key)
    return None
