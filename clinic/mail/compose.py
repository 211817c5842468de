"""What a message says. Each kind has a plain-text template whose first line is the subject,
and an HTML one, in templates/mail/; a file of the same name in the instance folder's mail/
replaces ours, so a practice can change the wording. The context holds names, dates and links
only: no worksheet topic, no answer, no note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .. import ROOT
from ..dates import day, in_zone, practice_zone
from .senders import Outgoing

KINDS = ("invitation", "reminder", "both_sent", "digest", "test")


def _environment() -> Environment:
    env = current_app.extensions.get("clinic.mail")
    if env is None:
        env = Environment(
            loader=ChoiceLoader(
                [
                    FileSystemLoader(Path(current_app.instance_path) / "mail"),
                    FileSystemLoader(ROOT / "templates" / "mail"),
                ]
            ),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        env.filters["day"] = day
        current_app.extensions["clinic.mail"] = env
    return env


def compose(kind: str, recipient: str, **context: Any) -> Outgoing:
    """The message of this kind for this recipient, in the practice's wording."""
    env = _environment()
    context = {"practice": current_app.config["PRACTICE_NAME"], **context}
    with in_zone(practice_zone()):  # a partner reads the practice's days, whoever pressed Send
        text = env.get_template(f"{kind}.txt").render(context)
        html = env.get_template(f"{kind}.html").render(context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"mail/{kind}.txt must start with a line 'Subject: ...'")
    return Outgoing(recipient, first.removeprefix("Subject:").strip(), body.lstrip("\n"), html)
