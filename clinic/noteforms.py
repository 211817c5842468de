"""The forms of session notes: a note laid out in its structure (one field per heading, or one
text), the choice of structure for a session, and an addendum after signing. No views."""

from __future__ import annotations

from typing import Any

from flask import current_app
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .forms import Form
from .note_structures import STRUCTURES, plain_text, structure

NOTE_MAX = 4000
SHARED_LABEL = "The couple may see this note"


def structure_field() -> SelectField:
    return SelectField(
        "How notes are laid out",
        choices={s.key: s.label for s in STRUCTURES.values()},
        default=practice_structure,
        description="Each note you write for this session gets one field per heading.",
    )


def practice_structure() -> str:
    return str(current_app.config["NOTE_STRUCTURE"])


def check_setting(value: object) -> None:
    """Stop start-up on a NOTE_STRUCTURE nobody can use, saying what would work."""
    if value not in STRUCTURES:
        raise RuntimeError(
            f"NOTE_STRUCTURE: {value!r} is not a note structure; use one of "
            + ", ".join(f'"{key}"' for key in STRUCTURES)
            + "."
        )


class NoteForm(Form):
    """A note in one structure; its text fields are added by note_form()."""

    key = "free"
    text_name = "text"
    required = True
    shared = BooleanField(SHARED_LABEL)

    def names(self) -> list[tuple[str, str]]:
        """(field name, heading) for each text field, in order."""
        found = structure(self.key)
        if found.free:
            return [(self.text_name, "")]
        return [(f"part_{name}", label) for name, label in found.headings]

    def text_fields(self) -> list[Any]:
        return [self[name] for name, _label in self.names()]

    def sections(self) -> dict[str, str]:
        """What was typed under each heading, trimmed; empty ones left out."""
        found = structure(self.key)
        typed = {name: (self[f"part_{name}"].data or "").strip() for name, _ in found.headings}
        return {name: text for name, text in typed.items() if text}

    def typed(self) -> str:
        """The note as one text: a free note's text, or a structured one's headed parts."""
        if structure(self.key).free:
            return (self[self.text_name].data or "").strip()
        return plain_text(self.key, self.sections())

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if valid and self.required and not self.typed():
            first = self.text_fields()[0]
            first.errors = [
                "Please write the note first."
                if structure(self.key).free
                else "Please write under at least one heading."
            ]
            return False
        return valid


def note_form(
    key: str,
    *,
    text_name: str = "text",
    label: str = "Note",
    required: bool = True,
    **kwargs: Any,
) -> NoteForm:
    """A note form laid out in structure key (free text: one field text_name, labelled label)."""
    found = structure(key)
    limit = Length(max=NOTE_MAX)
    if found.free:
        fields = {text_name: TextAreaField(label, validators=[limit])}
    else:
        fields = {
            f"part_{name}": TextAreaField(heading, validators=[limit])
            for name, heading in found.headings
        }
    form_class = type(
        f"{found.key.title()}NoteForm",
        (NoteForm,),
        {**fields, "key": found.key, "text_name": text_name, "required": required},
    )
    form: NoteForm = form_class(**kwargs)
    return form


class AddendumForm(Form):
    addendum = TextAreaField(
        "Addendum",
        description="The signed notes stay as they are; this is added below them with your "
        "name and the time.",
        validators=[DataRequired("Please write the addendum first."), Length(max=NOTE_MAX)],
    )
    shared = BooleanField("The couple may see this addendum")
