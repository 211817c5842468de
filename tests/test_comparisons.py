"""Two partners' answers compared as a counselor reads them, on the review page and in the PDF:
ordered choices measured like scales, different answers, guess badges and their one-line
summary, matrix rows under their question, mirror pairs (a private one kept private), and old
worksheet versions still rendering as they were."""

from __future__ import annotations

import html as entities
import re
from pathlib import Path

import pytest

from clinic.db import get_db, utcnow
from clinic.models import Assignment, CounselingSession, WorksheetVersion
from clinic.worksheets.loader import parse_worksheet

from .conftest import FIXTURES
from .test_summaries import couple_copy, pdf_text

HERE = Path(__file__).parent
OLD = HERE / "old_versions"

SAM = {
    "hugs_now": "few_weekly",
    "where": "home",
    "touch": {"hugs": 5, "kiss": 2},
    "i_listen": 5,
    "they_listen": 2,
    "i_shout": 4,
    "they_shout": 1,
    "guess_hugs_now": "weekly",  # Alex says weekly: spot on
    "guess_where": "home",  # Alex says outside: different
    "guess_touch": {"hugs": 4, "kiss": 2},  # Alex 5 and 5: off by 1, off by 3
}
ALEX = {
    "hugs_now": "weekly",
    "where": "outside",
    "touch": {"hugs": 5, "kiss": 5},
    "i_listen": 4,
    "they_listen": 2,
    "i_shout": 1,
    "they_shout": 1,
    "guess_hugs_now": "daily",  # Sam says a few times a week: off by 1 (step)
    "guess_where": "home",  # spot on
    "guess_touch": {"hugs": 5, "kiss": 2},  # both spot on
}


@pytest.fixture
def app(make_app):
    return make_app(WORKSHEET_DIRS=[str(FIXTURES), str(HERE / "compare")])


@pytest.fixture
def pairs(counselor, make_couple, make_assignment, submit_answers) -> int:
    assignment_id, _ = make_assignment(make_couple(counselor), slug="pairs")
    submit_answers(assignment_id, 1, SAM)
    submit_answers(assignment_id, 2, ALEX)
    return assignment_id


def review_html(client, assignment_id: int) -> str:
    response = client.get(f"/assignments/{assignment_id}/review")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def words(html: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    inline = re.sub(r"</?(strong|a|em)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", inline))).strip()


def section(html: str, heading_id: str) -> str:
    """The text of the <section> whose heading has this id."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert found, heading_id
    return words(found[0])


def test_ordered_choices_are_measured_and_unordered_ones_listed_as_different(client, pairs):
    html = review_html(client, pairs)
    gaps = section(html, "gaps-title")
    assert (
        "How often do you hug now? Sam: A few times a week, Alex: About once a week. "
        "1 step apart." in gaps
    )
    assert "Different answers Where do you feel closest? Sam: At home, Alex: Outside." in gaps
    row = words(re.search(r'<tr id="row-hugs_now".*?</tr>', html, re.S)[0])
    assert row == "How often do you hug now? 1 step apart A few times a week About once a week"
    row = words(re.search(r'<tr id="row-where".*?</tr>', html, re.S)[0])
    assert row == "Where do you feel closest? Different answers At home Outside"


def test_an_off_scale_answer_is_different_not_measured(client, pairs, submit_answers):
    submit_answers(pairs, 2, {**ALEX, "hugs_now": "unsure"})
    gaps = section(review_html(client, pairs), "gaps-title")
    assert "step apart" not in gaps and "steps apart" not in gaps
    assert "Different answers How often do you hug now?" in gaps
    assert "Alex: I am not sure." in gaps


def test_guess_badges_and_the_one_line_summary(client, pairs):
    html = review_html(client, pairs)
    head = words(re.search(r'<div class="page-head">.*?</div>\s*</div>', html, re.S)[0])
    assert "Guesses: Sam 1 of 4 spot on, 3 off; Alex 3 of 4 spot on, 1 off." in head
    guesses = section(html, "guesses-title")
    assert "Different Sam guessed At home for Alex; Alex answered Outside." in guesses
    assert "Spot on Alex guessed At home for Sam; Sam answered At home." in guesses
    assert "Spot on Sam guessed About once a week for Alex;" in guesses
    assert "Off by 1 Alex guessed Every day for Sam; Sam answered A few times a week." in guesses
    assert "Kissing Off by 3 Sam guessed 2 for Alex; Alex answered 5." in guesses


def test_matrix_rows_sit_under_their_question(client, pairs):
    html = review_html(client, pairs)
    text = words(html)
    assert "?: " not in text  # no prompt glued to an item any more
    gaps = re.search(r'aria-labelledby="gaps-title".*?</section>', html, re.S)[0]
    assert re.search(
        r"<li>How much does each matter to you\?<ul>\s*"
        r'<li><a href="#row-touch-kiss">Kissing</a> <span class="muted">Sam: 2, Alex: 5\. '
        r"Gap of 3\.</span></li>\s*</ul></li>",
        gaps,
    ), gaps
    guesses = re.search(r'aria-labelledby="guesses-title".*?</section>', html, re.S)[0]
    assert '<p class="guess-about">How much does each matter to you?</p>' in guesses
    assert '<span class="guess-item">Kissing</span>' in guesses


def test_mirror_pairs_side_by_side_with_gaps(client, pairs):
    html = review_html(client, pairs)
    mirrors = section(html, "mirrors-title")
    assert (
        "About What they say of themselves What their partner says of them "
        "Listening to each other How often do you listen to your partner? · "
        "How often does your partner listen to you? "
        "Sam Gap of 3 5 (Almost always) 2 "
        "Alex Gap of 2 4 2" in mirrors
    )
    assert "Raised voices Private" in mirrors
    shared = section(html, "gaps-title")
    assert (
        "Self-report against the partner's view Listening to each other (Sam) "
        "Sam of themselves: 5 (Almost always), Alex of Sam: 2. Gap of 3." in shared
    )
    assert "Raised voices" not in shared  # a private pair is for the counselor only
    private = section(html, "private-gaps-title")
    assert "Raised voices (Sam) Sam of themselves: 4, Alex of Sam: 1 (Never). Gap of 3." in private


@pytest.fixture
def meeting(app, pairs) -> int:
    with app.app_context():
        assignment = get_db().get(Assignment, pairs)
        meeting = CounselingSession(couple_id=assignment.couple_id, held_on=utcnow().date())
        meeting.discussed = [assignment]
        get_db().add(meeting)
        get_db().commit()
        return meeting.id


def test_the_pdf_says_the_same(client, meeting):
    text = pdf_text(client.get(f"/sessions/{meeting}/summary-counselor.pdf"))
    for expected in (
        "5 gaps flagged · 1 different answer",  # hugs_now, kissing, three mirror rows
        "1 step apart How often do you hug now? A few times a week About once a week",
        "Different answers Where do you feel closest? At home Outside",
        "How much does each matter to you? Hugs 5 5 Gap of 3 Kissing 2 5",
        "How each sees themselves and the other",
        "Listening to each other",
        "Gap of 3 Sam 5 (Almost always) 2",
        "Counselor only Raised voices",
        "Guesses: Sam 1 of 4 spot on, 3 off; Alex 3 of 4 spot on, 1 off.",
        "Different Sam guessed “At home” for Alex; Alex answered “Outside”.",
        "Off by 1 Alex guessed “Every day” for Sam",
        "Off by 3 Kissing Sam guessed 2 for Alex; Alex answered 5.",
    ):
        assert expected in text, expected
    assert "?: " not in text


def test_the_couples_copy_leaves_private_mirror_pairs_out(client, meeting):
    text = pdf_text(couple_copy(client, meeting))
    assert "Listening to each other" in text
    assert "Raised voices" not in text and "raise your voice" not in text
    assert "raise their voice" not in text


def test_a_mirror_pair_leaves_the_couples_copy_with_its_question(client, meeting, pairs):
    text = pdf_text(couple_copy(client, meeting, drop=(f"q{pairs}:they_listen",)))
    assert "Listening to each other" not in text


def _store_old(app, assignment_id: int, slug: str) -> None:
    """Point an assignment at the worksheet as it was before this change."""
    text = (OLD / f"{slug}.toml").read_text(encoding="utf-8")
    old = parse_worksheet(text, slug, f"{slug}.toml")
    with app.app_context():
        row = WorksheetVersion(slug=slug, version=old.version, title=old.title, source=text)
        get_db().get(Assignment, assignment_id).worksheet_version = row
        get_db().commit()


def test_old_versions_keep_rendering_as_they_were(
    app, client, counselor, make_couple, make_assignment, submit_answers
):
    couple = make_couple(counselor)
    runs = {}
    for slug, sam, alex in (
        ("physical-closeness", {"affection_now": "few_weekly"}, {"affection_now": "weekly"}),
        ("emotional-intimacy", {"support_give": 5}, {"support_hard": 2}),
    ):
        old_id, _ = make_assignment(couple, slug=slug)
        _store_old(app, old_id, slug)
        new_id, _ = make_assignment(couple, slug=slug)
        for assignment_id in (old_id, new_id):
            submit_answers(assignment_id, 1, sam)
            submit_answers(assignment_id, 2, alex)
        runs[slug] = (review_html(client, old_id), review_html(client, new_id))
    with app.app_context():
        versions = get_db().query(WorksheetVersion).filter_by(slug="emotional-intimacy").count()
    assert versions == 2

    old, new = runs["physical-closeness"]
    old_gaps, new_gaps = section(old, "gaps-title"), section(new, "gaps-title")
    assert "Different answers And how often do they happen now?" in old_gaps  # not ordered then
    assert "step apart" not in old_gaps
    assert (
        "And how often do they happen now? Sam: A few times a week, Alex: About once a week. "
        "1 step apart." in new_gaps
    )

    old, new = runs["emotional-intimacy"]
    assert 'id="mirrors-title"' not in old  # no pairs in the old version
    assert "Being there when life is hard" not in old
    mirrors = section(new, "mirrors-title")
    assert "Being there when life is hard" in mirrors
    assert "Sam Gap of 3 5 (Almost always) 2 (Not often)" in mirrors
