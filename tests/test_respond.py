"""A partner answers privately through their own link."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from clinic.db import get_db, utcnow
from clinic.links import take_fresh_tokens
from clinic.models import Assignment, AuditEvent, Couple, Link, Response, ThrottleHit
from clinic.rounds import assign

from .conftest import CODE, FIXTURES, start_link

PART_ONE = {"section": "0", "close": "4", "often": "weekly", "touch.hugs": "5", "touch.hands": "3"}
PART_TWO = {"section": "1", "wish": "More walks", "story": "", "things": ["walks", "games"]}


@pytest.fixture
def sheet(counselor, make_couple, make_assignment):
    """A couple with the two-parts worksheet assigned; their tokens, Sam's first."""
    couple_id = make_couple(counselor)
    assignment_id, tokens = make_assignment(couple_id, note="Answer on your own.")
    return assignment_id, tokens


@pytest.fixture
def sam(app, sheet):
    """Sam's phone, started through the link: (client, tokenless URL)."""
    client = app.test_client()
    return client, start_link(client, sheet[1][0])


def response_of(app, position: int) -> Response:
    with app.app_context():
        return get_db().scalars(select(Response).order_by(Response.partner_id)).all()[position - 1]


def test_opening_the_link_changes_nothing(app, sheet):
    _, (token, _) = sheet
    page = app.test_client().get(f"/l/{token}").get_data(as_text=True)
    assert "Two parts" in page and "about 5 minutes" in page
    assert "Counselor 1, your counselor, sees your answers." in page
    assert "Your partner does not see them here." in page
    assert "give you both a summary" in page
    with app.app_context():
        link = get_db().scalars(select(Link).order_by(Link.id)).first()
        assert link.first_opened_at is None
        response = get_db().scalars(select(Response)).first()
        assert response.started_at is None
        events = get_db().scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "open_link")
        )
        assert events == 0


def test_start_trades_the_token_for_a_session(app, sheet):
    _, (token, _) = sheet
    client = app.test_client()
    url = start_link(client, token)
    assert token not in url and url.startswith("/r/")
    page = client.get(url).get_data(as_text=True)
    assert "Part 1 of 2" in page and "How close do you feel?" in page
    assert "Answer on your own." in page
    with app.app_context():
        link = get_db().scalars(select(Link).order_by(Link.id)).first()
        assert link.first_opened_at is not None
    # Coming back through the link works too and resumes.
    assert start_link(client, token) == url


def test_tokenless_url_needs_the_session(app, sam):
    _, url = sam
    assert app.test_client().get(url).status_code == 404


def test_unknown_revoked_and_expired_links_look_the_same(app, sheet, clock):
    assignment_id, (sam_token, alex_token) = sheet
    with app.app_context():
        assignment = get_db().get(Assignment, assignment_id)
        assignment.links[1].revoked_at = utcnow()
        get_db().commit()
    unknown = app.test_client().get("/l/" + "x" * 43)
    revoked = app.test_client().get(f"/l/{alex_token}")
    clock.advance(days=7 + 22)
    expired = app.test_client().get(f"/l/{sam_token}")
    assert unknown.status_code == revoked.status_code == expired.status_code == 404
    bodies = {r.get_data(as_text=True) for r in (unknown, revoked, expired)}
    assert len(bodies) == 1
    assert "Please ask your counselor for a new link." in bodies.pop()
    for token in ("x" * 43, alex_token, sam_token):
        assert app.test_client().post(f"/l/{token}").status_code == 404


def test_expired_link_ends_the_session_too(app, sam, clock):
    client, url = sam
    clock.advance(days=7 + 21)  # due in 7 days, then 21 days' grace: still on the last day
    assert "Part 1 of 2" in client.get(url).get_data(as_text=True)
    clock.advance(days=1)
    assert client.get(url).status_code == 404


@pytest.mark.clock("2028-02-29T23:40")
def test_a_link_made_on_a_leap_day_late_at_night_works_to_the_end_of_its_grace(app, sheet, clock):
    _, (token, _) = sheet
    client = app.test_client()
    assert "works until March 29, 2028" in client.get(f"/l/{token}").get_data(as_text=True)
    clock.set(datetime(2028, 3, 28, 23, 59, tzinfo=UTC))  # due March 7, then 21 days
    assert client.get(f"/l/{token}").status_code == 200
    clock.advance(minutes=1)
    assert client.get(f"/l/{token}").status_code == 404


def test_valid_links_are_never_throttled_and_guesses_are(make_app, counselor, make_couple):
    """A family or a clinic's Wi-Fi shares one address: only links that open nothing count."""
    app = make_app(WORKSHEET_DIRS=[str(FIXTURES)])  # 60 guesses per address in 10 minutes
    with app.test_request_context():
        couple = get_db().get(Couple, make_couple(counselor))
        assignment = assign(couple, "two-parts", utcnow().date() + timedelta(days=7), None)
        get_db().commit()
        token = take_fresh_tokens()[assignment.links[0].id]
    client = app.test_client()
    for _ in range(60):
        assert "Two parts" in client.get(f"/l/{token}").get_data(as_text=True)
        assert client.post(f"/l/{token}", data={"code": CODE}).status_code == 302
    for _ in range(60):
        assert client.get("/l/" + "z" * 43).status_code == 404
    response = client.get("/l/" + "z" * 43)
    assert response.status_code == 429
    assert "Please slow down" in response.get_data(as_text=True)
    # The guesses from this address hold up no partner whose link works.
    assert "Two parts" in client.get(f"/l/{token}").get_data(as_text=True)
    assert client.post(f"/l/{token}", data={"code": CODE}).status_code == 302
    with app.app_context():
        assert get_db().scalar(select(func.count()).select_from(ThrottleHit)) == 60


def test_start_makes_a_missing_response_instead_of_failing(app, sheet):
    _, (token, _) = sheet
    with app.app_context():
        get_db().execute(delete(Response).where(Response.partner_id == 1))
        get_db().commit()
    client = app.test_client()
    url = start_link(client, token)
    assert "Part 1 of 2" in client.get(url).get_data(as_text=True)
    with app.app_context():
        made = get_db().scalars(select(Response).where(Response.partner_id == 1)).one()
        assert made.answers == {} and made.started_at is not None


def test_partner_cannot_reach_the_other_partners_response(app, sheet, sam):
    client, url = sam
    with app.app_context():
        alex = get_db().scalars(select(Response).order_by(Response.partner_id)).all()[1]
    assert f"/r/{alex.id}" != url
    assert client.get(f"/r/{alex.id}").status_code == 404
    assert client.post(f"/r/{alex.id}", data={**PART_ONE, "autosave": "1"}).status_code == 404
    assert response_of(app, 2).answers == {}


def test_counselor_session_is_not_a_partner(client, sam):
    _, url = sam
    assert client.get(url).status_code == 404


def test_partner_never_sees_the_other_partner(app, sam):
    client, url = sam
    pages = [client.get(url), client.get(url + "?section=1")]
    for page in pages:
        assert "Alex" not in page.get_data(as_text=True)


def test_save_a_section_and_move_on(app, sam):
    client, url = sam
    response = client.post(url, data={**PART_ONE, "move": "next"})
    assert response.headers["Location"] == url + "?section=1"
    saved = response_of(app, 1)
    assert saved.answers == {"close": 4, "often": "weekly", "touch": {"hugs": 5, "hands": 3}}
    assert saved.section == 1
    page = client.get(url).get_data(as_text=True)  # resumes where Sam left off
    assert "Part 2 of 2" in page


def test_save_draft_without_javascript(app, sam):
    client, url = sam
    response = client.post(url, data={**PART_ONE, "move": "stay"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Saved." in page
    assert 'value="4" checked' in page
    assert response_of(app, 1).answers["close"] == 4


def test_autosave_merges_and_keeps_other_sections(app, sam):
    client, url = sam
    client.post(url, data={**PART_ONE, "autosave": "1"})
    result = client.post(url, data={"section": "1", "wish": "Hold hands", "autosave": "1"})
    assert result.get_json()["saved"] is True
    answers = response_of(app, 1).answers
    assert answers["close"] == 4 and answers["wish"] == "Hold hands"
    client.post(url, data={"section": "0", "close": "", "autosave": "1"})  # cleared on purpose
    assert "close" not in response_of(app, 1).answers


def test_submit_shows_every_problem_and_keeps_every_answer(app, sam):
    client, url = sam
    client.post(url, data={"section": "0", "close": "2", "autosave": "1"})
    response = client.post(url, data={"section": "1", "wish": "", "move": "submit"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "3 answers need a look" in page
    for qid in ("often", "touch", "wish"):
        assert f'href="#q-{qid}"' in page
    assert 'value="2" checked' in page  # part one's answer is shown with the problems
    assert "Part 1 of 2" in page and "Part 2 of 2" in page
    assert response_of(app, 1).submitted_at is None


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?) · ", page)
    assert found, page[:300]
    return html.unescape(found[1])


def test_the_page_title_says_which_part_and_when_a_send_failed(app, sam):
    client, url = sam
    assert _title(client.get(url).get_data(as_text=True)) == "Part 1 of 2 — Two parts"
    page = client.get(url + "?section=1").get_data(as_text=True)
    assert _title(page) == "Part 2 of 2 — Two parts"
    too_long = client.post(url, data={"section": "1", "wish": "x" * 301, "move": "next"})
    assert _title(too_long.get_data(as_text=True)) == (
        "One answer needs a look — Part 2 of 2 — Two parts"
    )
    failed = client.post(url, data={"section": "1", "wish": "", "move": "submit"})
    assert failed.status_code == 400
    assert _title(failed.get_data(as_text=True)) == (
        "Not sent yet: 4 answers need a look — Two parts"
    )


def test_submit_then_change_until_reviewed(app, sam):
    client, url = sam
    client.post(url, data={**PART_ONE, "move": "next"})
    response = client.post(url, data={**PART_TWO, "move": "submit"}, follow_redirects=True)
    assert "Thank you" in response.get_data(as_text=True)
    sent = response_of(app, 1)
    assert sent.submitted_answers["things"] == ["walks", "games"]
    # A change is a draft until sent again; the counselor keeps seeing what was sent.
    client.post(url, data={**PART_TWO, "wish": "Cook together", "autosave": "1"})
    assert response_of(app, 1).submitted_answers["wish"] == "More walks"
    client.post(url, data={**PART_TWO, "wish": "Cook together", "move": "submit"})
    assert response_of(app, 1).submitted_answers["wish"] == "Cook together"
    with app.app_context():
        get_db().get(Assignment, sent.assignment_id).reviewed_at = utcnow()
        get_db().commit()
    result = client.post(url, data={**PART_TWO, "wish": "Too late", "autosave": "1"})
    assert result.status_code == 409
    assert response_of(app, 1).answers["wish"] == "Cook together"
    assert "be changed now" in client.get(url).get_data(as_text=True)


def test_double_submit_stores_one_submission(app, sam):
    client, url = sam
    client.post(url, data={**PART_ONE, "move": "next"})
    first = client.post(url, data={**PART_TWO, "move": "submit"})
    when = response_of(app, 1).submitted_at
    second = client.post(url, data={**PART_TWO, "move": "submit"})
    assert first.status_code == second.status_code == 302
    assert response_of(app, 1).submitted_at == when
    with app.app_context():
        count = get_db().scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "submit_response")
        )
    assert count == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("wish", "x" * 301, "Please keep this to 300 characters or fewer (you have 301)."),
        ("close", "9", "Please choose a number from 1 to 5."),
        ("close", "abc", "Please choose a number from 1 to 5."),
        ("often", "sometimes", "Please choose one of the options."),
        ("touch.hugs", "-1", "Please choose a number from 1 to 5"),
    ],
)
def test_bad_answers_get_a_message_and_keep_the_text(app, sam, field, value, message):
    client, url = sam
    section = "1" if field == "wish" else "0"
    response = client.post(url, data={"section": section, field: value, "move": "next"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if field == "wish":
        assert 'value="' + "x" * 301 + '"' in page
    assert field.split(".")[0] not in response_of(app, 1).answers


def test_text_is_stored_verbatim_and_shown_escaped(app, sam):
    client, url = sam
    typed = "<script>alert('hi')</script> & <b>bold</b>\x00\x07 done"
    client.post(url, data={"section": "1", "wish": typed, "autosave": "1"})
    stored = response_of(app, 1).answers["wish"]
    assert stored == "<script>alert('hi')</script> & <b>bold</b> done"
    page = client.get(url + "?section=1").get_data(as_text=True)
    assert "<script>alert('hi')</script>" not in page
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_oversized_request_is_a_calm_page(app, sam):
    client, url = sam
    response = client.post(url, data={"section": "1", "story": "y" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_client_pages_headers_and_quick_exit(app, sheet, sam):
    client, url = sam
    pages = [
        app.test_client().get(f"/l/{sheet[1][1]}"),
        app.test_client().get("/l/unknown"),
        client.get(url),
    ]
    for page in pages:
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Robots-Tag"].startswith("noindex")
        assert page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        assert "data-quick-exit" in html and "Leave quickly" in html


def test_link_requests_are_rate_limited(make_app, counselor, make_couple, make_assignment):
    app = make_app(LINK_ATTEMPTS_PER_ADDRESS=3)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/l/" + "z" * 43).status_code == 404
    response = client.get("/l/" + "z" * 43)
    assert response.status_code == 429
    assert "too many tries" in response.get_data(as_text=True)


def test_private_questions_are_marked_for_the_partner(sam):
    client, url = sam
    page = client.get(url + "?section=1").get_data(as_text=True)
    assert "Only your counselor will see this answer." in page


def test_review_before_a_partner_sends_leaves_them_free(app, sheet, sam):
    client, url = sam
    with app.app_context():
        get_db().get(Assignment, sheet[0]).reviewed_at = utcnow()
        get_db().commit()
    result = client.post(url, data={**PART_ONE, "autosave": "1"})
    assert result.status_code == 200 and result.get_json()["saved"]
    client.post(url, data={**PART_ONE, "move": "next"})
    client.post(url, data={**PART_TWO, "move": "submit"})
    assert response_of(app, 1).submitted_answers["wish"] == "More walks"
    locked = client.post(url, data={**PART_TWO, "autosave": "1"})
    assert locked.status_code == 409  # sent after the review: now it is locked too


def test_done_page_says_when_changes_are_not_sent(app, sam):
    client, url = sam
    client.post(url, data={**PART_ONE, "move": "next"})
    client.post(url, data={**PART_TWO, "move": "submit"})
    assert "changed some answers after sending" not in client.get(url).get_data(as_text=True)
    client.post(url, data={**PART_TWO, "wish": "Something new", "autosave": "1"})
    assert "changed some answers after sending" in client.get(url).get_data(as_text=True)


def test_autosave_from_a_stale_tab_keeps_the_other_tabs_answers(app, sam):
    client, url = sam
    # Tab B saves a wish; tab A, opened before that, then saves its own change only.
    client.post(
        url, data={"section": "1", "wish": "From tab B", "autosave": "1", "changed": "wish"}
    )
    client.post(
        url,
        data={
            "section": "1",
            "wish": "",
            "things": ["meals"],
            "autosave": "1",
            "changed": "things",
        },
    )
    answers = response_of(app, 1).answers
    assert answers["wish"] == "From tab B"
    assert answers["things"] == ["meals"]


def test_partner_errors_keep_the_partner_layout(make_app, counselor, make_couple, make_assignment):
    app = make_app(WTF_CSRF_ENABLED=True)
    _, (token, _) = make_assignment(make_couple(counselor))
    client = app.test_client()
    welcome = client.get(f"/l/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', welcome)[1]
    url = client.post(f"/l/{token}", data={"csrf_token": csrf, "code": CODE}).headers["Location"]
    expired = client.post(url, data={"section": "0", "move": "next"})  # no token: not saved
    other = client.get("/r/999999")
    for page in (expired, other):
        html = page.get_data(as_text=True)
        assert "Leave quickly" in html and "Sign out" not in html
    assert "your last step was not saved" in expired.get_data(as_text=True)


@pytest.mark.clock("2027-03-01T10:00:05")
def test_an_autosave_is_one_lookup_and_one_update(app, client, sam, sheet, clock):
    from sqlalchemy import event

    from clinic.db import get_engine

    phone, url = sam
    with app.app_context():
        engine = get_engine()
        before = get_db().scalar(select(func.count()).select_from(AuditEvent))
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        if statement.strip().upper() != "BEGIN":
            statements.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(5):
            clock.advance(seconds=10)  # 10:00:15 ... 10:00:55, the minute Sam started in
            result = phone.post(url, data={"section": "1", "wish": f"walk {n}", "autosave": "1"})
            assert result.get_json()["saved"] is True
        saves_in_the_minute = list(statements)
        statements.clear()
        clock.advance(seconds=10)  # 10:01:05: the link's "last used" moves on to this minute
        phone.post(url, data={"section": "1", "wish": "walk 5", "autosave": "1"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert saves_in_the_minute == ["SELECT", "UPDATE"] * 5
    assert statements == ["SELECT", "UPDATE", "UPDATE"]  # the response, then the link
    assert response_of(app, 1).answers["wish"] == "walk 5"
    with app.app_context():
        # No throttle rows for a working session, and no audit event per save.
        assert get_db().scalar(select(func.count()).select_from(ThrottleHit)) == 0
        assert get_db().scalar(select(func.count()).select_from(AuditEvent)) == before
    # The counselor sees when the link was last used, right to the minute.
    page = client.get(f"/assignments/{sheet[0]}").get_data(as_text=True)
    assert "last used Mar 1, 10:01 UTC" in page
