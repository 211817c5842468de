"""Failed attempts counted in the database, so a limit holds across several app processes.

    attempt = throttle.attempt({"login:address:1.2.3.4": 20}, minutes=15)
    if not attempt.allowed: ...refuse...
    if wrong: attempt.failed()          # counts against every key; the caller commits
    else: throttle.clear("login:account:kim@example.org")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from .db import get_db, utcnow
from .models import ThrottleHit


@dataclass(frozen=True)
class Attempt:
    keys: tuple[str, ...]
    window: timedelta
    allowed: bool

    def failed(self) -> None:
        """Count this attempt as a failure against each key, forgetting ones older than the
        window; the caller commits."""
        db = get_db()
        for key in self.keys:
            db.execute(
                delete(ThrottleHit).where(
                    ThrottleHit.key == key, ThrottleHit.at <= utcnow() - self.window
                )
            )
            db.add(ThrottleHit(key=key))


def attempt(limits: dict[str, int], *, minutes: int) -> Attempt:
    """An attempt that is allowed while no key has reached its limit of failures in the window."""
    window = timedelta(minutes=minutes)
    since = utcnow() - window
    allowed = True
    for key, limit in limits.items():
        query = select(func.count()).where(ThrottleHit.key == key, ThrottleHit.at > since)
        if (get_db().scalar(query) or 0) >= limit:
            allowed = False
            break
    return Attempt(tuple(limits), window, allowed)


def clear(key: str) -> None:
    get_db().execute(delete(ThrottleHit).where(ThrottleHit.key == key))
