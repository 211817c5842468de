"""Plausible answers for the demo data: numbers leaning high or low, text that fits the question."""

from __future__ import annotations

import random
from typing import Any

from .model import Question, Worksheet

# Sample text answers, matched to a question by a word in its id; the first match wins.
PHRASES: list[tuple[str, list[str]]] = [
    (
        "reason",
        [
            "We keep having the same fight about time, and we both end up feeling alone.",
            "Since the baby came we hardly talk about anything but schedules.",
        ],
    ),
    (
        "hope_change",
        [
            "We would talk things through instead of going quiet for days.",
            "We would feel like a team again.",
        ],
    ),
    ("hope_keep", ["We still make each other laugh.", "We are kind to each other's families."]),
    ("private", ["Nothing more for now.", "I am more worried about us than I let on."]),
    (
        "when",
        ["When we get home and go straight to our phones", "When plans change without a word"],
    ),
    ("feel", ["I feel far away from you", "I feel left out and a bit hurt"]),
    (
        "need",
        [
            "I need ten minutes together before the evening starts",
            "I need a hug and a quick check-in",
        ],
    ),
    (
        "heard",
        ["More hugs when one of us gets home.", "To be asked about the day and listened to."],
    ),
    (
        "example",
        [
            "Last Sunday we talked over breakfast and nobody rushed off.",
            "When I was upset about work, my partner just listened.",
        ],
    ),
    (
        "wish",
        [
            "That we would check in with each other once a day.",
            "More small touches during the day.",
        ],
    ),
    ("change", ["An evening a week just for us.", "Less time on phones in bed."]),
    ("moment", ["Cooking dinner together on Thursday.", "A walk in the rain on Saturday."]),
    (
        "noticed",
        [
            "We are softer with each other when we are not tired.",
            "I notice I pull away when I am stressed.",
        ],
    ),
    ("try", ["Phones away during dinner.", "A short walk after work."]),
    ("comfort", ["Being asked first, and a calm, quiet room.", "Time to wind down after work."]),
    ("boundar", ["Not when I am cooking or in a rush.", "Nothing comes to mind."]),
    ("date", ["A picnic in the park; a cooking class.", "Trying the new noodle place."]),
    (
        "barrier",
        ["Put the evening in our shared calendar.", "Ask a friend to babysit once a month."],
    ),
    ("plan", ["Friday evening, a walk and dinner at home. I will set it up and book the sitter."]),
]


def sample_answers(
    ws: Worksheet, rng: random.Random, lean: float, *, worried: bool = False
) -> dict[str, Any]:
    """Plausible answers: lean near 1 answers high on every scale, near 0 low."""
    return {q.id: _sample(q, rng, lean, worried) for q in ws.questions}


def _sample(q: Question, rng: random.Random, lean: float, worried: bool) -> Any:
    def point() -> int:
        assert q.min is not None and q.max is not None
        spread = (q.max - q.min) * min(max(lean + rng.uniform(-0.3, 0.3), 0), 1)
        return q.min + round(spread)

    if q.kind == "scale":
        safe = [p for p in q.points if p not in q.concern]
        value = point()
        return rng.choice(safe) if value in q.concern and not worried and safe else value
    if q.kind == "matrix":
        return {item.id: point() for item in q.items}
    values = [o.value for o in q.options]
    if q.kind == "choice":
        if q.concern:
            hits = [v for v in values if v in q.concern]
            calm = [v for v in values if v not in q.concern]
            return rng.choice(hits if worried and hits else calm or values)
        return rng.choice(values)
    if q.kind == "multi":
        calm = [v for v in values if v not in q.concern] or values
        return sorted(rng.sample(calm, k=min(len(calm), rng.randint(1, 3))), key=values.index)
    choices = next((texts for word, texts in PHRASES if word in q.id), PHRASES[0][1])
    return rng.choice(choices)[: q.max_length]
