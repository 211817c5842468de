"""A partner's answers: cleaned from a form, read back safely from storage, shown as text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from .model import Item, Question, Worksheet

Answers = dict[str, Any]
REQUIRED = "Please answer this question before you send."
CHOOSE_ONE = "Please choose one of the options."
CHOOSE_LISTED = "Please choose only from the options shown."
# Everything below U+0020 but tab and newline, plus DEL and the C1 controls: invisible, refused
# by PostgreSQL (NUL), and they break PDFs and copy-paste; everything else is kept as typed.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NUMBER_RE = re.compile(r"\s*(-?[0-9]{1,6})\s*")


def _values(form: Any, name: str) -> list[str]:
    """All string values sent for a field, from a MultiDict or a plain mapping."""
    getlist = getattr(form, "getlist", None)
    if callable(getlist):
        raw = getlist(name)
    else:
        raw = form.get(name) if isinstance(form, Mapping) else None
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        raw = [raw]
    return [str(v) for v in raw if isinstance(v, (str, int)) and not isinstance(v, bool)]


def _point(q: Question, value: object) -> int | None:
    """value as a whole number on q's scale, or None."""
    if isinstance(value, bool) or not isinstance(value, int) or q.min is None or q.max is None:
        return None
    return value if q.min <= value <= q.max else None


def clean_text(raw: str, *, one_line: bool = False) -> str:
    """The one rule for text a person types, here and in every form: line breaks as \\n,
    invisible control characters dropped, composed Unicode (NFC) so that search finds either form.
    A one-line field turns a pasted line break into a space. Leading and trailing space stays:
    callers strip where it does not matter."""
    text = CONTROL_RE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    if one_line:
        text = text.replace("\n", " ")
    return unicodedata.normalize("NFC", text)


def _parse_number(q: Question, raw: str) -> tuple[int | None, str | None]:
    """(number, None), (None, None) when blank, or (None, error)."""
    if not raw.strip():
        return None, None
    match = NUMBER_RE.fullmatch(raw)
    value = _point(q, int(match.group(1))) if match else None
    if value is None:
        return None, f"Please choose a number from {q.min} to {q.max}."
    return value, None


def _clean_one(q: Question, form: Any) -> tuple[Any, str | None]:
    """(value or None when unanswered, error or None) for one question."""
    values = _values(form, q.id)
    first = values[0] if values else ""
    if q.kind == "scale":
        return _parse_number(q, first)
    if q.kind == "choice":
        if not first.strip():
            return None, None
        return (first, None) if q.option_label(first) is not None else (None, CHOOSE_ONE)
    if q.kind == "multi":
        chosen = {v for v in values if v}
        if chosen - {o.value for o in q.options}:
            return None, CHOOSE_LISTED
        return [o.value for o in q.options if o.value in chosen] or None, None
    if q.kind == "matrix":
        rows: dict[str, int] = {}
        for item in q.items:
            cell = _values(form, f"{q.id}.{item.id}")
            value, error = _parse_number(q, cell[0] if cell else "")
            if error:
                return None, f"Please choose a number from {q.min} to {q.max} on each row."
            if value is not None:
                rows[item.id] = value
        return rows or None, None
    text = clean_text(first, one_line=q.kind == "text").strip()
    limit = q.max_length or 0
    if limit and len(text) > limit:
        return None, f"Please keep this to {limit} characters or fewer (you have {len(text)})."
    return text or None, None


def clean_answers(
    ws: Worksheet,
    form: Mapping[str, Any],
    *,
    questions: Iterable[Question] | None = None,
    final: bool,
) -> tuple[Answers, dict[str, str]]:
    """Read a partner's form into stored answers and friendly errors, keyed by question id."""
    answers: Answers = {}
    errors: dict[str, str] = {}
    for q in ws.questions if questions is None else questions:
        value, error = _clean_one(q, form)
        if error:
            errors[q.id] = error
            continue
        if (
            final
            and q.required
            and (value is None or (q.kind == "matrix" and len(value) < len(q.items)))
        ):
            errors[q.id] = "Please answer every row before you send." if value else REQUIRED
            continue
        if value is not None:
            answers[q.id] = value
    return answers, errors


def stored_value(q: Question, answers: Mapping[str, Any] | None, item: Item | None = None) -> Any:
    """A stored answer if it has the right shape for q, else None; stored JSON is not trusted."""
    if not isinstance(answers, Mapping):
        return None
    value = answers.get(q.id)
    if q.kind == "matrix":
        return _point(q, value.get(item.id)) if isinstance(value, dict) and item else None
    if q.kind == "scale":
        return _point(q, value)
    if q.kind == "multi":
        ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        return value if ok else None
    return value if isinstance(value, str) and value else None


def answered(q: Question, answers: Mapping[str, Any] | None) -> bool:
    """True when q has a usable answer; a matrix needs every row."""
    if q.kind == "matrix":
        return all(stored_value(q, answers, item) is not None for item in q.items)
    return stored_value(q, answers) is not None


def progress(ws: Worksheet, answers: Mapping[str, Any] | None) -> tuple[int, int]:
    """(questions answered, questions in the worksheet), optional ones included."""
    return sum(answered(q, answers) for q in ws.questions), len(ws.questions)


def is_concern(q: Question, value: Any) -> bool:
    """True when this answer to a private question is one the worksheet marks as a concern."""
    if not (q.private and q.concern) or value is None:
        return False
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & set(q.concern))


def concerns(ws: Worksheet, answers: Mapping[str, Any] | None) -> list[Question]:
    """Private questions whose answer is one the worksheet marks as a concern."""
    return [q for q in ws.questions if is_concern(q, stored_value(q, answers))]


def display(question: Question, value: Any, item: Item | None = None) -> str:
    """A stored answer as text for people: "4 (Very much)", option labels, "" when unanswered."""
    q = question
    if q.kind == "matrix" and isinstance(value, dict):
        if item is not None:
            return display(q, value.get(item.id))
        return "; ".join(f"{i.label}: {display(q, value[i.id])}" for i in q.items if i.id in value)
    if value is None or isinstance(value, bool):
        return ""
    if q.numeric and isinstance(value, int):
        label = q.label_for(value)
        return f"{value} ({label})" if label else str(value)
    if q.kind == "multi" and isinstance(value, list):
        return ", ".join(q.option_label(v) or str(v) for v in value)
    if q.kind == "choice" and isinstance(value, str):
        return q.option_label(value) or value
    return value if isinstance(value, str) else str(value)


def gap_text(q: Question, gap: int) -> str:
    """How far apart two answers are, in words: "Gap of 3" on a scale or matrix, "2 steps apart"
    between the options of an ordered choice."""
    if q.numeric:
        return f"Gap of {gap}"
    return f"{gap} {'step' if gap == 1 else 'steps'} apart"
