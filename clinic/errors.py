"""Error pages that look like the rest of the app."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Something was off with that request", "Please go back and try again."),
    404: ("We could not find that page", "It may have moved, or the link may be incomplete."),
    405: ("That did not work", "Please go back and use the buttons on the page."),
    413: ("That was too much at once", "Please send less text in one go."),
    429: ("Please slow down", "There were too many tries in a short time. Wait a few minutes."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)


def _render(code: int, title: str, message: str) -> ResponseReturnValue:
    # A partner's pages keep their own layout (with Leave quickly) even when something fails.
    template = "respond/error.html" if request.blueprint == "respond" else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description or ""))
    return _render(code, title, message)


def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
    # A partner's pages answer for themselves (clinic.respond.expired): they keep what was typed.
    return _render(
        400,
        "This page was open too long",
        "For your safety the form expired. Please go back, reload the page and try again.",
    )
