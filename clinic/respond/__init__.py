"""The partner's side: a private link, a welcome page, the worksheet a section at a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HTTPResponse

from . import throttle
from .answers import clean_answers, concerns
from .audit import record
from .auth import client_address
from .db import get_db, utcnow
from .library import stored_worksheet
from .links import find_link
from .models import Link, Response
from .worksheets import Worksheet

bp = Blueprint("respond", __name__)
SESSION_KEY = "partner_links"  # the link ids this browser has started with


@bp.after_request
def _client_headers(response: HTTPResponse) -> HTTPResponse:
    """Partner pages leave no trace: no referrer, no search engines, nothing cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _throttled() -> bool:
    """Count a link request from this address; True once there have been too many."""
    window = timedelta(minutes=current_app.config["LINK_THROTTLE_MINUTES"])
    key = f"link:address:{client_address()}"
    if throttle.exceeded({key: current_app.config["LINK_ATTEMPTS_PER_ADDRESS"]}, window):
        return True
    throttle.hit(key, window)
    get_db().commit()
    return False


def _invalid() -> ResponseReturnValue:
    # Unknown, revoked and expired links look exactly alike.
    return render_template("respond/invalid.html"), 404


@bp.get("/l/<token>")
def welcome(token: str) -> ResponseReturnValue:
    """What a link opens to. It changes nothing, since mail scanners open links too."""
    if _throttled():
        abort(429)
    link = find_link(token)
    if link is None:
        return _invalid()
    assignment = link.assignment
    return render_template(
        "respond/welcome.html",
        link=link,
        assignment=assignment,
        worksheet=stored_worksheet(assignment.worksheet_version),
        counselor=assignment.couple.counselor,
        token=token,
    )


@bp.post("/l/<token>")
def start(token: str) -> ResponseReturnValue:
    """Trade the token for this browser's session, then carry on at a URL without the token."""
    if _throttled():
        abort(429)
    link = find_link(token)
    if link is None:
        return _invalid()
    if link.first_opened_at is None:
        link.first_opened_at = utcnow()
        record("open_link", link, link_id=link.id)
    response = _response_for(link)
    if response.started_at is None:
        response.started_at = utcnow()
    get_db().commit()
    allowed = [i for i in session.get(SESSION_KEY, []) if i != link.id][-9:]
    session[SESSION_KEY] = [*allowed, link.id]
    return redirect(url_for("respond.section", response_id=response.id))


def _response_for(link: Link) -> Response:
    return next(r for r in link.assignment.responses if r.partner_id == link.partner_id)


def get_response_or_404(response_id: int, *, for_update: bool = False) -> tuple[Response, Link]:
    """This browser's own response through a link it started with and that still works."""
    db = get_db()
    query = select(Response).where(Response.id == response_id)
    response = db.scalar(query.with_for_update() if for_update else query)
    if response is None:
        abort(404)
    now = utcnow()
    for link_id in session.get(SESSION_KEY, []):
        link = db.get(Link, link_id)
        if (
            link is not None
            and link.usable(now)
            and link.assignment_id == response.assignment_id
            and link.partner_id == response.partner_id
        ):
            return response, link
    abort(404)


def _worksheet(response: Response) -> Worksheet:
    return stored_worksheet(response.assignment.worksheet_version)


def _form_values(worksheet: Worksheet, answers: dict[str, Any]) -> MultiDict[str, str]:
    """Stored answers as the form fields that show them."""
    values: MultiDict[str, str] = MultiDict()
    for question in worksheet.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        if question.kind == "matrix" and isinstance(value, dict):
            for item_id, point in value.items():
                values.add(f"{question.id}.{item_id}", str(point))
        elif isinstance(value, list):
            for one in value:
                values.add(question.id, str(one))
        else:
            values.add(question.id, str(value))
    return values


def _section_index(worksheet: Worksheet, raw: Any, default: int) -> int:
    try:
        index = int(raw)
    except (TypeError, ValueError):
        index = default
    return min(max(index, 0), len(worksheet.sections) - 1)


def _render(
    response: Response,
    index: int | None,
    values: MultiDict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> ResponseReturnValue:
    """One section (index) or, to show every problem at once, all of them (None)."""
    worksheet = _worksheet(response)
    sections = worksheet.sections if index is None else (worksheet.sections[index],)
    values = {key: values.getlist(key) for key in values}  # the macro wants lists per field
    return render_template(
        "respond/section.html",
        response=response,
        assignment=response.assignment,
        worksheet=worksheet,
        sections=sections,
        index=index,
        values=values,
        errors=errors,
        locked=response.locked,
    ), status


@bp.get("/r/<id:response_id>")
def section(response_id: int) -> ResponseReturnValue:
    response, _link = get_response_or_404(response_id)
    worksheet = _worksheet(response)
    if response.submitted_at is not None and "section" not in request.args:
        return render_template(
            "respond/done.html",
            response=response,
            assignment=response.assignment,
            worksheet=worksheet,
        )
    index = _section_index(worksheet, request.args.get("section"), response.section)
    return _render(response, index, _form_values(worksheet, response.answers), {})


def _save(response: Response, worksheet: Worksheet, index: int | None) -> dict[str, str]:
    """Merge the posted answers of one section (or all) into the working copy.

    The page's script names the questions touched since its last save ("changed"), and only
    those are taken: another tab's older copy of the page then leaves the rest alone.
    """
    sections = worksheet.sections if index is None else (worksheet.sections[index],)
    questions = [q for s in sections for q in s.questions]
    if request.form.get("autosave") == "1" and "changed" in request.form:
        changed = set(request.form.getlist("changed"))
        questions = [q for q in questions if q.id in changed]
    clean, errors = clean_answers(worksheet, request.form, questions=questions, final=False)
    answers = dict(response.answers)
    for question in questions:
        if question.id in errors:
            continue  # keep what was saved before; the partner sees the message
        if question.id in clean:
            answers[question.id] = clean[question.id]
        else:
            answers.pop(question.id, None)
    response.answers = answers
    response.updated_at = utcnow()
    return errors


@bp.post("/r/<id:response_id>")
def save(response_id: int) -> ResponseReturnValue:
    """Save a section: by the page's script as the partner types, or by a button."""
    response, link = get_response_or_404(response_id, for_update=True)
    worksheet = _worksheet(response)
    background = request.form.get("autosave") == "1"
    if response.locked:
        get_db().rollback()
        message = locked_message(response)
        if background:
            return jsonify(saved=False, message=message), 409
        flash(message)
        return redirect(url_for("respond.section", response_id=response.id))
    # "all": the page that shows every section at once, after a send with problems.
    all_sections = request.form.get("section") == "all"
    index = None if all_sections else _section_index(worksheet, request.form.get("section"), 0)
    errors = _save(response, worksheet, index)
    move = request.form.get("move")
    if background or errors or move != "submit":
        if index is not None and not errors:
            step = {"next": 1, "back": -1}.get(move or "", 0)
            response.section = min(max(index + step, 0), len(worksheet.sections) - 1)
        get_db().commit()
    if background:
        return jsonify(saved=True, errors=errors, at=response.updated_at.isoformat())
    if errors:
        return _render(response, index, request.form, errors, 400)
    if move == "submit":
        return submit(response, link, worksheet)  # still holding the row lock taken above
    if move not in ("next", "back"):
        flash("Saved. You can come back to it any time through your link.")
    if index is None:
        return redirect(url_for("respond.section", response_id=response.id))
    return redirect(url_for("respond.section", response_id=response.id, section=response.section))


@bp.app_template_global()
def locked_message(response: Response) -> str:
    if response.assignment.closed_at is not None:
        return "Your counselor has closed this worksheet, so the answers can't be changed now."
    return "Your counselor has already looked at these answers, so they can't be changed now."


def submit(response: Response, link: Link, worksheet: Worksheet) -> ResponseReturnValue:
    """Check every answer; send them, or show every problem beside its question."""
    values = _form_values(worksheet, response.answers)
    clean, errors = clean_answers(worksheet, values, final=True)
    if errors:
        get_db().commit()  # the answers just saved stay saved
        return _render(response, None, values, errors, 400)
    if response.submitted_answers != clean or response.submitted_at is None:
        response.submitted_answers = clean
        response.submitted_at = utcnow()
        response.concern = bool(concerns(worksheet, clean))
        record("submit_response", response, link_id=link.id)
    get_db().commit()
    return redirect(url_for("respond.section", response_id=response.id))
