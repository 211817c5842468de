"""Two-step sign-in: a six-digit code from an authenticator app (TOTP, RFC 6238), or one of
ten single-use recovery codes.

pyotp and segno are imported by the functions that use them, not at start-up.

A code works once: the time step it belongs to is kept, so a code read over someone's shoulder
or sent again is refused. The QR code the app scans is drawn here, as inline SVG: nothing is
fetched from anywhere.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select

from .db import get_db, utcnow
from .models import Counselor, RecoveryCode
from .tokens import hash_token

STEP_SECONDS = 30
RECOVERY_CODES = 10
# Recovery codes: 16 letters and digits that cannot be mistaken for each other (79 bits),
# shown in groups of four.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    import pyotp  # here, not at start-up: only two-step sign-in needs it

    return pyotp.random_base32()


def app_uri(secret: str, email: str) -> str:
    """What the QR code holds: the secret, the account and the practice's name for the app."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=current_app.config["PRACTICE_NAME"]
    )


def qr_svg(uri: str) -> Markup:
    """The QR code of uri as an inline SVG element, with a title for screen readers."""
    import segno  # here, not at start-up: only setting up two-step sign-in draws one

    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, title="QR code to scan with your authenticator app", light="#fff"
    )
    return Markup(svg)  # segno drew it from our own URI: nothing typed by anyone is in it


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def code_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step a six-digit code belongs to (now's, or the one either side, for clocks a
    little apart), or None. A step at or before last_step has been used: refused."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // STEP_SECONDS
    for candidate in (step - 1, step, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify(counselor: Counselor, code: str) -> str | None:
    """"code" or "recovery" when code is right for this counselor, using it up; else None.
    The caller commits."""
    # Locked until the caller commits: two requests with the same code cannot both pass.
    get_db().refresh(counselor, with_for_update=True)
    assert counselor.totp_secret is not None
    step = code_step(counselor.totp_secret, code, counselor.totp_last_step, utcnow())
    if step is not None:
        counselor.totp_last_step = step
        return "code"
    if _use_recovery_code(counselor, code):
        return "recovery"
    return None


def enable(counselor: Counselor, secret: str, step: int) -> list[str]:
    """Turn two-step sign-in on with a secret the app has just proved it holds (a code of
    step); returns the recovery codes to show once. The caller commits."""
    counselor.totp_secret = secret
    counselor.totp_last_step = step
    return new_recovery_codes(counselor)


def disable(counselor: Counselor) -> None:
    """Back to the password alone (the caller commits)."""
    counselor.totp_secret = None
    counselor.totp_last_step = None
    get_db().execute(delete(RecoveryCode).where(RecoveryCode.counselor_id == counselor.id))


def new_recovery_codes(counselor: Counselor) -> list[str]:
    """Ten fresh codes in place of any earlier ones; only their hashes are kept."""
    db = get_db()
    db.execute(delete(RecoveryCode).where(RecoveryCode.counselor_id == counselor.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
        db.add(RecoveryCode(counselor_id=counselor.id, code_hash=hash_token(raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_codes_left(counselor: Counselor) -> int:
    query = select(func.count()).where(RecoveryCode.counselor_id == counselor.id)
    return get_db().scalar(query) or 0


def _use_recovery_code(counselor: Counselor, code: str) -> bool:
    raw = "".join(code.lower().replace("-", "").split())
    if len(raw) != 16:
        return False
    used = delete(RecoveryCode).where(
        RecoveryCode.counselor_id == counselor.id, RecoveryCode.code_hash == hash_token(raw)
    )
    return bool(getattr(get_db().execute(used), "rowcount", 0))
