"""A counselor's signed-in sessions: one row per device, idle and absolute timeouts, signing
out on this device or everywhere, the code still owed after the password, two-step sign-in
where the practice requires it, and confirming who one is again before sensitive changes;
Flask-Login's session protection, for sessions with a counselor in them.

The session cookie carries a random token; the database keeps its hash in a SignIn row. Signing
out deletes the row, so a copy of the cookie kept by someone else stops working with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import delete, select

from .db import get_db, utcnow
from .models import Counselor, SignIn
from .tokens import hash_token, new_token

TOKEN_KEY = "sign_in"
USER_KEY = "_user_id"  # where Flask-Login keeps who is signed in, in the session
PENDING_KEY = "second_step"  # who gave the right password here and still owes a code
PENDING_MINUTES = 5
CONFIRMED_KEY = "confirmed_at"
CONFIRM_MINUTES = 5  # how long proving who one is again counts for

# Pages a counselor reaches before setting up two-step sign-in where REQUIRE_2FA asks for it.
BEFORE_SECOND_STEP = {
    "static",
    "account.two_step",
    "account.enable_two_step",
    "confirm.new",
    "confirm.create",
    "auth.logout",
    "auth.still_here",
}

P = ParamSpec("P")
R = TypeVar("R")


class CounselorLogins(LoginManager):  # type: ignore[misc]  # Flask-Login is untyped
    """Flask-Login, with its strong session protection applied where a counselor is signed in.

    Flask-Login counts a session with no fingerprint of its browser as a failed check, and
    "fails" it on every request: it rewrites the cookie each time. A partner's phone keeps a
    session with no counselor in it, so each of its pages and autosaves sent a new cookie for
    nothing. With no counselor in the session there is nobody to sign out (we use no remember
    cookie), so the check is skipped there; a counselor's session is checked as before.
    """

    def _session_protection_failed(self) -> bool:
        if USER_KEY not in session:
            return False
        return bool(super()._session_protection_failed())


def start_session(counselor: Counselor) -> None:
    """Sign in on this device with a fresh session, so nothing from before sign-in carries
    over; the caller commits."""
    session.clear()
    token, token_hash = new_token()
    db = get_db()
    oldest = utcnow() - timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    db.execute(delete(SignIn).where(SignIn.created_at < oldest))  # ended by the clock long ago
    db.add(SignIn(counselor=counselor, token_hash=token_hash))
    login_user(counselor)
    now = utcnow().timestamp()
    session[TOKEN_KEY] = token
    session["signed_in_at"] = now
    session["seen_at"] = now
    session[CONFIRMED_KEY] = now  # signing in proves who one is, as confirming again does


def renew_session(counselor: Counselor) -> None:
    """After every sign-in of the counselor was ended (a new password): sign in again on this
    device. Its clock (signed in at, confirmed at) and its form token carry over, so the limit
    of SESSION_MAX_HOURS is not restarted and pages open in its other tabs still post."""
    form_token = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    keys = ("signed_in_at", CONFIRMED_KEY, form_token)
    kept = {key: session[key] for key in keys if key in session}
    start_session(counselor)
    session.update(kept)


def begin_second_step(counselor: Counselor) -> None:
    """The password was right; this browser now owes a code before it is signed in."""
    session.clear()
    session[PENDING_KEY] = {
        "id": counselor.id,
        "version": counselor.session_version,
        "at": utcnow().timestamp(),
    }


def pending_second_step() -> Counselor | None:
    """Who gave the right password in this browser in the last minutes and owes a code."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_MINUTES * 60:
        return None
    counselor = get_db().get(Counselor, int(pending.get("id", 0)))
    if (
        counselor is None
        or not counselor.active
        or counselor.totp_secret is None
        or counselor.session_version != pending.get("version")
    ):
        return None
    return counselor


def load_counselor(user_id: str) -> Counselor | None:
    """Load from 'id.version' and this device's sign-in. A cookie from before "Sign out
    everywhere" carries an old version; one from before signing out here has no sign-in left."""
    counselor_id, _, version = user_id.partition(".")
    if not counselor_id.isdigit() or not version.isdigit() or int(counselor_id) >= 2**31:
        return None
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str):
        return None
    db = get_db()
    counselor = db.get(Counselor, int(counselor_id))
    if counselor is None or not counselor.active or counselor.session_version != int(version):
        return None
    signed_in = db.scalar(
        select(SignIn.id).where(
            SignIn.token_hash == hash_token(token), SignIn.counselor_id == counselor.id
        )
    )
    return counselor if signed_in is not None else None


def end_session() -> None:
    """Sign out on this device only; the caller commits."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        get_db().execute(delete(SignIn).where(SignIn.token_hash == hash_token(token)))
    logout_user()
    session.clear()


def end_every_session(counselor: Counselor) -> None:
    """Sign a counselor out on every device, this one included; the caller commits."""
    counselor.session_version += 1
    get_db().execute(delete(SignIn).where(SignIn.counselor_id == counselor.id))


def enforce_timeouts() -> ResponseReturnValue | None:
    """Before each request: sign out after SESSION_IDLE_MINUTES without a request, and after
    SESSION_MAX_HOURS in any case."""
    if request.endpoint == "static" or USER_KEY not in session:
        return None  # nobody signed in here: a partner's phone, or the sign-in page
    if not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    limit = current_app.config["SESSION_MAX_HOURS"] * 3600
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - signed_in_at > limit:
        end_session()
        get_db().commit()
        if request.endpoint == "auth.login_post":
            return None  # signing in again is exactly what should happen next
        flash("You were signed out to keep your clients' information safe. Please sign in again.")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )
    session["seen_at"] = now
    return None


def require_second_factor() -> ResponseReturnValue | None:
    """With REQUIRE_2FA, a counselor without two-step sign-in sets it up before anything else."""
    if not current_app.config["REQUIRE_2FA"] or request.endpoint in BEFORE_SECOND_STEP:
        return None
    if not current_user.is_authenticated or current_user.totp_secret is not None:
        return None
    flash("Your practice asks everyone to sign in in two steps. Please set it up to go on.")
    return redirect(url_for("account.two_step"))


def mark_confirmed() -> None:
    """The counselor has just proved again who they are."""
    session[CONFIRMED_KEY] = utcnow().timestamp()


def recently_confirmed() -> bool:
    return utcnow().timestamp() - float(session.get(CONFIRMED_KEY, 0)) <= CONFIRM_MINUTES * 60


def confirmed_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """For exporting or deleting a couple and changing a second factor: whoever holds the
    session must have signed in or confirmed who they are within CONFIRM_MINUTES. Otherwise
    they confirm first and come back to the page they were on."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if not recently_confirmed():
            if request.method != "GET":
                flash("Please confirm it is you, then try again.")
            return redirect(url_for("confirm.new", next=_page_to_return_to()))
        return view(*args, **kwargs)

    return wrapped


def _page_to_return_to() -> str:
    """This address, when it is a page; for a button that only posts, the page it was on."""
    if current_app.url_map.bind("").test(request.path, method="GET"):
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path
    return url_for("dashboard.index")
