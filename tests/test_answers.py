"""Cleaning a partner's answers, and comparing, scoring and showing two partners' answers."""

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from clinic.worksheets.answers import answered, clean_answers, concerns, display, progress
from clinic.worksheets.compare import compare, guesses, scores
from clinic.worksheets.loader import parse_worksheet

TEXT = """\
title = "Closeness"
summary = "Touch and talk"
estimated_minutes = 10

[[sections]]
title = "Touch"

  [[sections.questions]]
  id = "hugs"
  kind = "scale"
  prompt = "How much do hugs matter?"
  min = 1
  max = 5
  labels = { 1 = "Not at all", 4 = "Very much" }
  flag_gap = 2

  [[sections.questions]]
  id = "hugs_guess"
  kind = "scale"
  prompt = "What will your partner say?"
  min = 1
  max = 5
  guesses = "hugs"

  [[sections.questions]]
  id = "often"
  kind = "choice"
  prompt = "How often?"
  options = { daily = "Every day", weekly = "Once a week" }

  [[sections.questions]]
  id = "likes"
  kind = "multi"
  prompt = "What do you enjoy?"
  required = false
  options = { hands = "Holding hands", kiss = "Kissing", cuddle = "Cuddling" }

  [[sections.questions]]
  id = "likes_guess"
  kind = "multi"
  prompt = "What does your partner enjoy?"
  required = false
  options = { hands = "Holding hands", kiss = "Kissing", cuddle = "Cuddling" }
  guesses = "likes"

  [[sections.questions]]
  id = "pillars"
  kind = "matrix"
  prompt = "How present is each now?"
  min = 0
  max = 4
  items = { talk = "Open talk", care = "Empathy" }
  flag_gap = 3

  [[sections.questions]]
  id = "pillars_guess"
  kind = "matrix"
  prompt = "What will your partner say?"
  required = false
  min = 0
  max = 4
  items = { talk = "Open talk", care = "Empathy" }
  guesses = "pillars"

  [[sections.questions]]
  id = "word"
  kind = "text"
  prompt = "One word"
  required = false
  max_length = 10

  [[sections.questions]]
  id = "story"
  kind = "long_text"
  prompt = "A recent moment"
  required = false

  [[sections.questions]]
  id = "safe"
  kind = "choice"
  prompt = "Do you feel safe?"
  private = true
  required = false
  options = { yes = "Yes", unsure = "Not sure", no = "No" }
  concern = ["unsure", "no"]

  [[sections.questions]]
  id = "worries"
  kind = "multi"
  prompt = "Any of these?"
  private = true
  required = false
  options = { none = "None", fear = "Fear", money = "Money" }
  concern = ["fear"]

  [[sections.questions]]
  id = "stress"
  kind = "scale"
  prompt = "Stress"
  private = true
  required = false
  min = 1
  max = 5
  concern = [5]

[[scores]]
id = "mean_all"
label = "Mean"
questions = ["hugs", "pillars"]

[[scores]]
id = "sum_all"
label = "Sum"
questions = ["hugs", "pillars"]
method = "sum"
"""

WS = parse_worksheet(TEXT, "closeness", "closeness.toml")
FULL = {"hugs": "4", "hugs_guess": "3", "often": "weekly", "pillars.talk": "1", "pillars.care": "2"}


def clean(form: Any, final: bool = False, **kw: Any) -> tuple[dict, dict]:
    return clean_answers(WS, MultiDict(form) if isinstance(form, dict) else form, final=final, **kw)


def test_every_kind_is_cleaned() -> None:
    form = MultiDict(
        [
            *FULL.items(),
            ("likes", "kiss"),
            ("likes", "hands"),
            ("word", " hi "),
            ("story", "Line one\r\nline two"),
            ("unknown", "x"),
        ]
    )
    answers, errors = clean(form, final=True)
    assert errors == {}
    assert answers == {
        "hugs": 4,
        "hugs_guess": 3,
        "often": "weekly",
        "likes": ["hands", "kiss"],
        "pillars": {"talk": 1, "care": 2},
        "word": "hi",
        "story": "Line one\nline two",
    }


def test_empty_input_is_unanswered_until_final() -> None:
    assert clean({}) == ({}, {})
    assert clean({"hugs": "", "often": "", "word": "   ", "pillars.talk": ""}) == ({}, {})
    answers, errors = clean({}, final=True)
    assert answers == {}
    assert errors == {
        qid: "Please answer this question before you send."
        for qid in ("hugs", "hugs_guess", "often", "pillars")
    }


def test_matrix_needs_every_row_only_when_final() -> None:
    assert clean({"pillars.talk": "3"}) == ({"pillars": {"talk": 3}}, {})
    answers, errors = clean({**FULL, "pillars.care": ""}, final=True)
    assert "pillars" not in answers
    assert errors == {"pillars": "Please answer every row before you send."}


@pytest.mark.parametrize("value", ["abc", "0", "6", "-1", "3.5", "1e3", "9" * 5000, "4; drop"])
def test_bad_scale_values(value: str) -> None:
    answers, errors = clean({"hugs": value})
    assert answers == {}
    assert errors == {"hugs": "Please choose a number from 1 to 5."}


def test_scale_accepts_surrounding_spaces() -> None:
    assert clean({"hugs": " 5 "}) == ({"hugs": 5}, {})


def test_bad_matrix_row() -> None:
    answers, errors = clean({"pillars.talk": "2", "pillars.care": "5"})
    assert answers == {}
    assert errors == {"pillars": "Please choose a number from 0 to 4 on each row."}


def test_unknown_options() -> None:
    answers, errors = clean(MultiDict([("often", "hourly"), ("likes", "kiss"), ("likes", "bite")]))
    assert answers == {}
    assert errors == {
        "often": "Please choose one of the options.",
        "likes": "Please choose only from the options shown.",
    }


def test_multi_drops_repeats_and_keeps_option_order() -> None:
    form = MultiDict([("likes", "cuddle"), ("likes", "hands"), ("likes", "cuddle"), ("likes", "")])
    assert clean(form)[0] == {"likes": ["hands", "cuddle"]}


def test_text_control_characters_are_removed_and_html_kept() -> None:
    story = (
        "<b>Hi</b>\x00 & <script>x</script>\x07\ttab\r\nnext\rlast \x1b[31m\u200b\u00e9\U0001f600"
    )
    answers, errors = clean({"story": story, "word": "a\nb\x00"})
    assert errors == {}
    assert answers["story"] == (
        "<b>Hi</b> & <script>x</script>\ttab\nnext\nlast [31m\u200b\u00e9\U0001f600"
    )
    assert answers["word"] == "a b"


def test_text_over_the_limit() -> None:
    answers, errors = clean({"word": "x" * 11, "story": "y" * 5000})
    assert answers == {}
    assert errors == {
        "word": "Please keep this to 10 characters or fewer (you have 11).",
        "story": "Please keep this to 2000 characters or fewer (you have 5000).",
    }
    assert clean({"word": "x" * 10})[0] == {"word": "x" * 10}


def test_only_the_given_questions() -> None:
    answers, errors = clean(FULL, final=True, questions=[WS.question("hugs"), WS.question("word")])
    assert answers == {"hugs": 4}
    assert errors == {}


@pytest.mark.parametrize(
    "form",
    [
        {"hugs": 3, "often": ["daily", "weekly"], "likes": "kiss", "pillars.talk": None},
        {"hugs": True, "often": 7, "likes": [1, None, {"a": 1}], "word": b"bytes"},
        {"hugs.x": "3", "pillars": "2", "likes.kiss": "1"},
    ],
)
def test_odd_forms_never_raise(form: dict) -> None:
    answers, errors = clean_answers(WS, form, final=True)
    assert isinstance(answers, dict) and isinstance(errors, dict)


def test_a_plain_mapping_works() -> None:
    answers, _ = clean_answers(WS, {"hugs": 3, "likes": ["kiss"], "often": ["daily"]}, final=False)
    assert answers == {"hugs": 3, "likes": ["kiss"], "often": "daily"}


A = {
    "hugs": 4,
    "hugs_guess": 2,
    "often": "daily",
    "likes": ["kiss"],
    "likes_guess": ["hands", "kiss"],
    "pillars": {"talk": 1, "care": 4},
    "pillars_guess": {"talk": 1},
    "word": "hi",
}
B = {
    "hugs": 2,
    "hugs_guess": 4,
    "often": "daily",
    "likes": ["hands", "kiss"],
    "likes_guess": ["cuddle"],
    "pillars": {"talk": 4, "care": 2},
}


def test_scores_mean_and_sum_count_each_matrix_row() -> None:
    assert scores(WS, A) == {"mean_all": 3.0, "sum_all": 9.0}
    assert scores(WS, {"hugs": 1, "pillars": {"talk": 1}}) == {"mean_all": 1.0, "sum_all": 2.0}
    assert scores(WS, {"hugs": 1, "pillars": {"talk": 1, "care": 0}})["mean_all"] == 0.67
    assert scores(WS, {}) == {"mean_all": None, "sum_all": None}
    assert scores(WS, None) == {"mean_all": None, "sum_all": None}


def test_scores_ignore_values_that_do_not_fit() -> None:
    junk = {"hugs": "4", "pillars": {"talk": 9, "care": True}}
    assert scores(WS, junk) == {"mean_all": None, "sum_all": None}


def rows_by_key(a: dict | None, b: dict | None) -> dict:
    return {(r.question.id, r.item.id if r.item else None): r for r in compare(WS, a, b)}


def test_compare_flags_at_the_gap_and_not_below() -> None:
    rows = rows_by_key(A, B)
    assert len(rows) == len(WS.questions) + 2  # two two-row matrices add one row each
    assert (rows["hugs", None].a, rows["hugs", None].b, rows["hugs", None].gap) == (4, 2, 2)
    assert rows["hugs", None].flagged
    assert rows["pillars", "talk"].gap == 3 and rows["pillars", "talk"].flagged
    assert rows["pillars", "care"].gap == 2 and not rows["pillars", "care"].flagged
    assert not rows_by_key({"hugs": 4}, {"hugs": 3})["hugs", None].flagged
    assert rows["often", None].gap is None and not rows["often", None].flagged
    assert rows["hugs_guess", None].gap == 2 and not rows["hugs_guess", None].flagged
    assert [r.question.id for r in compare(WS, A, B)][:3] == ["hugs", "hugs_guess", "often"]


def test_compare_with_one_partner_missing() -> None:
    rows = rows_by_key(A, None)
    assert rows["hugs", None].a == 4 and rows["hugs", None].b is None
    assert rows["hugs", None].gap is None and not rows["hugs", None].flagged
    assert rows["pillars", "care"].a == 4 and rows["pillars", "care"].b is None


def test_guesses_both_ways() -> None:
    found = {
        (g.question.id, g.guesser, g.item.id if g.item else None): g for g in guesses(WS, A, B)
    }
    assert len(found) == 2 + 2 + 4
    a_hugs = found["hugs_guess", "a", None]
    assert (a_hugs.guess, a_hugs.actual, a_hugs.match, a_hugs.off_by) == (2, 2, True, 0)
    assert a_hugs.target is WS.question("hugs")
    b_hugs = found["hugs_guess", "b", None]
    assert (b_hugs.guess, b_hugs.actual, b_hugs.match, b_hugs.off_by) == (4, 4, True, 0)
    a_likes = found["likes_guess", "a", None]
    assert (a_likes.actual, a_likes.match, a_likes.off_by) == (["hands", "kiss"], True, None)
    assert found["likes_guess", "b", None].match is False
    a_talk = found["pillars_guess", "a", "talk"]
    assert (a_talk.guess, a_talk.actual, a_talk.match, a_talk.off_by) == (1, 4, False, 3)
    a_care = found["pillars_guess", "a", "care"]
    assert (a_care.guess, a_care.match, a_care.off_by) == (None, None, None)
    b_talk = found["pillars_guess", "b", "talk"]
    assert (b_talk.guess, b_talk.actual, b_talk.match) == (None, 1, None)


def test_guess_off_by_and_missing_partner() -> None:
    (a_guess, b_guess) = [
        g for g in guesses(WS, {"hugs_guess": 5}, {"hugs": 2}) if g.question.id == "hugs_guess"
    ]
    assert (a_guess.guesser, a_guess.match, a_guess.off_by) == ("a", False, 3)
    assert (b_guess.guesser, b_guess.guess, b_guess.actual, b_guess.match) == (
        "b",
        None,
        None,
        None,
    )
    assert all(g.match is None for g in guesses(WS, A, None))


@pytest.mark.parametrize(
    ("answers", "hits"),
    [
        ({}, []),
        ({"safe": "yes", "worries": ["none"], "stress": 4}, []),
        ({"safe": "unsure"}, ["safe"]),
        ({"worries": ["money", "fear"], "stress": 5}, ["worries", "stress"]),
        ({"safe": ["no"], "worries": "fear", "stress": "5"}, []),
    ],
)
def test_concerns(answers: dict, hits: list[str]) -> None:
    assert [q.id for q in concerns(WS, answers)] == hits


def test_display() -> None:
    hugs, often, likes = WS.question("hugs"), WS.question("often"), WS.question("likes")
    pillars = WS.question("pillars")
    assert display(hugs, 4) == "4 (Very much)"
    assert display(hugs, 3) == "3"
    assert display(hugs, None) == ""
    assert display(often, "weekly") == "Once a week"
    assert display(often, "gone") == "gone"
    assert display(likes, ["hands", "cuddle"]) == "Holding hands, Cuddling"
    assert display(pillars, 2, pillars.items[0]) == "2"
    assert display(pillars, {"talk": 2, "care": 0}, pillars.items[1]) == "0"
    assert display(pillars, {"talk": 2, "care": 0}) == "Open talk: 2; Empathy: 0"
    assert display(WS.question("story"), "<b>as typed</b>") == "<b>as typed</b>"
    assert display(hugs, True) == ""


def test_progress_counts_optional_questions() -> None:
    assert progress(WS, {}) == (0, len(WS.questions))
    assert progress(WS, A) == (7, len(WS.questions))  # pillars_guess is half done
    assert progress(WS, None) == (0, len(WS.questions))
    assert not answered(WS.question("pillars"), {"pillars": {"talk": 1}})
    assert answered(WS.question("word"), {"word": "hi"})
