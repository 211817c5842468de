"""The base of every form, the one rule for typed text, and fields shared by several areas."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Regexp

from .worksheets.answers import clean_text

# A light check: the only real test of an address is a message that arrives.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
email_address = Regexp(EMAIL, message="Please enter an email address like name@example.org.")


def cleaned(value: Any) -> Any:
    """Typed text under the one rule (clean_text); anything else as it came."""
    return clean_text(value) if isinstance(value, str) else value


class Form(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """A form with CSRF protection whose text fields all follow the one rule for typed text.

    Passwords are left exactly as typed: changing them would lock people out.
    """

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if unbound_field.field_class is not PasswordField:
                filters = [*unbound_field.kwargs.get("filters", ()), cleaned]
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CodeForm(Form):
    """A code from the authenticator app (or, where allowed, a recovery code)."""

    code = StringField(
        "Code",
        validators=[DataRequired("Please type the code."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )
