"""Loading and checking worksheet TOML files."""

from pathlib import Path

import pytest

from clinic.worksheets.loader import check_paths, load_file, load_library, parse_worksheet
from clinic.worksheets.model import WorksheetError

ROOT = Path(__file__).resolve().parent.parent

TOP = """\
title = "Touch map"
summary = "How touch feels to each of you"
estimated_minutes = 10
"""

SCALE = """\
  [[sections.questions]]
  id = "hug_importance"
  kind = "scale"
  prompt = "How much do hugs matter to you?"
  min = 1
  max = 5
  labels = { 1 = "Not at all", 5 = "A great deal" }
"""

VALID = (
    TOP
    + """
[[sections]]
title = "Touch that matters"
intro = "Take your time."

"""
    + SCALE
    + """  flag_gap = 2

  [[sections.questions]]
  id = "hug_guess"
  kind = "scale"
  prompt = "How much do you think hugs matter to your partner?"
  min = 1
  max = 5
  guesses = "hug_importance"

  [[sections.questions]]
  id = "how_often"
  kind = "choice"
  prompt = "How often would you like to cuddle?"
  options = { daily = "Every day", weekly = "About once a week" }

  [[sections.questions]]
  id = "kinds"
  kind = "matrix"
  prompt = "How much does each matter?"
  min = 0
  max = 4
  items = { hands = "Holding hands", kiss = "Kissing" }

  [[sections.questions]]
  id = "safe_home"
  kind = "choice"
  prompt = "Do you feel safe at home?"
  private = true
  options = { yes = "Yes", unsure = "Not sure", no = "No" }
  concern = ["unsure", "no"]

  [[sections.questions]]
  id = "wish"
  kind = "long_text"
  prompt = "One wish"
  required = false

[[scores]]
id = "physical"
label = "Physical closeness"
questions = ["hug_importance", "kinds"]
"""
)


def sheet(question: str, extra: str = "") -> str:
    """A valid worksheet with one more question appended to its section, plus extra text."""
    return (
        VALID.replace("[[scores]]", "  [[sections.questions]]\n" + question + "\n[[scores]]", 1)
        + extra
    )


def problems_of(text: str, name: str = "touch.toml") -> list[str]:
    with pytest.raises(WorksheetError) as info:
        parse_worksheet(text, Path(name).stem, name)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def test_valid_worksheet_loads() -> None:
    ws = parse_worksheet(VALID, "touch", "touch.toml")
    assert ws.title == "Touch map"
    assert [q.id for q in ws.questions] == [
        "hug_importance",
        "hug_guess",
        "how_often",
        "kinds",
        "safe_home",
        "wish",
    ]
    hug = ws.question("hug_importance")
    assert hug.numeric and hug.points == (1, 2, 3, 4, 5)
    assert hug.label_for(5) == "A great deal" and hug.label_for(3) is None
    assert ws.question("how_often").label_for("weekly") == "About once a week"
    assert ws.question("wish").max_length == 2000
    assert ws.guesses_of("hug_importance") == (ws.question("hug_guess"),)
    assert ws.scores[0].method == "mean"
    assert ws.source == VALID
    with pytest.raises(KeyError):
        ws.question("nope")


def test_version_follows_the_text() -> None:
    one = parse_worksheet(VALID, "touch", "touch.toml")
    same = parse_worksheet(VALID, "touch", "touch.toml")
    other = parse_worksheet(VALID.replace("Take your time.", "Take your time!"), "touch", "t.toml")
    assert one.version == same.version and len(one.version) == 12
    assert other.version != one.version
    int(one.version, 16)


TOP_PROBLEMS = [
    (VALID.replace('title = "Touch map"\n', ""), "touch.toml: title is missing"),
    (
        VALID.replace('summary = "How touch feels to each of you"\n', ""),
        "touch.toml: summary is missing",
    ),
    (VALID.replace("estimated_minutes = 10", ""), "touch.toml: estimated_minutes is missing"),
    (
        VALID.replace("estimated_minutes = 10", 'estimated_minutes = "10"'),
        'touch.toml: estimated_minutes must be a whole number, not "10"',
    ),
    (
        VALID.replace("estimated_minutes = 10", "estimated_minutes = 90"),
        "touch.toml: estimated_minutes (90) must be from 1 to 60",
    ),
    (VALID.replace('summary = "How', 'summary = "How\\n'), "touch.toml: summary must be one line"),
    (
        VALID.replace("estimated_minutes = 10", "estimated_minutes = 10\nintro = 3"),
        "touch.toml: intro must be text in quotes, not 3",
    ),
    ("colour = 'blue'\n" + VALID, 'touch.toml: unknown key "colour"'),
    ("titel = 'x'\n" + VALID, 'touch.toml: unknown key "titel" (did you mean "title"?)'),
    (
        VALID.replace('title = "Touch that matters"\n', ""),
        "touch.toml: section 1: title is missing",
    ),
    (
        VALID.replace('intro = "Take your time."', 'intr = "x"'),
        'touch.toml: section 1: unknown key "intr" (did you mean "intro"?)',
    ),
    (
        TOP + "[[sections]]\ntitle = 'Empty'\n",
        "touch.toml: section 1: needs at least one [[sections.questions]] table",
    ),
    (TOP, "touch.toml: sections is missing"),
]


@pytest.mark.parametrize(("text", "message"), TOP_PROBLEMS)
def test_top_and_section_problems(text: str, message: str) -> None:
    assert message in problems_of(text)


def test_toml_syntax_error_names_the_line() -> None:
    text = VALID.replace('kind = "choice"', 'kind = "choice')
    (problem,) = problems_of(text)
    assert problem.startswith("touch.toml: not valid TOML:")
    line = text.splitlines().index('  kind = "choice') + 1
    assert f"line {line}," in problem


def test_bad_slug() -> None:
    assert "Touch Map.toml: the file name must be lower case letters, digits and -, then .toml" in (
        problems_of(VALID, "Touch Map.toml")
    )


def q(qid: str, kind: str, body: str = "") -> str:
    return f'  id = "{qid}"\n  kind = "{kind}"\n  prompt = "A question"\n{body}'


QUESTION_PROBLEMS = [
    ("no_prompt", '  id = "no_prompt"\n  kind = "text"\n', "prompt is missing"),
    ("no_kind", '  id = "no_kind"\n  prompt = "x"\n', "kind is missing"),
    (
        "odd",
        q("odd", "slider"),
        'kind "slider" must be one of: scale, choice, multi, text, long_text, matrix',
    ),
    ("x", q("x", "text", "  colour = 1\n"), 'unknown key "colour"'),
    ("x", q("x", "text", "  flaggap = 1\n"), 'unknown key "flaggap" (did you mean "flag_gap"?)'),
    ("hug_importance", q("hug_importance", "text"), "this id is used twice"),
    ("Hug-1", q("Hug-1", "text"), "id must be lower case letters, digits and _"),
    ("x", q("x", "scale", "  min = 5\n  max = 5\n"), "min (5) must be less than max (5)"),
    (
        "x",
        q("x", "scale", "  min = 0\n  max = 11\n"),
        "min 0 to max 11 is 12 points; use at most 11",
    ),
    ("x", q("x", "scale", "  max = 5\n"), "min is missing"),
    ("x", q("x", "scale", '  min = "1"\n  max = 5\n'), 'min must be a whole number, not "1"'),
    ("x", q("x", "scale", "  min = 1.5\n  max = 5\n"), "min must be a whole number, not 1.5"),
    ("x", q("x", "scale", "  min = true\n  max = 5\n"), "min must be a whole number, not true"),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  labels = { 6 = "Six" }\n'),
        "label 6 is outside the scale (1 to 5)",
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  labels = { one = "One" }\n'),
        'labels key "one" must be a whole number',
    ),
    (
        "x",
        q("x", "scale", "  min = 1\n  max = 5\n  labels = { 1 = 1 }\n"),
        "label 1 needs text in quotes",
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  labels = "low"\n'),
        'labels must be a table in { }, not "low"',
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  options = { a = "A", b = "B" }\n'),
        "options is not used by a scale question",
    ),
    ("x", q("x", "text", "  min = 1\n"), "min is not used by a text question"),
    ("x", q("x", "choice", '  options = { a = "A" }\n'), "options needs at least 2, not 1"),
    ("x", q("x", "multi"), "options is missing"),
    (
        "x",
        q("x", "choice", '  options = { "Big One" = "A", b = "B" }\n'),
        'options key "Big One" must be lower case letters, digits, _ or -',
    ),
    ("x", q("x", "matrix", "  min = 1\n  max = 5\n"), "items is missing"),
    (
        "x",
        q("x", "matrix", "  min = 1\n  max = 5\n  items = {}\n"),
        "items needs at least 1, not 0",
    ),
    (
        "x",
        q("x", "scale", "  min = 1\n  max = 5\n  flag_gap = 0\n"),
        "flag_gap (0) must be 1 or more",
    ),
    (
        "x",
        q("x", "scale", "  min = 1\n  max = 5\n  flag_gap = 5\n"),
        "flag_gap (5) can never be reached on a 1 to 5 scale",
    ),
    (
        "x",
        q("x", "choice", '  options = { a = "A", b = "B" }\n  flag_gap = 1\n'),
        "flag_gap needs ordered = true (options written in order, end to end)",
    ),
    ("x", q("x", "text", "  max_length = 1001\n"), "max_length (1001) must be from 1 to 1000"),
    ("x", q("x", "long_text", "  max_length = 0\n"), "max_length (0) must be from 1 to 4000"),
    ("x", q("x", "text", '  max_length = "300"\n'), 'max_length must be a whole number, not "300"'),
    ("x", q("x", "text", '  required = "yes"\n'), 'required must be true or false, not "yes"'),
    ("x", q("x", "text", "  help = 3\n"), "help must be text in quotes, not 3"),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  guesses = "nothing"\n'),
        'guesses "nothing", but there is no such question',
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  guesses = "x"\n'),
        "a question cannot guess itself",
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  guesses = "hug_guess"\n'),
        'guesses "hug_guess", which is itself a guess',
    ),
    (
        "x",
        q("x", "choice", '  options = { a = "A", b = "B" }\n  guesses = "hug_importance"\n'),
        'guesses "hug_importance", so it must be the same kind (scale, not choice)',
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 7\n  guesses = "hug_importance"\n'),
        'guesses "hug_importance", so it must use the same scale (1 to 5, not 1 to 7)',
    ),
    (
        "x",
        q("x", "choice", '  options = { daily = "D", monthly = "M" }\n  guesses = "how_often"\n'),
        'guesses "how_often", so it must have the same options, in the same order',
    ),
    (
        "x",
        q("x", "matrix", '  min = 0\n  max = 4\n  items = { hands = "H" }\n  guesses = "kinds"\n'),
        'guesses "kinds", so it must have the same items, in the same order',
    ),
    (
        "x",
        q(
            "x",
            "choice",
            '  options = { yes = "Y", unsure = "U", no = "N" }\n  guesses = "safe_home"\n',
        ),
        'guesses the private question "safe_home", so it must be private too',
    ),
    (
        "x",
        q("x", "scale", '  min = 1\n  max = 5\n  flag_gap = 2\n  guesses = "hug_importance"\n'),
        "flag_gap has no effect on a guess",
    ),
    (
        "x",
        q("x", "scale", "  min = 1\n  max = 5\n  concern = [1]\n"),
        "concern is only allowed on a private question",
    ),
    (
        "x",
        q("x", "scale", "  private = true\n  min = 1\n  max = 5\n  concern = [6]\n"),
        "concern value 6 is not an answer to this question",
    ),
    (
        "x",
        q("x", "scale", "  private = true\n  min = 1\n  max = 5\n  concern = [true]\n"),
        "concern value true is not an answer to this question",
    ),
    (
        "x",
        q("x", "multi", '  private = true\n  options = { a = "A", b = "B" }\n  concern = ["c"]\n'),
        'concern value "c" is not an answer to this question',
    ),
    (
        "x",
        q("x", "scale", "  private = true\n  min = 1\n  max = 5\n  concern = []\n"),
        "concern must list at least one answer",
    ),
    (
        "x",
        q("x", "text", '  private = true\n  concern = ["help"]\n'),
        "concern is not used by a text question",
    ),
]


@pytest.mark.parametrize(("qid", "question", "problem"), QUESTION_PROBLEMS)
def test_question_problems(qid: str, question: str, problem: str) -> None:
    problems = problems_of(sheet(question))
    prefix = f'touch.toml: question "{qid}": {problem}'
    assert any(p.startswith(prefix) for p in problems), problems


def test_question_without_id_is_named_by_position() -> None:
    problems = problems_of(sheet('  kind = "text"\n  prompt = "x"\n'))
    assert problems == ["touch.toml: section 1, question 7: id is missing"]


def score(body: str) -> str:
    return f'\n[[scores]]\nid = "extra"\nlabel = "Extra"\n{body}'


SCORE_PROBLEMS = [
    ('questions = ["wish"]\n', 'question "wish" is long_text; scores need scale or matrix'),
    ('questions = ["how_often"]\n', 'question "how_often" is choice; scores need scale or matrix'),
    ('questions = ["gone"]\n', 'question "gone" does not exist'),
    ('questions = ["hug_guess"]\n', 'question "hug_guess" is a guess question'),
    ("questions = []\n", "questions must name at least one question"),
    ('questions = "hug_importance"\n', 'questions must be a list in [ ], not "hug_importance"'),
    ("", "questions is missing"),
    ('questions = ["hug_importance"]\nmethod = "median"\n', 'method "median" must be one of'),
    ('questions = ["hug_importance"]\nweight = 2\n', 'unknown key "weight"'),
    ('questions = ["hug_importance", "hug_importance"]\n', "a question is listed twice"),
]


@pytest.mark.parametrize(("body", "problem"), SCORE_PROBLEMS)
def test_score_problems(body: str, problem: str) -> None:
    problems = problems_of(VALID + score(body))
    assert any(p.startswith(f'touch.toml: score "extra": {problem}') for p in problems), problems


def test_score_over_private_question() -> None:
    text = sheet(
        q("secret", "scale", "  private = true\n  min = 1\n  max = 5\n"),
        score('questions = ["secret"]\n'),
    )
    assert (
        'touch.toml: score "extra": question "secret" is a private question and cannot be '
        "scored" in problems_of(text)
    )


def test_duplicate_score_id() -> None:
    text = VALID + score('questions = ["kinds"]\n') + score('questions = ["kinds"]\n')
    assert 'touch.toml: score "extra": this score id is used twice' in problems_of(text)


def test_all_problems_are_reported_together() -> None:
    text = VALID.replace('title = "Touch map"\n', "").replace("max = 5\n", "max = 1\n", 1)
    text = text.replace("method", "mthd") + score('questions = ["gone"]\n')
    problems = problems_of(text)
    assert "touch.toml: title is missing" in problems
    assert 'touch.toml: question "hug_importance": min (1) must be less than max (1)' in problems
    assert 'touch.toml: score "extra": question "gone" does not exist' in problems


@pytest.mark.parametrize(
    "junk",
    [
        "sections = 3",
        "sections = [1, 2]",
        "scores = 'x'",
        "[[sections]]\nquestions = [1]",
        "[sections]\ntitle = 'x'",
    ],
)
def test_wrong_shapes_never_crash(junk: str) -> None:
    assert problems_of(TOP + junk + "\n")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_file_uses_the_stem_as_slug(tmp_path: Path) -> None:
    ws = load_file(write(tmp_path, "touch-map.toml", VALID))
    assert ws.slug == "touch-map"
    assert ws.version == parse_worksheet(VALID, "x", "x.toml").version


def test_load_file_reports_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "latin.toml").write_bytes(VALID.replace("Touch", "Touché").encode("latin-1"))
    with pytest.raises(WorksheetError, match="latin.toml: is not UTF-8 text"):
        load_file(tmp_path / "latin.toml")
    with pytest.raises(WorksheetError, match="gone.toml: cannot be read"):
        load_file(tmp_path / "gone.toml")


def test_check_paths(tmp_path: Path) -> None:
    write(tmp_path / "mine", "good.toml", VALID)
    write(tmp_path / "mine", "bad.toml", VALID.replace("5 = ", "9 = "))
    (tmp_path / "empty").mkdir()
    problems = check_paths([tmp_path / "mine", tmp_path / "empty", tmp_path / "nope.toml"])
    assert problems == [
        'bad.toml: question "hug_importance": label 9 is outside the scale (1 to 5)',
        f"{tmp_path / 'empty'}: no .toml files in this folder",
        f"{tmp_path / 'nope.toml'}: not found",
    ]
    assert check_paths([tmp_path / "mine" / "good.toml"]) == []


def test_load_library(tmp_path: Path) -> None:
    builtin, extra = tmp_path / "builtin", tmp_path / "extra"
    write(builtin, "touch.toml", VALID)
    write(builtin, "another.toml", VALID.replace("Touch map", "A first sheet"))
    write(extra, "broken.toml", "title = ")
    write(extra, "touch.toml", VALID.replace("Touch map", "Copy"))
    write(extra, "mine.toml", VALID.replace("Touch map", "Mine"))
    library, problems = load_library(builtin, [extra, tmp_path / "missing"])
    assert list(library) == ["another", "mine", "touch"]
    assert library["touch"].title == "Touch map"
    assert problems[0].startswith("broken.toml: not valid TOML:")
    assert problems[1:] == [
        f'{extra / "touch.toml"}: skipped; "touch" is already loaded from {builtin / "touch.toml"}',
        f"{tmp_path / 'missing'}: worksheet folder not found",
    ]


def test_load_library_refuses_a_broken_builtin(tmp_path: Path) -> None:
    write(tmp_path, "good.toml", VALID)
    write(tmp_path, "bad.toml", VALID.replace('title = "Touch map"\n', ""))
    with pytest.raises(WorksheetError) as info:
        load_library(tmp_path)
    assert info.value.problems == ["bad.toml: title is missing"]
    with pytest.raises(WorksheetError, match="worksheet folder not found"):
        load_library(tmp_path / "nowhere")


def test_every_shipped_worksheet_loads() -> None:
    paths = sorted((ROOT / "worksheets").glob("*.toml"))
    assert len(paths) >= 7
    assert check_paths(paths) == []
    library, problems = load_library(ROOT / "worksheets")
    assert problems == [] and len(library) == len(paths)
