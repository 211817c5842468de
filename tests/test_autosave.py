"""The page's script saving as a partner types (clinic/respond/autosave.py): the same checks and
the same merge as a button's save, answered as JSON, with nothing loaded it does not need."""

from __future__ import annotations

import importlib
import threading
import time

import pytest
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError

from clinic.db import get_db, get_engine, utcnow
from clinic.models import Assignment, Response, WorksheetVersion
from clinic.respond.autosave import SAVE_IF_UNCHANGED
from clinic.respond.drafts import stamp
from clinic.respond.lookup import FOR_AUTOSAVE_LOCKED, OWN_FOR_UPDATE

from .conftest import TEST_DATABASE_URL, start_link
from .test_locks import WAIT

# Only a database server's saves run in autocommit and hold row locks.
server_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's row locks")


@pytest.fixture
def phone(app, counselor, make_couple, make_assignment):
    """Sam's phone on the two-parts worksheet: (client, tokenless URL, assignment id)."""
    assignment_id, tokens = make_assignment(make_couple(counselor))
    client = app.test_client()
    return client, start_link(client, tokens[0]), assignment_id


def sams(app) -> Response:
    with app.app_context():
        return get_db().scalars(select(Response).order_by(Response.partner_id)).first()


def test_a_saved_part_is_where_the_link_resumes(app, phone):
    client, url, _ = phone
    result = client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    body = result.get_json()
    assert result.status_code == 200 and body["saved"] is True and body["errors"] == {}
    saved = sams(app)
    assert saved.answers == {"wish": "Walks"} and saved.section == 1
    assert body["at"] == saved.updated_at.isoformat()
    assert "Walks" in client.get(url).get_data(as_text=True)  # reopened on part 2


def test_a_partners_session_cookie_is_not_rewritten(phone):
    client, url, _ = phone
    client.get(url)  # the first page also puts the form's CSRF secret in the session
    for response in (
        client.get(url),
        client.post(url, data={"section": "0", "close": "2", "autosave": "1"}),
    ):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


def test_a_problem_keeps_the_old_answer_and_the_part(app, phone):
    client, url, _ = phone
    client.post(url, data={"section": "0", "close": "2", "autosave": "1"})
    result = client.post(
        url, data={"section": "1", "wish": "x" * 301, "autosave": "1", "changed": "wish"}
    )
    assert result.status_code == 200
    assert set(result.get_json()["errors"]) == {"wish"}
    saved = sams(app)
    assert saved.answers == {"close": 2}  # the long text is not kept, the earlier answer is
    assert saved.section == 0  # a part with a problem is not where the link resumes


def test_the_page_with_every_part_saves_what_was_touched(app, phone):
    client, url, _ = phone
    client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    client.post(
        url, data={"section": "all", "close": "5", "wish": "", "autosave": "1", "changed": "close"}
    )
    saved = sams(app)
    assert saved.answers == {"close": 5, "wish": "Walks"}  # "wish" was not touched here
    assert saved.section == 1


def test_a_closed_worksheet_is_not_changed(app, phone):
    client, url, assignment_id = phone
    with app.app_context():
        get_db().get(Assignment, assignment_id).closed_at = utcnow()
        get_db().commit()
    result = client.post(url, data={"section": "1", "wish": "Too late", "autosave": "1"})
    assert result.status_code == 409
    assert result.get_json() == {
        "saved": False,
        "message": "Your counselor has closed this worksheet, so the answers can't be changed now.",
    }
    assert sams(app).answers == {}


def test_an_older_version_of_the_worksheet_is_saved_against_its_own_text(app, phone):
    """The library moved on since the worksheet was given: the stored text is what counts."""
    client, url, assignment_id = phone
    with app.app_context():
        assignment = get_db().get(Assignment, assignment_id)
        stored = get_db().get(WorksheetVersion, assignment.worksheet_version_id)
        stored.version = "0.1-old"
        stored.source = stored.source.replace("One wish", "Older wording?")
        get_db().commit()
    result = client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    assert result.get_json()["saved"] is True
    assert sams(app).answers == {"wish": "Walks"}
    assert "Older wording?" in client.get(url).get_data(as_text=True)


def _meanwhile(monkeypatch, app, change) -> list[dict]:
    """Run change(connection) on a connection of its own just after the save has read the
    working copy, once, as another tab or the counselor would; returns the copies each merge
    started from."""
    module = importlib.import_module("clinic.respond.autosave")  # the package names a function so
    merged: list[dict] = []
    real = module.merge_draft

    def merge(answers, *args):
        if not merged:
            with get_engine().connect() as other:
                change(other)
                other.commit()
        merged.append(dict(answers))
        return real(answers, *args)

    monkeypatch.setattr(module, "merge_draft", merge)
    return merged


def test_a_save_made_in_between_is_kept(app, phone, monkeypatch, clock):
    client, url, _ = phone
    client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    sam = sams(app)
    before = sam.updated_at

    def other_tab(connection):  # saved as every save stamps it: the clock stands still here
        connection.execute(
            update(Response)
            .where(Response.id == sam.id)
            .values(answers={"wish": "Dancing"}, updated_at=stamp(before))
        )

    merged = _meanwhile(monkeypatch, app, other_tab)
    result = client.post(url, data={"section": "0", "close": "3", "autosave": "1"})
    assert result.get_json()["saved"] is True
    # Read first, then merged again into the copy as the other tab left it: both answers stay.
    assert merged == [{"wish": "Walks"}, {"wish": "Dancing"}]
    saved = sams(app)
    assert saved.answers == {"close": 3, "wish": "Dancing"}
    assert saved.updated_at > stamp(before)  # the clock stood still; the copy's time moves on


def test_a_worksheet_closed_in_between_is_not_changed(app, phone, monkeypatch):
    client, url, assignment_id = phone

    def counselor_closes(connection):
        connection.execute(
            update(Assignment).where(Assignment.id == assignment_id).values(closed_at=utcnow())
        )

    merged = _meanwhile(monkeypatch, app, counselor_closes)
    result = client.post(url, data={"section": "1", "wish": "Too late", "autosave": "1"})
    assert result.status_code == 409 and result.get_json()["saved"] is False
    assert len(merged) == 1 and sams(app).answers == {}


def test_a_close_under_way_is_waited_for(app, phone, monkeypatch):
    """The counselor's close has locked the assignment and not committed when the save comes:
    the save reads the worksheet as open, waits for the close at its update, then finds the
    worksheet closed and changes nothing."""
    client, url, assignment_id = phone

    def close(connection, save_waits):
        connection.execute(
            update(Assignment).where(Assignment.id == assignment_id).values(closed_at=utcnow())
        )
        save_waits()

    saved = _save_while(app, client, url, monkeypatch, close)
    assert saved.status_code == 409
    assert sams(app).answers == {}


def test_a_send_under_way_is_waited_for_while_it_holds_the_response(app, phone, monkeypatch):
    """Sam's other tab sends: it has locked the response when the save comes, and locks the
    assignment only once the save waits. The save holds nothing the send still needs (on
    PostgreSQL it locks the response before the assignment, as a send does: the other way round
    the two would deadlock), so the send goes through, and the save then merges into the copy
    as sent, which keeps its time of sending."""
    client, url, assignment_id = phone
    sam_id = sams(app).id
    sent_at = utcnow()

    def send(connection, save_waits):
        connection.execute(select(Response.id).where(Response.id == sam_id).with_for_update())
        save_waits()
        connection.execute(
            select(Assignment.id).where(Assignment.id == assignment_id).with_for_update()
        )
        connection.execute(
            update(Response)
            .where(Response.id == sam_id)
            .values(answers={"close": 3}, submitted_at=sent_at)
        )

    saved = _save_while(app, client, url, monkeypatch, send)
    assert saved.get_json()["saved"] is True
    sam = sams(app)
    assert sam.answers == {"close": 3, "wish": "Walks"}
    assert sam.submitted_at == sent_at


def test_saves_and_sends_lock_the_response_before_the_assignment():
    """Every statement that locks both takes them in one order, so no two of them deadlock: the
    send's lookup, the autosave's locked lookup and its conditional update."""
    for statement in (OWN_FOR_UPDATE, FOR_AUTOSAVE_LOCKED, SAVE_IF_UNCHANGED):
        sql = str(statement.compile(dialect=postgresql.dialect()))
        assert sql.rstrip(")").endswith("FOR UPDATE OF response, assignment"), sql


@server_only
def test_the_save_made_again_holds_its_locks_to_the_end(app, phone, monkeypatch):
    """When the update misses (another tab saved in between), the save is made again from a
    locked lookup in one transaction: while it merges, the counselor cannot close the worksheet."""
    client, url, assignment_id = phone
    client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    sam = sams(app)
    module = importlib.import_module("clinic.respond.autosave")
    real, merges, tried = module.merge_draft, [], []

    def merge(answers, *args):
        merges.append(dict(answers))
        with get_engine().connect() as other:
            if len(merges) == 1:  # another tab saves in between
                other.execute(
                    update(Response)
                    .where(Response.id == sam.id)
                    .values(answers={"wish": "Dancing"}, updated_at=stamp(sam.updated_at))
                )
                other.commit()
            else:  # the counselor's close tries to lock the worksheet meanwhile
                lock = select(Assignment.id).where(Assignment.id == assignment_id)
                with pytest.raises(OperationalError, match="could not obtain lock"):
                    other.execute(lock.with_for_update(nowait=True))
                tried.append(True)
        return real(answers, *args)

    monkeypatch.setattr(module, "merge_draft", merge)
    result = client.post(url, data={"section": "0", "close": "3", "autosave": "1"})
    assert result.get_json()["saved"] is True
    assert len(merges) == 2 and tried == [True]
    assert sams(app).answers == {"close": 3, "wish": "Dancing"}


@server_only
def test_connections_go_back_to_the_pool_out_of_autocommit(app, phone):
    """Saves switch their connection to autocommit; whatever the save comes to (saved, made
    again, refused, no response of this browser's), every connection in the pool is back to
    transactions after it."""
    client, url, assignment_id = phone
    stranger = app.test_client()
    client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
    assert stranger.post(url, data={"section": "1", "autosave": "1"}).status_code == 404
    with app.app_context():
        connection = get_engine().connect()
        connection.execute(
            update(Assignment).where(Assignment.id == assignment_id).values(closed_at=utcnow())
        )
        connection.commit()
        connection.close()
    assert client.post(url, data={"section": "1", "autosave": "1"}).status_code == 409
    with app.app_context():
        engine = get_engine()
        held = [engine.connect() for _ in range(engine.pool.checkedin())]
        try:
            assert held and not any(c.connection.dbapi_connection.autocommit for c in held)
        finally:
            for c in held:
                c.close()


def _save_while(app, client, url, monkeypatch, hold):
    """Save Sam's wish while hold(connection, save_waits) holds locks on a connection of its
    own; save_waits() returns once the save has read and is waiting. hold's transaction is
    committed after it returns; returns the save's response."""
    module = importlib.import_module("clinic.respond.autosave")
    read, real = threading.Event(), module.merge_draft

    def merge(answers, *args):
        read.set()
        return real(answers, *args)

    monkeypatch.setattr(module, "merge_draft", merge)
    saved: list = []
    saving = threading.Thread(
        target=lambda: saved.append(
            client.post(url, data={"section": "1", "wish": "Walks", "autosave": "1"})
        ),
        daemon=True,
    )

    def save_waits():
        saving.start()
        assert read.wait(WAIT)  # the save has read the copy and the worksheet as they were
        time.sleep(0.3)  # and reached the lock
        assert saving.is_alive()  # and waits

    with app.app_context():
        holding = get_engine().connect()
        try:
            hold(holding, save_waits)
            holding.commit()
        finally:
            holding.rollback()
            holding.close()
        saving.join(WAIT)
    assert not saving.is_alive()
    return saved[0]
