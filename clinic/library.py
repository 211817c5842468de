"""The worksheet library: every worksheet the practice has, a preview of each as a partner sees
it, and its blank as a PDF to print."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from .catalog import problems, worksheets
from .printables import blank_filename, render_blank
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


@bp.get("/<slug>/blank.pdf")
@login_required
def blank(slug: str) -> ResponseReturnValue:
    """The worksheet's blank, opened in the browser to print. It holds no client data (the
    worksheets are the practice's, shared by every counselor), so the browser may keep it and
    ask again with its ETag."""
    worksheet = get_worksheet_or_404(slug)
    response: Response = current_app.response_class(
        render_blank(worksheet), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = f'inline; filename="{blank_filename(worksheet)}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)
