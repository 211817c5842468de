"""The base of every form, and validators shared by several areas' forms."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import Regexp

# Control characters (tab, newline and carriage return aside) are invisible when typed and
# refused by PostgreSQL in text (NUL); they are dropped, and everything else is kept as typed.
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# A light check: the only real test of an address is a message that arrives.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
email_address = Regexp(EMAIL, message="Please enter an email address like name@example.org.")


def without_invisible(value: Any) -> Any:
    return INVISIBLE.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """A form with CSRF protection whose text fields never keep control characters."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = [*unbound_field.kwargs.get("filters", ()), without_invisible]
            return unbound_field.bind(form=form, filters=filters, **options)
