"""A partner's post whose form token does not match this browser's session: what was typed is
kept on the page, and nothing of it is stored."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from ..dates import use_practice_zone
from ..db import get_db
from ..models import Response
from .drafts import section_index
from .operations import worksheet_of
from .pages import TYPED, render_part, started_link

MOVES = ("stay", "next", "back", "submit")  # what a part's buttons post as "move"
MESSAGE = "Please open your link again and give your code. The answers you saved before are safe."
AUTOSAVE_MESSAGE = "Not saved: this page was open too long. Press Save draft to keep your answers."


def expired(_error: CSRFError) -> ResponseReturnValue:
    """A post whose form token does not match this browser's session: nothing in it is saved,
    as the token is what shows the post came from the partner's own page.

    When this browser still holds a working link for the response, its part comes back with
    what was posted filled in, a fresh token and a button to carry on. Otherwise the session
    is gone (browser data cleared, say): the page shows the text typed in this post, to copy
    before opening the link again. A code posted on a link's first page is never shown back.
    """
    use_practice_zone()  # the app's CSRF check ran before the blueprint set the zone
    args = request.view_args or {}
    if request.endpoint == "respond.start":
        flash("That page was open too long. Please give your code again.")
        return redirect(url_for("respond.welcome", token=args.get("token", "")), 303)
    response = get_db().get(Response, args.get("response_id", 0))
    background = request.form.get("autosave") == "1"
    if (
        response is not None
        and not response.locked
        and started_link(response.assignment.round_id, response.partner_id) is not None
    ):
        if background:
            return jsonify(saved=False, message=AUTOSAVE_MESSAGE), 400
        worksheet = worksheet_of(response)
        posted = request.form.get("section")
        index = None if posted == "all" else section_index(worksheet, posted, 0)
        move = request.form.get("move")
        return render_part(
            response, index, request.form, {}, 400, move if move in MOVES else "stay"
        )
    if background:
        return jsonify(saved=False, message=MESSAGE), 400
    return render_template(
        "respond/error.html",
        code=400,
        title="This page has expired",
        message=MESSAGE,
        typed=typed_text(request.form),
    ), 400


def typed_text(form: MultiDict[str, str]) -> list[str]:
    """What was typed into the page's text questions in this post (named in TYPED fields)."""
    names = dict.fromkeys(form.getlist(TYPED))
    return [text for name in names if (text := form.get(name, "")).strip()]
