"""A partner's working copy: stored answers as the form fields that show them, the part and
questions a post saves, and merging what was posted into the copy. Nothing here commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from ..db import utcnow
from ..models import Response
from ..worksheets.answers import clean_answers
from ..worksheets.model import Question, Worksheet


def form_values(worksheet: Worksheet, answers: Mapping[str, Any]) -> MultiDict[str, str]:
    """Stored answers as the form fields that show them."""
    values: MultiDict[str, str] = MultiDict()
    for question in worksheet.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        if question.kind == "matrix" and isinstance(value, dict):
            for item_id, point in value.items():
                values.add(f"{question.id}.{item_id}", str(point))
        elif isinstance(value, list):
            for one in value:
                values.add(question.id, str(one))
        else:
            values.add(question.id, str(value))
    return values


def section_index(worksheet: Worksheet, raw: Any, default: int) -> int:
    """A part's index from the page (anything odd falls back to default), within the worksheet."""
    try:
        index = int(raw)
    except (TypeError, ValueError):
        index = default
    return min(max(index, 0), len(worksheet.sections) - 1)


def part_posted(worksheet: Worksheet, raw: Any) -> int | None:
    """The part a post saves: its index, or None for "all", the page that shows every part at
    once after a send with problems."""
    return None if raw == "all" else section_index(worksheet, raw, 0)


def questions_posted(
    worksheet: Worksheet, index: int | None, changed: list[str] | None
) -> list[Question]:
    """The questions a post answers: one part (or all, index None), and of those only the ones
    the page's script says were touched, when it says so. Another tab's older copy of the page
    then leaves the rest alone."""
    sections = worksheet.sections if index is None else (worksheet.sections[index],)
    questions = [q for s in sections for q in s.questions]
    if changed is not None:
        touched = set(changed)
        questions = [q for q in questions if q.id in touched]
    return questions


def save_draft(
    response: Response, worksheet: Worksheet, form: Mapping[str, Any], questions: list[Question]
) -> dict[str, str]:
    """Merge these questions' posted answers into the working copy; returns the problems.

    A question with a problem keeps what was saved before; the partner sees the message.
    """
    answers, errors = merge_draft(response.answers, worksheet, form, questions)
    if answers != response.answers:
        response.answers = answers
    response.updated_at = stamp(response.updated_at)
    return errors


def stamp(previous: datetime | None) -> datetime:
    """The working copy's new "saved at": now, and always later than the one before, so that a
    save that read the copy can tell by it whether anyone has saved since (autosave.py)."""
    now = utcnow()
    if previous is None or now > previous:
        return now
    return previous + timedelta(microseconds=1)


def merge_draft(
    answers: Mapping[str, Any],
    worksheet: Worksheet,
    form: Mapping[str, Any],
    questions: list[Question],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The working copy with these questions' posted answers in it, and the problems."""
    clean, errors = clean_answers(worksheet, form, questions=questions, final=False)
    merged = dict(answers)
    for question in questions:
        if question.id in errors:
            continue
        if question.id in clean:
            merged[question.id] = clean[question.id]
        else:
            merged.pop(question.id, None)
    return merged, errors


def move(response: Response, worksheet: Worksheet, index: int, step: int) -> None:
    """Remember the part the partner is on, so their link resumes there."""
    response.section = min(max(index + step, 0), len(worksheet.sections) - 1)
