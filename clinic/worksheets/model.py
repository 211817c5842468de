"""What a worksheet is: frozen dataclasses built by the loader from a TOML file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

KINDS = ("scale", "choice", "multi", "text", "long_text", "matrix")
CHANNELS = ("email", "text")  # ways the practice may reach a partner
NUMERIC = frozenset({"scale", "matrix"})  # kinds whose answers are whole numbers


class WorksheetError(Exception):
    """One or more problems in worksheet files; str() lists them one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    help: str = ""
    required: bool = True
    private: bool = False
    min: int | None = None
    max: int | None = None
    labels: tuple[tuple[int, str], ...] = ()
    options: tuple[Option, ...] = ()
    items: tuple[Item, ...] = ()
    flag_gap: int | None = None
    # A choice whose options run from one end to the other (ordered = true) is compared like a
    # scale, by how many steps apart two answers are; off_scale options ("I am not sure") are not
    # on that scale.
    ordered: bool = False
    off_scale: tuple[str, ...] = ()
    guesses: str | None = None
    concern: tuple[int | str, ...] = ()
    max_length: int | None = None
    # The partner's answer on how they may be contacted: channel -> the choices that allow it.
    contact_safe: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def numeric(self) -> bool:
        """True for scale and matrix questions, whose answers are whole numbers."""
        return self.kind in NUMERIC

    @property
    def points(self) -> tuple[int, ...]:
        """Every allowed number, min to max; empty for other kinds."""
        if self.min is None or self.max is None:
            return ()
        return tuple(range(self.min, self.max + 1))

    @property
    def ranked(self) -> tuple[str, ...]:
        """An ordered choice's options on its scale, first to last; empty for other kinds."""
        if not self.ordered:
            return ()
        return tuple(o.value for o in self.options if o.value not in self.off_scale)

    def distance(self, a: object, b: object) -> int | None:
        """How far apart two stored answers are: points on a scale or matrix, steps between the
        options of an ordered choice; None when they cannot be measured (unanswered, another
        kind, an off_scale option)."""
        if self.numeric:
            if isinstance(a, bool) or isinstance(b, bool):
                return None
            return abs(a - b) if isinstance(a, int) and isinstance(b, int) else None
        ranked = self.ranked
        if isinstance(a, str) and isinstance(b, str) and a in ranked and b in ranked:
            return abs(ranked.index(a) - ranked.index(b))
        return None

    def label_for(self, value: object) -> str | None:
        """The label of a scale point or of an option, or None."""
        if self.numeric:
            return next(
                (
                    text
                    for point, text in self.labels
                    if point == value and not isinstance(value, bool)
                ),
                None,
            )
        return self.option_label(value)

    def option_label(self, value: object) -> str | None:
        """The label shown for a stored option value, or None."""
        return next((o.label for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Score:
    id: str
    label: str
    questions: tuple[str, ...]
    method: str = "mean"


@dataclass(frozen=True)
class Mirror:
    """Two questions that mirror each other: each partner about themselves (self_id, "I show
    up for my partner") and each partner about the other (other_id, "I can count on my
    partner"). One partner's self-report is compared with the other's view of them."""

    label: str
    self_id: str
    other_id: str
    flag_gap: int | None = None


@dataclass(frozen=True)
class Worksheet:
    slug: str
    title: str
    summary: str
    estimated_minutes: int
    intro: str
    sections: tuple[Section, ...]
    scores: tuple[Score, ...]
    version: str
    source: str = field(repr=False)
    # Joint work about touch, sex or disclosure: asks the counselor to confirm while a safety
    # flag on the couple is open.
    caution: bool = False
    mirrors: tuple[Mirror, ...] = ()

    @cached_property  # works on a frozen dataclass: it writes __dict__, not through __setattr__
    def questions(self) -> tuple[Question, ...]:
        """Every question in file order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, qid: str) -> Question:
        """The question with this id; KeyError when there is none."""
        return self._by_id[qid]

    def guesses_of(self, qid: str) -> tuple[Question, ...]:
        """The guess questions that guess question qid."""
        return tuple(q for q in self.questions if q.guesses == qid)
