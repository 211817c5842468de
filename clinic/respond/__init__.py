"""The partner's side: a private link, a welcome page, the worksheet a part at a time.

Views only; what a page does to a response is in operations.py, and to its working copy in
drafts.py.
"""

from __future__ import annotations

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
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as HTTPResponse

from .. import throttle
from ..catalog import stored_worksheet
from ..dates import use_practice_zone
from ..db import get_db
from ..links import find_link
from ..models import Link, Response, RoundPartner
from ..security import client_address
from . import drafts, operations
from .autosave import autosave
from .drafts import form_values, section_index
from .expired import expired
from .lookup import own_response
from .operations import worksheet_of
from .pages import SESSION_KEY
from .pages import render_part as _render
from .pages import started_link as _started_link

bp = Blueprint("respond", __name__)
bp.register_error_handler(CSRFError, expired)
bp.before_request(use_practice_zone)  # a partner reads the practice's days and times


@bp.after_request
def _client_headers(response: HTTPResponse) -> HTTPResponse:
    """Partner pages leave no trace: no referrer, no search engines, nothing cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _find_link_or_throttle(token: str) -> Link | None:
    """The usable link for a token. A link that works always opens; only tokens that open
    nothing count against this address, and past the limit they get "Please slow down". So
    guessing is limited, while a shared address (a family, a clinic's Wi-Fi, a proxy) never
    blocks a partner whose link works."""
    link = find_link(token)
    if link is not None:
        return link
    config = current_app.config
    attempt = throttle.attempt(
        {f"link:address:{client_address()}": config["LINK_ATTEMPTS_PER_ADDRESS"]},
        minutes=config["LINK_THROTTLE_MINUTES"],
    )
    if not attempt.allowed:
        abort(429)
    attempt.failed()
    get_db().commit()
    return None


def _invalid() -> ResponseReturnValue:
    # Unknown, revoked and expired links look exactly alike.
    return render_template("respond/invalid.html"), 404


@bp.get("/l/<token>")
def welcome(token: str) -> ResponseReturnValue:
    """What a link opens to. It changes nothing, since mail scanners open links too."""
    link = _find_link_or_throttle(token)
    if link is None:
        return _invalid()
    return _welcome(link, token)


def _welcome(
    link: Link, token: str, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """Who sees the answers, and the worksheets by title only: nothing answered shows here."""
    return render_template(
        "respond/welcome.html",
        link=link,
        member=link.member,
        worksheets=[
            stored_worksheet(a.worksheet_version) for a in operations.open_assignments(link)
        ],
        counselor=link.round.couple.counselor,
        token=token,
        this_browser=_this_browser(link),
        error=error,
    ), status


def _this_browser(link: Link) -> bool:
    """Has this browser started with a working link of this partner's round in this visit?"""
    return _started_link(link.round_id, link.partner_id) is not None


@bp.post("/l/<token>")
def start(token: str) -> ResponseReturnValue:
    """Trade the token for this browser's session, then carry on at a URL without the token."""
    link = _find_link_or_throttle(token)
    if link is None:
        return _invalid()
    error = operations.unlock(link, request.form.get("code", ""), this_browser=_this_browser(link))
    if error:
        get_db().commit()  # a wrong code counts, and the last one revokes the links
        if link.revoked_at is not None:
            return render_template("respond/invalid.html", locked=True), 404
        return _welcome(link, token, error, 400)
    responses = operations.start(link)
    get_db().commit()
    allowed = [i for i in session.get(SESSION_KEY, []) if i != link.id][-9:]
    session[SESSION_KEY] = [*allowed, link.id]
    if len(responses) == 1:
        return redirect(url_for("respond.section", response_id=responses[0].id))
    return redirect(url_for("respond.worksheets", member_id=link.member.id))


@bp.get("/p/<id:member_id>")
def worksheets(member_id: int) -> ResponseReturnValue:
    """A partner's worksheets of one round, with what is left to do in each."""
    member = get_db().get(RoundPartner, member_id)
    if member is None:
        abort(404)
    link = _session_link(member.round_id, member.partner_id)
    return render_template(
        "respond/worksheets.html",
        member=member,
        rows=operations.progress(link),
        counselor=member.round.couple.counselor,
    )


def _session_link(round_id: int, partner_id: int) -> Link:
    link = _started_link(round_id, partner_id)
    if link is None:
        abort(404)
    return link


def _started() -> list[int]:
    """The ids of the links this browser started with."""
    return [i for i in session.get(SESSION_KEY, []) if isinstance(i, int)]


def get_response_or_404(response_id: int, *, for_update: bool = False) -> tuple[Response, Link]:
    """This browser's own response through a link it started with and that still works, in one
    query (the assignment and worksheet version come along); for_update locks it."""
    found = own_response(response_id, _started(), for_update=for_update)
    if found is None:
        abort(404)
    return found


@bp.get("/r/<id:response_id>")
def section(response_id: int) -> ResponseReturnValue:
    response, _link = get_response_or_404(response_id)
    worksheet = worksheet_of(response)
    if response.submitted_at is not None and "section" not in request.args:
        return render_template(
            "respond/done.html",
            response=response,
            assignment=response.assignment,
            worksheet=worksheet,
            others=[row for row in operations.progress(_link) if row.response.id != response.id],
            member=_link.member,
        )
    index = section_index(worksheet, request.args.get("section"), response.section)
    return _render(response, index, form_values(worksheet, response.answers), {})


@bp.post("/r/<id:response_id>")
def save(response_id: int) -> ResponseReturnValue:
    """Save a part by a button (and go on, back, or send); the page's script saving as the
    partner types goes the quick way, in autosave.py."""
    if request.form.get("autosave") == "1":
        return _autosave(response_id)
    response, link = get_response_or_404(response_id, for_update=True)
    worksheet = worksheet_of(response)
    operations.note_use(link)
    if response.locked:
        get_db().rollback()
        flash(operations.locked_message(response))
        return redirect(url_for("respond.section", response_id=response.id))
    index = drafts.part_posted(worksheet, request.form.get("section"))
    questions = drafts.questions_posted(worksheet, index, None)
    errors = drafts.save_draft(response, worksheet, request.form, questions)
    move = request.form.get("move")
    if index is not None and not errors and move != "submit":
        drafts.move(response, worksheet, index, {"next": 1, "back": -1}.get(move or "", 0))
    if errors:
        get_db().commit()  # what was fine is saved; the partner fixes the rest in place
        return _render(response, index, request.form, errors, 400)
    if move == "submit":
        return _send(response, link)  # still holding the row lock taken above
    get_db().commit()
    if move not in ("next", "back"):
        flash("Saved. You can come back to it any time through your link.")
    if index is None:
        return redirect(url_for("respond.section", response_id=response.id))
    return redirect(url_for("respond.section", response_id=response.id, section=response.section))


def _autosave(response_id: int) -> ResponseReturnValue:
    """The page's script saving as the partner types: the quick way (autosave.py)."""
    done = autosave(response_id, _started(), request.form)
    if done is None:
        abort(404)
    if not done.saved:
        return jsonify(saved=False, message=done.message), 409
    assert done.at is not None
    return jsonify(saved=True, errors=done.errors, at=done.at.isoformat())


def _send(response: Response, link: Link) -> ResponseReturnValue:
    """Send the answers, or show every problem beside its question on one page."""
    errors = operations.send(response, link.id)
    get_db().commit()  # the answers just saved stay saved, sent or not
    if errors:
        worksheet = worksheet_of(response)
        return _render(response, None, form_values(worksheet, response.answers), errors, 400)
    return redirect(url_for("respond.section", response_id=response.id))


@bp.app_template_global()
def locked_message(response: Response) -> str:
    return operations.locked_message(response)
