"""Headers on every response (HSTS when served over HTTPS), CSRF on every POST, sign-in on
every counselor page, ids that cannot overflow the database, and the client's address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import flask_login
from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class IdConverter(IntegerConverter):
    """A database id: anything above a 32-bit integer cannot exist, so it never reaches a query."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        kwargs.setdefault("min", 1)
        super().__init__(map, *args, **kwargs)


P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Flask-Login's login_required, with the types that Flask-Login does not declare."""
    return cast("Callable[P, R]", flask_login.login_required(view))


def client_address() -> str:
    """The client's address (behind a proxy, as PROXY_FIX_X_FOR lets ProxyFix set it)."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    csrf.init_app(app)
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # Served over HTTPS: browsers keep to HTTPS for this site for a year.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
