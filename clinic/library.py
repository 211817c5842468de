"""The worksheet library: every worksheet the practice has, and a preview of each as a partner
sees it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from .catalog import problems, worksheets
from .security import login_required
from .worksheets.model import Worksheet

bp = Blueprint("library", __name__, url_prefix="/worksheets")


def get_worksheet_or_404(slug: str) -> Worksheet:
    worksheet = worksheets().get(slug)
    if worksheet is None:
        abort(404)
    return worksheet


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template(
        "library/index.html", worksheets=worksheets().values(), problems=problems()
    )


@bp.get("/<slug>")
@login_required
def preview(slug: str) -> ResponseReturnValue:
    worksheet = get_worksheet_or_404(slug)
    return render_template("library/preview.html", worksheet=worksheet)
