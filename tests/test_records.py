"""A couple's records: exported as a zip whose JSON matches the database, and deleted for good
after typing their name, leaving no row behind; both only after confirming who one is."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from clinic.db import Model, get_db, utcnow
from clinic.models import (
    Assignment,
    AuditEvent,
    CounselingSession,
    Couple,
    Link,
    Partner,
    Response,
    Round,
    SessionAddendum,
    SessionNote,
    WorksheetVersion,
)
from clinic.records.tables import COUPLE_ROWS, NOT_A_COUPLES, NOT_EXPORTED

from .conftest import PASSWORD

# Text that exists only in the couple's records: none of it may be left after deletion.
MARKERS = ("Zebra & Quokka", "Zebrina", "Quokkalo", "zebra@example.org", "zebrawalks", "zebranote")


@pytest.fixture
def couple(app, client, counselor, make_couple, make_assignment, submit_answers):
    """Zebra & Quokka: a worksheet each partner answered, two sessions, notes of both kinds."""
    couple_id = make_couple(counselor, label="Zebra & Quokka", names=("Zebrina", "Quokkalo"))
    with app.app_context():
        get_db().get(Couple, couple_id).partners[0].email = "zebra@example.org"
        get_db().commit()
    first, _ = make_assignment(couple_id)
    make_assignment(couple_id)
    submit_answers(first, 1, {"close": 4, "wish": "zebrawalks"})
    submit_answers(first, 2, {"close": 2, "wish": "more zebrawalks"})
    today = utcnow().date().isoformat()
    for note in ("zebranote shared", "zebranote private"):
        client.post(
            f"/couples/{couple_id}/sessions",
            data={"held_on": today, "discussed": str(first), "note": note, "shared": "y"},
        )
    with app.app_context():
        get_db().scalars(select(SessionNote)).first().shared = False
        get_db().commit()
    client.post("/sessions/1/sign")  # and a word added after signing
    client.post("/sessions/1/addenda", data={"addendum": "zebranote addendum"})
    return couple_id


@pytest.fixture
def other(make_counselor, make_couple, make_assignment):
    """Someone else's couple, which must come through everything untouched."""
    other_id = make_couple(make_counselor("lee@example.org"), label="Kim & Jo", names=("Kim", "Jo"))
    make_assignment(other_id)
    return other_id


def test_the_export_holds_every_record_and_both_pdfs_of_each_session(app, client, couple, other):
    page = client.get(f"/couples/{couple}/export").get_data(as_text=True)
    assert "2 worksheets given, with 4 responses" in " ".join(page.split())
    response = client.post(f"/couples/{couple}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    name = f"couple-{couple}-{utcnow().date()}.zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    files = sorted(archive.namelist())
    data = json.loads(archive.read(f"couple-{couple}/couple.json"))
    with app.app_context():
        meetings = get_db().scalars(select(CounselingSession).order_by(CounselingSession.id)).all()
        pdfs = [
            f"couple-{couple}/summaries/{m.held_on}-session-{m.id}-{copy}.pdf"
            for m in meetings
            for copy in ("counselor", "couple")
        ]
    assert files == sorted([f"couple-{couple}/README.md", f"couple-{couple}/couple.json", *pdfs])
    for pdf in pdfs:
        assert archive.read(pdf).startswith(b"%PDF-")
    assert [s["file"] for s in data["summaries"]] == [p.split("/", 1)[1] for p in pdfs]
    assert "zebranote private" not in str(archive.read(pdfs[1]))  # the couple's copy
    assert "# A couple's export" in archive.read(f"couple-{couple}/README.md").decode()

    assert data["format"] == "clinic-couple-export" and data["format_version"] == 1
    assert data["counselor"] == {"id": 1, "name": "Counselor 1", "email": "counselor1@example.org"}
    with app.app_context():
        db = get_db()
        def rows(model, *where):
            return db.scalars(select(model).where(*where).order_by(model.id)).all()

        assignments = rows(Assignment, Assignment.couple_id == couple)
        ids = [a.id for a in assignments]
        expected = {
            "couple": [db.get(Couple, couple)],
            "partner": rows(Partner, Partner.couple_id == couple),
            "assignment": assignments,
            "round": rows(Round, Round.couple_id == couple),
            "link": rows(Link, Link.round_id.in_([a.round_id for a in assignments])),
            "response": rows(Response, Response.assignment_id.in_(ids)),
            "counseling_session": meetings,
            "session_note": rows(SessionNote),
            "session_addendum": rows(SessionAddendum),
            "worksheet_version": rows(WorksheetVersion),
        }
        for name, rows in expected.items():
            assert data[name] == [as_json(name, row) for row in rows], name
        assert data["session_assignment"] == [
            {"session_id": m.id, "assignment_id": ids[0]} for m in meetings
        ]
    assert data["response"][0]["submitted_answers"] == {"close": 4, "wish": "zebrawalks"}
    assert "token_hash" not in data["link"][0]
    assert "Kim" not in json.dumps(data)


def as_json(name: str, row: Model) -> dict:
    """A row as the export should show it, worked out here from the model."""
    values = {}
    for column in row.__table__.columns:
        if (name, column.name) in NOT_EXPORTED:
            continue
        value = getattr(row, column.key)
        values[column.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def test_the_export_is_recorded(app, client, couple):
    client.post(f"/couples/{couple}/export")
    with app.app_context():
        event = get_db().scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.target_type, event.target_id, event.couple_id) == (
        "export_couple", "couple", couple, couple
    )


def test_every_table_is_exported_and_deleted_or_said_not_to_be_a_couples():
    """A table added later (safety flags, the outbox) must be placed in records/tables.py."""
    assert set(COUPLE_ROWS) | NOT_A_COUPLES == set(Model.metadata.tables)
    assert not set(COUPLE_ROWS) & NOT_A_COUPLES


def test_the_readme_explains_every_exported_field():
    from clinic.records.export import README

    readme = README.read_text()
    for name in [*COUPLE_ROWS, "worksheet_version"]:
        section = readme.split(f"### `{name}`")[1].split("\n### ")[0]
        for column in Model.metadata.tables[name].columns:
            if (name, column.name) not in NOT_EXPORTED:
                assert f"`{column.name}`" in section, f"{name}.{column.name}"


def rows_of_every_table(app) -> str:
    with app.app_context():
        return repr(
            {t.name: get_db().execute(select(t)).all() for t in Model.metadata.sorted_tables}
        )


def test_deleting_a_couple_leaves_no_row_behind(app, client, couple, other):
    before = rows_of_every_table(app)
    assert all(marker in before for marker in MARKERS)
    page = client.get(f"/couples/{couple}/delete").get_data(as_text=True)
    assert "Delete Zebra &amp; Quokka for good" in page
    response = client.post(f"/couples/{couple}/delete", data={"label": " Zebra & Quokka "})
    assert response.headers["Location"] == "/"
    assert "Zebra &amp; Quokka and everything about them is deleted." in client.get("/").get_data(
        as_text=True
    )
    after = rows_of_every_table(app)
    for marker in MARKERS:
        assert marker not in after
    with app.app_context():
        db = get_db()
        assert db.get(Couple, couple) is None
        assert db.scalars(select(Couple.label)).all() == ["Kim & Jo"]
        # Only the other couple's rows are left, whole.
        assert {a.couple_id for a in db.scalars(select(Assignment))} == {other}
        assert len(db.scalars(select(Link)).all()) == 2
        assert len(db.scalars(select(Response)).all()) == 2
        assert db.scalars(select(CounselingSession)).all() == []
        assert db.scalars(select(SessionNote)).all() == []
        assert db.scalars(select(SessionAddendum)).all() == []
        event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.target_id, event.couple_id) == ("delete_couple", couple, couple)
        # The audit log keeps its events about the couple: ids and actions only.
        kept = db.scalars(select(AuditEvent.action).where(AuditEvent.couple_id == couple)).all()
        assert "submit_response" in kept and "create_session" in kept
    assert client.get(f"/couples/{couple}").status_code == 404


@pytest.mark.parametrize("typed", ["", "Zebra and Quokka", "zebra & quokka"])
def test_deleting_needs_the_name_typed_exactly(app, client, couple, typed):
    response = client.post(f"/couples/{couple}/delete", data={"label": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    if typed:
        assert "That is not “Zebra &amp; Quokka”. Type the name exactly as it is shown." in page
    else:
        assert "Please type the couple&#39;s name." in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert get_db().get(Couple, couple) is not None


@pytest.mark.parametrize(
    "method,url",
    [("get", "/couples/{}/export"), ("post", "/couples/{}/export"),
     ("get", "/couples/{}/delete"), ("post", "/couples/{}/delete")],
)  # fmt: skip
def test_another_counselors_couple_is_not_found(app, client, counselor, other, method, url):
    response = getattr(client, method)(url.format(other), data={"label": "Kim & Jo"})
    assert response.status_code == 404
    assert "Kim" not in response.get_data(as_text=True)
    with app.app_context():
        assert get_db().get(Couple, other) is not None


def test_export_and_delete_ask_who_it_is_after_five_minutes(app, client, couple, clock):
    clock.advance(minutes=6)
    for url in (f"/couples/{couple}/export", f"/couples/{couple}/delete"):
        response = client.get(url)
        assert response.headers["Location"] == f"/confirm?next={url}"
    response = client.post(f"/couples/{couple}/delete", data={"label": "Zebra & Quokka"})
    assert response.headers["Location"].startswith("/confirm?next=")
    with app.app_context():
        assert get_db().get(Couple, couple) is not None

    page = client.get(f"/confirm?next=/couples/{couple}/delete").get_data(as_text=True)
    assert "Confirm it is you" in page and "It counts for 5 minutes." in " ".join(page.split())
    wrong = client.post(f"/confirm?next=/couples/{couple}/delete", data={"password": "no" * 7})
    assert wrong.status_code == 400
    assert "That is not your password." in wrong.get_data(as_text=True)
    right = client.post(f"/confirm?next=/couples/{couple}/delete", data={"password": PASSWORD})
    assert right.headers["Location"] == f"/couples/{couple}/delete"
    assert client.get(f"/couples/{couple}/delete").status_code == 200
    clock.advance(minutes=4)
    assert client.post(f"/couples/{couple}/export").status_code == 200
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["confirm_identity_failed", "confirm_identity", "export_couple"]


def test_guessing_the_password_to_confirm_is_throttled(client, couple, clock):
    clock.advance(minutes=6)
    for _ in range(5):
        assert client.post("/confirm", data={"password": "a wrong guess"}).status_code == 400
    response = client.post("/confirm", data={"password": PASSWORD})
    assert response.status_code == 429
    assert "Too many tries. Please wait 15 minutes" in response.get_data(as_text=True)


def test_the_couple_page_links_to_export_and_delete(client, couple):
    page = client.get(f"/couples/{couple}").get_data(as_text=True)
    assert re.search(rf'href="/couples/{couple}/export">Export</a>', page)
    assert re.search(rf'href="/couples/{couple}/delete">Delete</a>', page)
