"""One-time tokens (partner links, the setup link): made at random, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

MAX_LENGTH = 100  # longer is never ours: refuse it before hashing


def new_token() -> tuple[str, str]:
    """A fresh token of 256 bits and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: str) -> bool:
    """False for what cannot be a token of ours, so it never reaches a query."""
    return 0 < len(token) <= MAX_LENGTH
