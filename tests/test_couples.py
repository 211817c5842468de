"""A counselor's roster: couples with exactly two partners."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.db import get_db
from clinic.models import AuditEvent, Couple

NEW = {
    "label": "Sam & Alex",
    "partner1_name": "Sam",
    "partner1_email": "sam@example.org",
    "partner2_name": "Alex",
    "partner2_email": "",
}


def test_create_a_couple(app, client, counselor):
    response = client.post("/couples", data=NEW)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sam &amp; Alex" in page
    assert "sam@example.org" in page
    with app.app_context():
        couple = get_db().scalars(select(Couple)).one()
        assert couple.counselor_id == counselor
        assert [(p.position, p.display_name, p.email) for p in couple.partners] == [
            (1, "Sam", "sam@example.org"),
            (2, "Alex", None),
        ]
        event = get_db().scalars(select(AuditEvent).filter_by(action="create_couple")).one()
        assert (event.counselor_id, event.target_id) == (counselor, couple.id)
    assert "Sam &amp; Alex" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"label": ""}, "This field is required."),
        ({"partner2_name": ""}, "This field is required."),
        ({"partner1_email": "sam-at-home"}, "Please enter an email address"),
        ({"label": "x" * 121}, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_couple_input_is_explained_and_kept(app, client, counselor, change, message):
    response = client.post("/couples", data={**NEW, **change})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Sam"' in page
    with app.app_context():
        assert get_db().scalars(select(Couple)).all() == []


def test_html_in_names_is_shown_escaped(client, counselor):
    client.post("/couples", data={**NEW, "label": "<script>alert(1)</script>"})
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_edit_a_couple(app, client, counselor, make_couple):
    couple_id = make_couple(counselor)
    page = client.get(f"/couples/{couple_id}/edit").get_data(as_text=True)
    assert 'value="Sam &amp; Alex"' in page
    client.post(
        f"/couples/{couple_id}", data={**NEW, "label": "Sam & Robin", "partner2_name": "Robin"}
    )
    with app.app_context():
        couple = get_db().get(Couple, couple_id)
        assert couple.label == "Sam & Robin"
        assert [p.display_name for p in couple.partners] == ["Sam", "Robin"]
        assert len(couple.partners) == 2


def test_archive_and_restore(app, client, counselor, make_couple):
    couple_id = make_couple(counselor, label="Jo & Lee")
    client.post(f"/couples/{couple_id}/archive", follow_redirects=True)  # shows the flash once
    assert "Jo &amp; Lee" not in client.get("/").get_data(as_text=True)
    assert "Jo &amp; Lee" in client.get("/couples/archived").get_data(as_text=True)
    client.post(f"/couples/{couple_id}/restore")
    assert "Jo &amp; Lee" in client.get("/").get_data(as_text=True)
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["archive_couple", "restore_couple"]


def test_empty_roster_says_what_to_do(client, counselor):
    assert "Add the first couple" in client.get("/").get_data(as_text=True)


def test_pages_need_sign_in(client):
    response = client.get("/couples/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
