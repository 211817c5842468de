"""A counselor's own account: how they sign in, and signing out on every device."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from .db import get_db
from .models import SignIn
from .security import login_required

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def show() -> ResponseReturnValue:
    devices = get_db().scalar(
        select(func.count()).select_from(SignIn).where(SignIn.counselor_id == current_user.id)
    )
    return render_template("account/show.html", devices=devices or 1)
