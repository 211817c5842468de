"""A couple's records as a whole: export them as a zip, or delete them for good.

Views only; tables.py says which rows are a couple's, export.py packs them and erase.py
deletes them. Both need the counselor to have confirmed who they are in the last minutes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired

from ..access import get_couple_or_404
from ..audit import record
from ..db import get_db
from ..forms import Form
from ..models import Couple
from ..security import login_required
from ..signins import confirmed_required
from .erase import counts, erase
from .export import export_zip

bp = Blueprint("records", __name__)


class DeleteForm(Form):
    label = StringField(
        "Type the couple's name to confirm",
        validators=[DataRequired("Please type the couple's name.")],
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, couple: Couple, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.couple = couple

    def validate_label(self, field: StringField) -> None:
        if (field.data or "").strip() != self.couple.label:
            raise ValidationError(
                f"That is not “{self.couple.label}”. Type the name exactly as it is shown."
            )


@bp.get("/couples/<id:couple_id>/export")
@login_required
@confirmed_required
def export(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    return render_template("records/export.html", couple=couple, counts=counts(couple))


@bp.post("/couples/<id:couple_id>/export")
@login_required
@confirmed_required
def download(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    data, filename = export_zip(couple)
    record("export_couple", couple)
    get_db().commit()
    response = current_app.response_class(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _delete_page(couple: Couple, form: DeleteForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "records/delete.html", couple=couple, counts=counts(couple), form=form
    ), status


@bp.get("/couples/<id:couple_id>/delete")
@login_required
@confirmed_required
def confirm_delete(couple_id: int) -> ResponseReturnValue:
    couple = get_couple_or_404(couple_id)
    return _delete_page(couple, DeleteForm(couple))


@bp.post("/couples/<id:couple_id>/delete")
@login_required
@confirmed_required
def delete(couple_id: int) -> ResponseReturnValue:
    """Delete the couple and every row of their data; the audit log keeps ids only."""
    couple = get_couple_or_404(couple_id)
    form = DeleteForm(couple)
    if not form.validate_on_submit():
        return _delete_page(couple, form, 400)
    label = couple.label
    record("delete_couple", couple)
    erase(couple)
    get_db().commit()
    flash(f"{label} and everything about them is deleted.")
    return redirect(url_for("dashboard.index"))
