"""Counselor sign-in (password, then a code when two-step sign-in is on), sign-out on this
device or everywhere, and failed sign-in throttling.

Sessions themselves (one row per device, timeouts) live in signins.py; codes in twofactor.py.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from . import throttle, twofactor
from .audit import purge_old_events, record
from .counselors import needs_setup
from .db import get_db
from .forms import CodeForm, Form
from .models import Counselor
from .passwords import verify_password
from .security import client_address, login_required
from .signins import (
    CounselorLogins,
    begin_second_step,
    end_every_session,
    end_session,
    enforce_timeouts,
    load_counselor,
    pending_second_step,
    require_second_factor,
    start_session,
)

bp = Blueprint("auth", __name__)
login_manager = CounselorLogins()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.session_protection = "strong"

BAD_LOGIN = "That email and password do not match an account."
BAD_CODE = "That code did not work. Codes change every 30 seconds: type the one showing now."


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
    app.before_request(enforce_timeouts)
    app.before_request(require_second_factor)


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
    keys = _throttle_keys(email)
    config = current_app.config
    attempt = throttle.attempt(
        {
            keys.pair: config["LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS"],
            keys.address: config["LOGIN_ATTEMPTS_PER_ADDRESS"],
        },
        minutes=config["LOGIN_THROTTLE_MINUTES"],
        delays={keys.account: config["LOGIN_ATTEMPTS_PER_ACCOUNT"]},
    )
    if not attempt.allowed:
        wait = throttle.in_words(attempt.retry_after)
        form.form_errors.append(f"Too many sign-in attempts. Please wait {wait} and try again.")
        return render_template("auth/login.html", form=form), 429
    db = get_db()
    counselor = db.scalar(select(Counselor).where(Counselor.email == email, Counselor.active))
    if not verify_password(counselor.password_hash if counselor else None, form.password.data):
        attempt.failed()
        if counselor is not None:
            record("sign_in_failed", counselor)
        db.commit()
        form.form_errors.append(BAD_LOGIN)
        return render_template("auth/login.html", form=form), 400
    assert counselor is not None
    throttle.clear(keys.pair, keys.account)
    next_url = safe_next(request.args.get("next"))
    if counselor.totp_secret is None:
        return _signed_in(counselor, next_url)
    db.commit()
    begin_second_step(counselor)
    return redirect(url_for("auth.second_step", next=next_url))


def _signed_in(counselor: Counselor, next_url: str) -> ResponseReturnValue:
    start_session(counselor)
    record("sign_in", counselor, counselor_id=counselor.id)
    purge_old_events()  # a few times a day: often enough, and no job to schedule
    get_db().commit()
    return redirect(next_url)


def _code_page(form: CodeForm, status: int = 200) -> ResponseReturnValue:
    return render_template("auth/code.html", form=form, next=request.args.get("next")), status


@bp.get("/login/code")
def second_step() -> ResponseReturnValue:
    if pending_second_step() is None:
        flash("Please sign in again.")
        return redirect(url_for("auth.login"))
    return _code_page(CodeForm())


@bp.post("/login/code")
def second_step_post() -> ResponseReturnValue:
    counselor = pending_second_step()
    if counselor is None:
        flash("That took too long. Please sign in again.")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _code_page(form, 400)
    # Per account, strictly: only someone who knows the password gets this far.
    key = f"login:code:{counselor.id}"
    config = current_app.config
    attempt = throttle.attempt(
        {key: config["LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS"]},
        minutes=config["LOGIN_THROTTLE_MINUTES"],
    )
    if not attempt.allowed:
        wait = throttle.in_words(attempt.retry_after)
        form.form_errors.append(f"Too many wrong codes. Please wait {wait} and try again.")
        return _code_page(form, 429)
    how = twofactor.verify(counselor, form.code.data or "")
    if how is None:
        attempt.failed()
        record("second_factor_failed", counselor)
        get_db().commit()
        form.code.errors = [BAD_CODE]
        return _code_page(form, 400)
    throttle.clear(key)
    next_url = safe_next(request.args.get("next"))
    if how != "recovery":
        return _signed_in(counselor, next_url)
    record("use_recovery_code", counselor, counselor_id=counselor.id)
    signed_in = _signed_in(counselor, next_url)
    left = twofactor.recovery_codes_left(counselor)
    flash(
        f"You signed in with a recovery code, which now no longer works; {left} left. "
        "Under Your account you can make new ones or set up your app again."
    )
    return signed_in


class LoginKeys(NamedTuple):
    pair: str
    address: str
    account: str


def _throttle_keys(email: str) -> LoginKeys:
    """What failed sign-ins count against. Only the pair (this account from this address) and
    the address lock anyone out; the account alone only slows down, so wrong passwords from one
    place never keep the counselor out from another."""
    address = client_address()
    # Hashed: an email and an address together can be longer than the key column.
    pair = hashlib.sha256(f"{email} {address}".encode()).hexdigest()[:40]
    return LoginKeys(f"login:pair:{pair}", f"login:address:{address}", account_key(email))


def account_key(email: str) -> str:
    """What wrong passwords for an account from anywhere count against (they slow it down)."""
    return f"login:account:{email}"


@bp.get("/still-here")
@login_required
def still_here() -> ResponseReturnValue:
    """Called by the page's script while a counselor types, so typing counts as activity."""
    return "", 204


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out on this device; other devices stay signed in."""
    record("sign_out", current_user._get_current_object())
    end_session()
    get_db().commit()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    """Sign out on every device, this one included: for a lost phone or a shared computer."""
    counselor = current_user._get_current_object()
    end_every_session(counselor)
    record("sign_out_everywhere", counselor)
    get_db().commit()
    end_session()
    flash("You are signed out on every device.")
    return redirect(url_for("auth.login"))
