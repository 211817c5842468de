"""Validators and fields shared by several areas' forms."""

from __future__ import annotations

from wtforms.validators import Regexp

# A light check: the only real test of an address is a message that arrives.
email_address = Regexp(
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Please enter an email address like name@example.org."
)
