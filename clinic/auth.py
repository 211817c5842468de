"""Counselor sign-in and sign-out, session timeouts and failed sign-in throttling."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from . import throttle
from .audit import record
from .counselors import needs_setup
from .db import get_db, utcnow
from .forms import Form
from .models import Counselor
from .passwords import verify_password
from .security import client_address, login_required

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"

BAD_LOGIN = "That email and password do not match an account."


class LoginForm(Form):
    email = EmailField(
        "Email", validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_counselor)
    app.before_request(_enforce_timeouts)


def load_counselor(user_id: str) -> Counselor | None:
    """Load from 'id.version'; a cookie from before the last sign-out carries an old version."""
    counselor_id, _, version = user_id.partition(".")
    if not counselor_id.isdigit() or not version.isdigit() or int(counselor_id) >= 2**31:
        return None
    counselor = get_db().get(Counselor, int(counselor_id))
    if counselor is None or not counselor.active or counselor.session_version != int(version):
        return None
    return counselor


def _enforce_timeouts() -> ResponseReturnValue | None:
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - signed_in_at > limit:
        logout_user()
        session.clear()
        if request.endpoint == "auth.login_post":
            return None  # signing in again is exactly what should happen next
        flash("You were signed out to keep your clients' information safe. Please sign in again.")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )
    session["seen_at"] = now
    return None


def safe_next(target: str | None) -> str:
    """A path on this site, or the dashboard: never a redirect to somewhere else."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


@bp.get("/login")
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=LoginForm(), first_run=needs_setup())


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, first_run=needs_setup()), 400
    assert form.email.data is not None and form.password.data is not None  # DataRequired
    email = form.email.data.strip().lower()
    config = current_app.config
    minutes = config["LOGIN_THROTTLE_MINUTES"]
    attempt = throttle.attempt(
        {
            f"login:account:{email}": config["LOGIN_ATTEMPTS_PER_ACCOUNT"],
            f"login:address:{client_address()}": config["LOGIN_ATTEMPTS_PER_ADDRESS"],
        },
        minutes=minutes,
    )
    if not attempt.allowed:
        form.form_errors.append(
            f"Too many sign-in attempts. Please wait {minutes} minutes and try again."
        )
        return render_template("auth/login.html", form=form), 429
    db = get_db()
    counselor = db.scalar(select(Counselor).where(Counselor.email == email, Counselor.active))
    if not verify_password(counselor.password_hash if counselor else None, form.password.data):
        attempt.failed()
        db.commit()
        form.form_errors.append(BAD_LOGIN)
        return render_template("auth/login.html", form=form), 400
    assert counselor is not None
    throttle.clear(f"login:account:{email}")
    record("sign_in", counselor, counselor_id=counselor.id)
    db.commit()
    next_url = safe_next(request.args.get("next"))
    start_session(counselor)
    return redirect(next_url)


def start_session(counselor: Counselor) -> None:
    """Sign in with a fresh session, so nothing from before sign-in carries over."""
    session.clear()
    login_user(counselor)
    now = utcnow().timestamp()
    session["signed_in_at"] = now
    session["seen_at"] = now


@bp.get("/still-here")
@login_required
def still_here() -> ResponseReturnValue:
    """Called by the page's script while a counselor types, so typing counts as activity."""
    return "", 204


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    counselor = current_user._get_current_object()
    # Every cookie issued before now stops working, including a copy someone kept.
    counselor.session_version += 1
    record("sign_out", counselor)
    get_db().commit()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
