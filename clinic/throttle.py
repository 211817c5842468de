"""Failed attempts counted in the database, so a limit holds across several app processes.

    attempt = throttle.attempt(
        {"login:address:1.2.3.4": 20},          # strict: refused until the window passes
        minutes=15,
        delays={"login:account:kim@example.org": 10},  # soft: a growing wait, never a lockout
    )
    if not attempt.allowed: ...refuse, say attempt.retry_after seconds...
    if wrong: attempt.failed()          # counts against every key; the caller commits
    else: throttle.clear("login:account:kim@example.org")
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from .db import get_db, utcnow
from .models import ThrottleHit

# Rows older than this (or than their kind's window, if longer) count for nothing: each failure
# purges its kind's, so the table stays as small as the attempts that can still count.
FORGET_AFTER = timedelta(days=1)
# A soft key past its count makes each try wait 1 s, then 2 s, 4 s, ... up to this.
MAX_DELAY_SECONDS = 60


@dataclass(frozen=True)
class Attempt:
    keys: tuple[str, ...]
    window: timedelta
    allowed: bool
    retry_after: int = 0  # seconds until a refused attempt may be made again

    def failed(self) -> None:
        """Count this attempt as a failure against each key and forget rows too old to count
        for anything; the caller commits."""
        db = get_db()
        now = utcnow()
        too_old = now - max(self.window, FORGET_AFTER)
        # Only keys of the same kind ("login:", "code:", ...) share this window: a failed
        # sign-in must not forget a partner's wrong codes, which count over months.
        for kind in {key.split(":", 1)[0] for key in self.keys}:
            db.execute(
                delete(ThrottleHit).where(
                    ThrottleHit.key.startswith(f"{kind}:"), ThrottleHit.at <= too_old
                )
            )
        for key in self.keys:
            db.add(ThrottleHit(key=key, at=now))


def attempt(
    limits: dict[str, int], *, minutes: int, delays: dict[str, int] | None = None
) -> Attempt:
    """An attempt that is allowed while no key in limits has reached its count of failures in
    the window, and no key in delays is still waiting out its delay.

    A key in delays never locks anyone out: past its count, each further failure doubles the
    wait before the next try (1 s, 2 s, 4 s, ... MAX_DELAY_SECONDS).
    """
    keys = (*limits, *(delays or {}))
    window = timedelta(minutes=minutes)
    now = utcnow()
    since = now - window
    db = get_db()
    for key, limit in limits.items():
        query = select(func.count(), func.min(ThrottleHit.at)).where(
            ThrottleHit.key == key, ThrottleHit.at > since
        )
        count, oldest = db.execute(query).one()
        if count >= limit:
            return Attempt(keys, window, False, _seconds_until(oldest + window, now))
    for key, limit in (delays or {}).items():
        query = select(func.count(), func.max(ThrottleHit.at)).where(
            ThrottleHit.key == key, ThrottleHit.at > since
        )
        count, latest = db.execute(query).one()
        if count >= limit:
            wait = timedelta(seconds=min(2 ** (count - limit), MAX_DELAY_SECONDS))
            if now < latest + wait:
                return Attempt(keys, window, False, _seconds_until(latest + wait, now))
    return Attempt(keys, window, True)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def clear(*keys: str) -> None:
    get_db().execute(delete(ThrottleHit).where(ThrottleHit.key.in_(keys)))


def in_words(seconds: int) -> str:
    """How long to wait, as a person says it: "1 second", "40 seconds", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
