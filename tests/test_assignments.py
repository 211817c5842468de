"""The counselor assigns worksheets and manages each partner's private link."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from clinic.db import get_db, utcnow
from clinic.models import Assignment, Link, Response, WorksheetVersion

from .conftest import PASSWORD, start_link


def auth_again(client) -> None:
    """Days pass in these tests, so the counselor signs in again."""
    client.post("/login", data={"email": "counselor1@example.org", "password": PASSWORD})


def due(days: int = 7) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


def test_assign_makes_a_link_per_partner_shown_once(app, client, counselor, make_couple):
    couple_id = make_couple(counselor)
    response = client.post(
        f"/couples/{couple_id}/assignments",
        data={"worksheets": ["two-parts"], "due_on": due(), "note": "Take your time."},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tokens = re.findall(r"/l/([A-Za-z0-9_-]{43})", page)
    assert len(set(tokens)) == 2
    assert "Private link for Sam" in page and "Private link for Alex" in page
    with app.app_context():
        assignment = get_db().scalars(select(Assignment)).one()
        assert assignment.note == "Take your time."
        assert assignment.worksheet_version.slug == "two-parts"
        stored = get_db().scalars(select(Link.token_hash)).all()
        assert len(stored) == 2
        assert not any(token in h for token in tokens for h in stored)  # only hashes are kept
        assert len(get_db().scalars(select(Response)).all()) == 2
    # Shown once: a reload no longer has the tokens.
    again = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert not any(token in again for token in tokens)
    assert "Issue a new link" in again


def test_assign_several_worksheets_at_once(app, client, counselor, make_couple):
    couple_id = make_couple(counselor)
    response = client.post(
        f"/couples/{couple_id}/assignments",
        data={"worksheets": ["two-parts", "quality-time"], "due_on": due()},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tokens = list(dict.fromkeys(re.findall(r"/l/([A-Za-z0-9_-]{43})", page)))
    assert len(tokens) == 2  # one link per partner for the round
    assert "Quality time plan" in page
    # Sam's one link opens a list of both worksheets, with what is left in each.
    phone = app.test_client()
    welcome = phone.get(f"/l/{tokens[0]}").get_data(as_text=True)
    assert "Your worksheets" in welcome and "Quality time plan" in welcome
    listing = phone.get(start_link(phone, tokens[0])).get_data(as_text=True)
    assert listing.count("Not started") == 2
    first = re.findall(r'href="(/r/[^"]+)"', listing)[0]
    phone.post(first, data={"section": "0", "close": "2", "autosave": "1"})
    listing = phone.get("/p/1").get_data(as_text=True)
    assert "Started: you are on part 1" in listing and "Not started" in listing
    assert app.test_client().get("/p/1").status_code == 404  # not this browser's
    with app.app_context():
        versions = get_db().scalars(select(WorksheetVersion.slug)).all()
    assert sorted(versions) == ["quality-time", "two-parts"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({"due_on": 7}, "Please choose at least one worksheet."),
        ({"worksheets": ["two-parts"], "due_on": ""}, "Please give a due date."),
        ({"worksheets": ["two-parts"], "due_on": "next tuesday"}, "Not a valid date value."),
        ({"worksheets": ["two-parts"], "due_on": -1}, "Please choose today or a later date."),
        ({"worksheets": ["two-parts"], "due_on": 800}, "within the next two years"),
        ({"worksheets": ["no-such-sheet"], "due_on": 7}, "is not a valid choice"),
        ({"worksheets": ["two-parts"], "due_on": 7, "note": "x" * 1001}, "longer than 1000"),
    ],
)
def test_bad_assignment_input_is_explained(app, client, counselor, make_couple, data, message):
    couple_id = make_couple(counselor)
    if isinstance(data.get("due_on"), int):  # days from today, read when the test runs
        data = {**data, "due_on": due(data["due_on"])}
    response = client.post(f"/couples/{couple_id}/assignments", data={"note": "kept", **data})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if "note" not in data:
        assert "kept</textarea>" in page
    with app.app_context():
        assert get_db().scalars(select(Assignment)).all() == []


def test_archived_couple_gets_no_assignments(app, client, counselor, make_couple):
    couple_id = make_couple(counselor, archived=True)
    response = client.post(
        f"/couples/{couple_id}/assignments", data={"worksheets": ["two-parts"], "due_on": due()}
    )
    assert response.status_code == 400
    assert "archived" in response.get_data(as_text=True)


def test_mailto_names_no_topic(client, counselor, make_couple, app):
    couple_id = make_couple(counselor)
    with app.app_context():
        from clinic.models import Couple

        get_db().get(Couple, couple_id).partners[0].email = "sam@example.org"
        get_db().commit()
    response = client.post(
        f"/couples/{couple_id}/assignments",
        data={"worksheets": ["physical-closeness"], "due_on": due()},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    mailto = unquote(re.search(r'href="(mailto:[^"]+)"', page)[1])
    assert mailto.startswith("mailto:sam@example.org?subject=A note from your counselor")
    assert "closeness" not in mailto.lower() and "physical" not in mailto.lower()
    assert "/l/" in mailto


def test_status_follows_the_partners(app, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    assignment_id, (sam, alex) = make_assignment(couple_id)
    page = lambda: client.get(f"/couples/{couple_id}").get_data(as_text=True)  # noqa: E731
    assert "Not sent" in page()
    with app.app_context():
        link_id = get_db().scalars(select(Link.id)).first()
    client.post(f"/assignments/{assignment_id}/links/{link_id}/sent")
    assert "Sent" in page()
    partner = app.test_client()
    url = start_link(partner, sam)
    assert "Opened" in page()
    partner.post(url, data={"section": "0", "close": "4", "autosave": "1"})
    assert "In progress" in page()


def test_revoke_and_reissue(app, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    assignment_id, (sam, _alex) = make_assignment(couple_id)
    with app.app_context():
        link_id = get_db().scalars(select(Link.id).order_by(Link.id)).first()
    client.post(f"/assignments/{assignment_id}/links/{link_id}/revoke")
    assert app.test_client().get(f"/l/{sam}").status_code == 404
    response = client.post(f"/assignments/{assignment_id}/links/{link_id}/reissue")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    new_token = re.search(r"/l/([A-Za-z0-9_-]{43})", page)[1]
    assert new_token != sam
    assert app.test_client().get(f"/l/{new_token}").status_code == 200
    assert app.test_client().get(f"/l/{sam}").status_code == 404


def test_reissue_keeps_the_answers(app, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    assignment_id, (sam, _alex) = make_assignment(couple_id)
    partner = app.test_client()
    url = start_link(partner, sam)
    partner.post(url, data={"section": "0", "close": "2", "autosave": "1"})
    with app.app_context():
        link_id = get_db().scalars(select(Link.id).order_by(Link.id)).first()
    response = client.post(f"/assignments/{assignment_id}/links/{link_id}/reissue")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    new_token = re.search(r"/l/([A-Za-z0-9_-]{43})", page)[1]
    assert partner.get(url).status_code == 404  # the old link's session stops too
    url = start_link(partner, new_token)
    assert 'value="2" checked' in partner.get(url).get_data(as_text=True)


def test_extend_due_date_extends_the_links(
    app, clock, client, counselor, make_couple, make_assignment
):
    couple_id = make_couple(counselor)
    assignment_id, (sam, _alex) = make_assignment(couple_id, due_in_days=1)
    clock.advance(days=1 + 21 + 1)
    assert app.test_client().get(f"/l/{sam}").status_code == 404  # expired
    auth_again(client)
    new_due = (clock.now.date() + timedelta(days=5)).isoformat()
    response = client.post(f"/assignments/{assignment_id}/due", data={"due_on": new_due})
    assert response.status_code == 302
    assert app.test_client().get(f"/l/{sam}").status_code == 200


def test_extend_due_date_refuses_the_past(client, counselor, make_couple, make_assignment):
    assignment_id, _ = make_assignment(make_couple(counselor))
    response = client.post(f"/assignments/{assignment_id}/due", data={"due_on": due(-3)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please choose today or a later date." in html
    # A summary above the form, for the page's script to move the focus to.
    summary = html.index('role="alert" tabindex="-1" data-error-summary')
    assert summary < html.index(f'action="/assignments/{assignment_id}/due"')


def test_overdue_is_shown(app, clock, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    make_assignment(couple_id, due_in_days=2)
    clock.advance(days=3)
    auth_again(client)
    assert "Overdue" in client.get(f"/couples/{couple_id}").get_data(as_text=True)


def test_close_makes_answers_read_only(app, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    assignment_id, (sam, _alex) = make_assignment(couple_id)
    partner = app.test_client()
    url = start_link(partner, sam)
    client.post(f"/assignments/{assignment_id}/close")
    assert "Closed" in client.get(f"/couples/{couple_id}").get_data(as_text=True)
    response = partner.post(url, data={"section": "0", "close": "3", "autosave": "1"})
    assert response.status_code == 409
    assert "can't be changed" in response.get_json()["message"]
    page = partner.get(url).get_data(as_text=True)
    assert "be changed now" in page
    assert "disabled" in page


ASSIGNMENT_URLS = [
    ("get", "/couples/{couple}/assignments/new"),
    ("post", "/couples/{couple}/assignments"),
    ("get", "/assignments/{assignment}"),
    ("post", "/assignments/{assignment}/links/{link}/revoke"),
    ("post", "/assignments/{assignment}/links/{link}/reissue"),
    ("post", "/assignments/{assignment}/links/{link}/sent"),
    ("post", "/assignments/{assignment}/due"),
    ("post", "/assignments/{assignment}/close"),
]


@pytest.mark.parametrize("method,url", ASSIGNMENT_URLS)
def test_another_counselors_assignment_is_404(
    app, client, counselor, make_counselor, make_couple, make_assignment, method, url
):
    other = make_counselor("other@example.org")
    couple_id = make_couple(other, label="Not yours")
    assignment_id, _ = make_assignment(couple_id)
    with app.app_context():
        link_id = get_db().scalars(select(Link.id)).first()
    path = url.format(couple=couple_id, assignment=assignment_id, link=link_id)
    data = {"worksheets": ["two-parts"], "due_on": due()}
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 404
    with app.app_context():
        assert len(get_db().scalars(select(Assignment)).all()) == 1
        assignment = get_db().get(Assignment, assignment_id)
        assert assignment.closed_at is None
        assert all(link.revoked_at is None and link.sent_at is None for link in assignment.links)


def test_link_of_another_assignment_is_404(app, client, counselor, make_couple, make_assignment):
    couple_id = make_couple(counselor)
    first, _ = make_assignment(couple_id)
    second, _ = make_assignment(couple_id)
    with app.app_context():
        foreign = get_db().get(Assignment, second).links[0].id
    assert client.post(f"/assignments/{first}/links/{foreign}/revoke").status_code == 404


def test_copy_button_marks_sent_without_leaving_the_page(app, client, counselor, make_couple):
    couple_id = make_couple(counselor)
    response = client.post(
        f"/couples/{couple_id}/assignments", data={"worksheets": ["two-parts"], "due_on": due()}
    )
    assignment_url = response.headers["Location"]
    with app.app_context():
        link_id = get_db().scalars(select(Link.id).order_by(Link.id)).first()
    marked = client.post(f"{assignment_url}/links/{link_id}/sent", data={"background": "1"})
    assert marked.status_code == 204
    with app.app_context():
        assert get_db().get(Link, link_id).sent_at is not None
    # The links made a moment ago are still there to copy on the page.
    page = client.get(assignment_url).get_data(as_text=True)
    assert len(set(re.findall(r"/l/([A-Za-z0-9_-]{43})", page))) == 2


def test_reissue_twice_leaves_one_working_link(
    app, client, counselor, make_couple, make_assignment
):
    assignment_id, _ = make_assignment(make_couple(counselor))
    with app.app_context():
        first = get_db().scalars(select(Link.id).order_by(Link.id)).first()
    client.post(f"/assignments/{assignment_id}/links/{first}/reissue")
    client.post(f"/assignments/{assignment_id}/links/{first}/reissue")  # a double click
    with app.app_context():
        assignment = get_db().get(Assignment, assignment_id)
        partner_id = get_db().get(Link, first).partner_id
        live = [
            link
            for link in assignment.links
            if link.partner_id == partner_id and link.revoked_at is None
        ]
    assert len(live) == 1
