"""The ways a session note can be laid out: free text, or one field per heading of a common
clinical format. Plain data, no Flask and no database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoteStructure:
    key: str
    label: str
    headings: tuple[tuple[str, str], ...]  # (field name, heading); none for free text

    @property
    def free(self) -> bool:
        return not self.headings


STRUCTURES: dict[str, NoteStructure] = {
    s.key: s
    for s in (
        NoteStructure("free", "Free text", ()),
        NoteStructure(
            "soap",
            "SOAP: Subjective, Objective, Assessment, Plan",
            (
                ("subjective", "Subjective"),
                ("objective", "Objective"),
                ("assessment", "Assessment"),
                ("plan", "Plan"),
            ),
        ),
        NoteStructure(
            "dap",
            "DAP: Data, Assessment, Plan",
            (("data", "Data"), ("assessment", "Assessment"), ("plan", "Plan")),
        ),
        NoteStructure(
            "birp",
            "BIRP: Behavior, Intervention, Response, Plan",
            (
                ("behavior", "Behavior"),
                ("intervention", "Intervention"),
                ("response", "Response"),
                ("plan", "Plan"),
            ),
        ),
    )
}


def structure(key: str | None) -> NoteStructure:
    """The structure of this key; free text for a key no longer known."""
    return STRUCTURES.get(key or "free", STRUCTURES["free"])


def parts_of(key: str | None, text: str, sections: dict[str, str] | None) -> list[tuple[str, str]]:
    """A note as (heading, text) pairs in its structure's order, empty headings left out; a
    free-text note (and any note written before structures) is one part with no heading."""
    found = structure(key)
    if found.free or not sections:
        return [("", text)]
    return [(label, sections[name]) for name, label in found.headings if sections.get(name)]


def plain_text(key: str | None, sections: dict[str, str]) -> str:
    """A structured note as one text, each heading on a line of its own above its part."""
    if not sections:
        return ""
    return "\n\n".join(f"{label}\n{text}" for label, text in parts_of(key, "", sections))
