"""The base of every form, the one rule for typed text, and fields shared by several areas."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from .passwords import MAX_LENGTH, MIN_LENGTH
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


def new_password(label: str = "Password") -> Any:
    """A password being chosen: the length every password keeps to, and a hint."""
    return PasswordField(
        label,
        description=f"At least {MIN_LENGTH} characters. A few words you will remember work well.",
        render_kw={"autocomplete": "new-password"},
        validators=[
            DataRequired(),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=f"Please use at least {MIN_LENGTH} characters (and at most {MAX_LENGTH}).",
            ),
        ],
    )


def password_again(label: str = "Password again") -> Any:
    """The same password once more, beside a field made by new_password named "password"."""
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
