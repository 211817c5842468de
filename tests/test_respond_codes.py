"""A partner's link alone opens nothing already answered: the code chosen at the first Start
is needed in any other browser, whichever link of the round it holds; wrong codes stop the
partner's links; the counselor sees what happened and can clear a forgotten code."""

from __future__ import annotations

import re

from sqlalchemy import select

from clinic.db import get_db
from clinic.models import AuditEvent, Link, RoundPartner

from .conftest import CODE, FIXTURES, start_link

PRIVATE = {"section": "1", "wish": "Walks", "things": ["walks"], "afraid": "unsure"}
PART_ONE = {"section": "0", "close": "4", "often": "weekly", "touch.hugs": "5", "touch.hands": "3"}


def _sams_link(counselor, make_couple, make_assignment) -> str:
    _, (token, _) = make_assignment(make_couple(counselor))
    return token


def test_the_first_start_chooses_a_code(app, counselor, make_couple, make_assignment):
    token = _sams_link(counselor, make_couple, make_assignment)
    browser = app.test_client()
    page = browser.get(f"/l/{token}").get_data(as_text=True)
    assert "Choose a code of 4 to 8 digits" in page
    for bad in ("", "12", "abcd", "123456789"):
        refused = browser.post(f"/l/{token}", data={"code": bad})
        assert refused.status_code == 400
        assert "Please choose a code of 4 to 8 digits." in refused.get_data(as_text=True)
    assert browser.post(f"/l/{token}", data={"code": CODE}).status_code == 302
    with app.app_context():
        member = get_db().scalars(select(RoundPartner).order_by(RoundPartner.id)).first()
        assert member.pin_hash and CODE not in member.pin_hash


def test_a_second_browser_with_only_the_link_reads_nothing(
    app, counselor, make_couple, make_assignment
):
    token = _sams_link(counselor, make_couple, make_assignment)
    phone = app.test_client()
    url = start_link(phone, token)
    phone.post(url, data={**PART_ONE, "move": "next"})
    phone.post(url, data={**PRIVATE, "autosave": "1"})
    other = app.test_client()  # someone who found the link in Sam's email
    welcome = other.get(f"/l/{token}").get_data(as_text=True)
    assert "Your code" in welcome and "last used on" in welcome
    assert "Walks" not in welcome
    assert other.post(f"/l/{token}", data={}).status_code == 400
    assert other.post(f"/l/{token}", data={"code": "1111"}).status_code == 400
    assert other.get(url).status_code == 404
    assert other.get(url + "?section=1").status_code == 404
    # After sending, the same holds.
    phone.post(url, data={**PRIVATE, "move": "submit"})
    assert other.post(f"/l/{token}", data={"code": "2222"}).status_code == 400
    assert other.get(url).status_code == 404
    # Sam, on a new phone, with the code: back in, and the counselor can see it happened.
    assert start_link(app.test_client(), token) == url
    with app.app_context():
        member = get_db().scalars(select(RoundPartner).order_by(RoundPartner.id)).first()
        assert member.other_browser_at is not None


def test_five_wrong_codes_stop_the_link_and_a_new_link_works(
    app, client, counselor, make_couple, make_assignment
):
    token = _sams_link(counselor, make_couple, make_assignment)
    start_link(app.test_client(), token)
    guesser = app.test_client()
    for guess in ("0000", "1111", "2222", "3333"):
        assert guesser.post(f"/l/{token}", data={"code": guess}).status_code == 400
    last = guesser.post(f"/l/{token}", data={"code": "4444"})
    assert last.status_code == 404
    assert "wrong too many times" in last.get_data(as_text=True)
    assert app.test_client().post(f"/l/{token}", data={"code": CODE}).status_code == 404
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action)).all()
        assert "lock_link_after_wrong_codes" in actions
    # Sam forgot the code: the counselor issues a new link and clears it; Sam chooses again.
    page = client.post(
        "/assignments/1/links/1/reissue", data={"clear_code": "1"}, follow_redirects=True
    )
    assert "code is cleared" in page.get_data(as_text=True)
    new_token = re.findall(r"/l/([A-Za-z0-9_-]{43})", page.get_data(as_text=True))[0]
    phone = app.test_client()
    assert "Choose a code" in phone.get(f"/l/{new_token}").get_data(as_text=True)
    assert phone.post(f"/l/{new_token}", data={"code": "97531"}).status_code == 302
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action)).all()
        assert "clear_partner_code" in actions


def test_a_newer_link_of_the_round_still_needs_the_code(
    app, client, counselor, make_couple, make_assignment
):
    """A re-issued link (or a reminder's) is no way around the code Sam chose."""
    token = _sams_link(counselor, make_couple, make_assignment)
    phone = app.test_client()
    url = start_link(phone, token)
    phone.post(url, data={**PART_ONE, "move": "next"})
    page = client.post("/assignments/1/links/1/reissue", follow_redirects=True)
    new_token = re.findall(r"/l/([A-Za-z0-9_-]{43})", page.get_data(as_text=True))[0]
    assert app.test_client().get(f"/l/{token}").status_code == 404  # the old one stopped
    other = app.test_client()
    welcome = other.get(f"/l/{new_token}").get_data(as_text=True)
    assert "Your code" in welcome and "Choose a code" not in welcome
    assert other.post(f"/l/{new_token}", data={"code": "97531"}).status_code == 400
    assert other.get(url).status_code == 404
    # Wrong codes count for the round, whichever link they came through.
    for guess in ("0000", "1111", "2222"):
        other.post(f"/l/{new_token}", data={"code": guess})
    assert other.post(f"/l/{new_token}", data={"code": "3333"}).status_code == 404
    assert app.test_client().post(f"/l/{new_token}", data={"code": CODE}).status_code == 404
    # Re-issuing without clearing keeps Sam's code, and the count starts again.
    page = client.post("/assignments/1/links/1/reissue", follow_redirects=True)
    newest = re.findall(r"/l/([A-Za-z0-9_-]{43})", page.get_data(as_text=True))[0]
    assert start_link(app.test_client(), newest) == url


def test_a_right_code_clears_earlier_wrong_ones(app, counselor, make_couple, make_assignment):
    token = _sams_link(counselor, make_couple, make_assignment)
    start_link(app.test_client(), token)
    for _ in range(3):
        for guess in ("9999", "8888", "7777", "6666"):
            app.test_client().post(f"/l/{token}", data={"code": guess})
        start_link(app.test_client(), token)  # Sam, with the right code, each time
    with app.app_context():
        assert get_db().scalars(select(Link).order_by(Link.id)).first().revoked_at is None


def test_the_counselor_sees_a_continuation_in_another_browser(
    app, client, counselor, make_couple, make_assignment
):
    token = _sams_link(counselor, make_couple, make_assignment)
    start_link(app.test_client(), token)
    page = client.get("/assignments/1").get_data(as_text=True)
    assert "last used" in page and "another browser" not in page
    start_link(app.test_client(), token)
    page = client.get("/assignments/1").get_data(as_text=True)
    assert "Continued in another browser with the partner's code" in page


def test_crisis_resources_on_the_safety_part_and_the_done_page(
    make_app, counselor, make_couple, make_assignment
):
    app = make_app(
        WORKSHEET_DIRS=[str(FIXTURES)],
        CRISIS_RESOURCES=[{"name": "Riverside crisis line", "number": "555 0199", "when": ""}],
    )
    token = _sams_link(counselor, make_couple, make_assignment)
    phone = app.test_client()
    url = start_link(phone, token)
    assert "Riverside crisis line" not in phone.get(url).get_data(as_text=True)
    safety_part = phone.get(url + "?section=1").get_data(as_text=True)
    assert "If you need help now" in safety_part
    assert "Riverside crisis line: 555 0199" in safety_part
    phone.post(url, data={**PART_ONE, "move": "next"})
    done = phone.post(url, data={**PRIVATE, "move": "submit"}, follow_redirects=True)
    assert "Thank you" in done.get_data(as_text=True)
    assert "Riverside crisis line: 555 0199" in done.get_data(as_text=True)


def test_wrong_codes_are_not_forgotten_when_sign_ins_fail(
    app, client, counselor, make_couple, make_assignment, clock
):
    """Failed sign-ins purge old throttle rows, but only their own kind: a partner's wrong codes
    count for the life of the link."""
    token = _sams_link(counselor, make_couple, make_assignment)
    start_link(app.test_client(), token)
    guesser = app.test_client()
    for guess in ("0000", "1111", "2222", "3333"):
        guesser.post(f"/l/{token}", data={"code": guess})
    clock.advance(days=2)
    app.test_client().post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert guesser.post(f"/l/{token}", data={"code": "4444"}).status_code == 404
