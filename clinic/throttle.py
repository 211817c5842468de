"""Attempt counting kept in the database, so the limits hold across several app processes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from .db import get_db, utcnow
from .models import ThrottleHit


def count(key: str, window: timedelta) -> int:
    since = utcnow() - window
    query = select(func.count()).where(ThrottleHit.key == key, ThrottleHit.at > since)
    return get_db().scalar(query) or 0


def exceeded(keys: dict[str, int], window: timedelta) -> bool:
    """True when any key has reached its limit within the window."""
    return any(count(key, window) >= limit for key, limit in keys.items())


def hit(key: str, window: timedelta) -> None:
    """Count one attempt and forget this key's attempts older than the window; caller commits."""
    db = get_db()
    db.execute(
        delete(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at <= utcnow() - window)
    )
    db.add(ThrottleHit(key=key))


def clear(key: str) -> None:
    get_db().execute(delete(ThrottleHit).where(ThrottleHit.key == key))
