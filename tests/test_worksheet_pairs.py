"""The worksheet file rules for comparing partners: ordered choices (ordered, off_scale and
flag_gap on a choice) and mirror pairs ([[mirrors]]), each with the message an author reads,
from the loader and from `flask check-worksheets`."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from clinic.worksheets.loader import parse_worksheet

from .test_worksheets import VALID, problems_of, q, sheet

CHOICE = '  options = { daily = "Every day", weekly = "Every week", rarely = "Rarely" }\n'

ORDER_PROBLEMS = [
    (q("x", "choice", CHOICE + '  off_scale = ["rarely"]\n'), "off_scale needs ordered = true"),
    (q("x", "choice", CHOICE + "  flag_gap = 1\n"), "flag_gap needs ordered = true"),
    (q("x", "choice", CHOICE + '  ordered = "yes"\n'), 'ordered must be true or false, not "yes"'),
    (
        q("x", "choice", CHOICE + '  ordered = true\n  off_scale = ["maybe"]\n'),
        'off_scale: "maybe" is not an option here',
    ),
    (
        q("x", "choice", CHOICE + '  ordered = true\n  off_scale = ["daily", "daily"]\n'),
        "off_scale lists an option twice",
    ),
    (
        q("x", "choice", CHOICE + '  ordered = true\n  off_scale = ["daily", "weekly"]\n'),
        "ordered needs at least two options outside off_scale, not 1",
    ),
    (
        q("x", "choice", CHOICE + "  ordered = true\n  flag_gap = 3\n"),
        "flag_gap (3) can never be reached with 3 ordered options",
    ),
    (
        q("x", "choice", CHOICE + "  ordered = true\n  flag_gap = 0\n"),
        "flag_gap (0) must be 1 or more",
    ),
    (q("x", "multi", CHOICE + "  ordered = true\n"), "ordered is not used by a multi question"),
]


@pytest.mark.parametrize(("question", "problem"), ORDER_PROBLEMS)
def test_order_problems(question: str, problem: str) -> None:
    problems = problems_of(sheet(question))
    assert any(p.startswith(f'touch.toml: question "x": {problem}') for p in problems), problems


def test_an_ordered_choice_loads_with_its_scale() -> None:
    text = sheet(q("x", "choice", CHOICE + '  ordered = true\n  off_scale = ["rarely"]\n'))
    question = parse_worksheet(text, "touch", "touch.toml").question("x")
    assert question.ranked == ("daily", "weekly")
    assert question.distance("daily", "weekly") == 1
    assert question.distance("daily", "rarely") is None


SCALE = "  min = 1\n  max = 5\n"
EXTRA = "\n".join(
    [
        q("seen", "scale", SCALE),
        q("seen7", "scale", "  min = 1\n  max = 7\n"),
        q("secret", "scale", SCALE + "  private = true\n"),
        q("often_too", "choice", '  options = { daily = "Every day", weekly = "Every week" }\n'),
        q(
            "often_ordered",
            "choice",
            '  options = { daily = "Every day", weekly = "Every week" }\n  ordered = true\n',
        ),
        q("secret_too", "scale", SCALE + "  private = true\n"),
    ]
).replace("\n  id = ", "\n\n  [[sections.questions]]\n  id = ")


def mirror(body: str) -> str:
    return f"\n[[mirrors]]\n{body}"


PAIR = 'label = "Seen"\nself = "hug_importance"\n'
MIRROR_PROBLEMS = [
    ('label = "Seen"\nother = "seen"\n', "mirror", "self is missing"),
    ('self = "hug_importance"\nother = "seen"\n', "mirror 1", "label is missing"),
    (PAIR + 'other = "gone"\n', "mirror", 'other = "gone", but there is no such question'),
    (
        'label = "Seen"\nself = "hug_guess"\nother = "seen"\n',
        "mirror",
        'self = "hug_guess" is a guess; a mirror pairs answers, not guesses',
    ),
    (
        PAIR + 'other = "wish"\n',
        "mirror",
        'other = "wish" is long_text; mirrors pair scale, matrix or choice questions',
    ),
    (PAIR + 'other = "hug_importance"\n', "mirror", "self and other must be two different"),
    (
        PAIR + 'other = "kinds"\n',
        "mirror",
        'other "kinds" must match self "hug_importance": it must be the same kind '
        "(scale, not matrix)",
    ),
    (
        PAIR + 'other = "seen7"\n',
        "mirror",
        'other "seen7" must match self "hug_importance": it must use the same scale '
        "(1 to 5, not 1 to 7)",
    ),
    (
        PAIR + 'other = "secret"\n',
        "mirror",
        '"secret" is private and "hug_importance" is not; pair two private questions or two '
        "shared ones, so that a private answer is never set beside a shared one",
    ),
    (
        'label = "Seen"\nself = "how_often"\nother = "often_ordered"\n',
        "mirror",
        "self and other must order their options the same way (ordered, off_scale)",
    ),
    (
        'label = "Seen"\nself = "how_often"\nother = "often_too"\nflag_gap = 1\n',
        "mirror",
        "flag_gap needs questions whose answers are measured: scale, matrix, ordered choice",
    ),
    (PAIR + 'other = "seen"\nflag_gap = 5\n', "mirror", "flag_gap (5) can never be reached"),
    (PAIR + 'other = "seen"\nflag_gap = 0\n', "mirror", "flag_gap (0) must be 1 or more"),
    (PAIR + 'other = "seen"\nselff = 1\n', "mirror", 'unknown key "selff" (did you mean "self"?)'),
    (
        PAIR + 'other = "seen"\n' + mirror(PAIR + 'other = "seen"\n'),
        "mirror",
        "this pair is listed twice",
    ),
]


@pytest.mark.parametrize(("body", "where", "problem"), MIRROR_PROBLEMS)
def test_mirror_problems(body: str, where: str, problem: str) -> None:
    problems = problems_of(sheet(EXTRA, mirror(body)))
    where = '"Seen"' if where == "mirror" else where.split()[1]
    prefix = f"touch.toml: mirror {where}: {problem}"
    assert any(p.startswith(prefix) for p in problems), problems


def test_mirrors_must_be_tables() -> None:
    problems = problems_of("mirrors = 3\n" + VALID)
    assert "touch.toml: mirrors must be written as [[mirrors]] tables" in problems


def test_good_mirror_pairs_load() -> None:
    body = PAIR + 'other = "seen"\nflag_gap = 2\n'
    body += mirror('label = "Kept"\nself = "secret"\nother = "secret_too"\n')
    ws = parse_worksheet(sheet(EXTRA, mirror(body)), "touch", "touch.toml")
    assert [(m.label, m.self_id, m.other_id, m.flag_gap) for m in ws.mirrors] == [
        ("Seen", "hug_importance", "seen", 2),
        ("Kept", "secret", "secret_too", None),
    ]


def test_check_worksheets_reports_order_and_mirror_problems(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "pairs.toml"
    body = 'label = "Seen"\nself = "hug_importance"\nother = "secret"\n'
    broken = q("x", "choice", CHOICE + "  flag_gap = 1\n")
    path.write_text(sheet(f"{EXTRA}\n  [[sections.questions]]\n{broken}", mirror(body)))
    result = runner.invoke(args=["check-worksheets", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'pairs.toml: question "x": flag_gap needs ordered = true (options written in order, '
        "end to end)",
        'pairs.toml: mirror "Seen": "secret" is private and "hug_importance" is not; pair two '
        "private questions or two shared ones, so that a private answer is never set beside a "
        "shared one",
    ]
