"""The first-run page: a one-time link, printed in the terminal, creates the first counselor."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import CursorResult, delete, select

from .audit import record
from .counselors import CounselorForm, add_counselor, needs_setup
from .db import get_db
from .models import SetupToken
from .signins import start_session
from .tokens import hash_token, new_token, plausible

bp = Blueprint("firstrun", __name__)


def issue_setup_token() -> str:
    """Replace any earlier setup token with a new one and return it; the caller commits."""
    db = get_db()
    token, token_hash = new_token()
    db.execute(delete(SetupToken))
    db.add(SetupToken(token_hash=token_hash))
    return token


def _check_token_or_404(token: str) -> None:
    if not plausible(token) or not needs_setup():
        abort(404)
    found = get_db().scalar(select(SetupToken).where(SetupToken.token_hash == hash_token(token)))
    if found is None:
        abort(404)


@bp.get("/setup/<token>")
def new(token: str) -> ResponseReturnValue:
    _check_token_or_404(token)
    return render_template("firstrun/new.html", form=CounselorForm(), token=token)


@bp.post("/setup/<token>")
def create(token: str) -> ResponseReturnValue:
    _check_token_or_404(token)
    form = CounselorForm()
    if not form.validate_on_submit():
        return render_template("firstrun/new.html", form=form, token=token), 400
    db = get_db()
    # Only the request that deletes the token may go on, even if two arrive at once. A DELETE's
    # result is a CursorResult, which has the row count; Session.execute is typed more loosely.
    used = cast(
        "CursorResult[Any]",
        db.execute(delete(SetupToken).where(SetupToken.token_hash == hash_token(token))),
    )
    if used.rowcount != 1:
        db.rollback()
        abort(404)
    name, email, password = form.name.data, form.email.data, form.password.data
    assert name is not None and email is not None and password is not None  # DataRequired
    counselor = add_counselor(name, email, password, is_admin=True)
    record("create_first_counselor", counselor, counselor_id=counselor.id)
    start_session(counselor)
    db.commit()
    flash("Welcome. Your account is ready, and you can add colleagues under Counselors.")
    return redirect(url_for("dashboard.index"))
