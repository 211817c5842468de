"""what the dashboard asks about, kept where an index answers it

Each assignment learns when both partners had sent (both_sent_at) and whom it waits on
(waiting_on: "partners", "counselor" or nothing once reviewed or closed); each couple learns
its latest activity (the newest worksheet given or answers sent), its latest session's date and
what search reads (the label and partners' names in lower case).
Existing rows are filled in from what they hold. Indexes serve the dashboard's lists (what
waits on whom by due date, live links, open safety concerns) and its page of couples in name
order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:30:00
"""

import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

import clinic.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BACKFILL = (
    "UPDATE assignment SET both_sent_at = (SELECT CASE WHEN count(r.submitted_at) >= 2 "
    "THEN max(r.submitted_at) END FROM response r WHERE r.assignment_id = assignment.id)",
    "UPDATE assignment SET waiting_on = CASE WHEN closed_at IS NOT NULL "
    "OR reviewed_at IS NOT NULL THEN NULL WHEN both_sent_at IS NOT NULL THEN 'counselor' "
    "ELSE 'partners' END",
    "UPDATE couple SET last_activity_at = "
    "(SELECT max(a.created_at) FROM assignment a WHERE a.couple_id = couple.id)",
    "UPDATE couple SET last_activity_at = (SELECT max(r.submitted_at) FROM response r "
    "JOIN assignment a ON r.assignment_id = a.id WHERE a.couple_id = couple.id) "
    "WHERE (SELECT max(r.submitted_at) FROM response r JOIN assignment a "
    "ON r.assignment_id = a.id WHERE a.couple_id = couple.id) > last_activity_at",
    "UPDATE couple SET last_session_on = "
    "(SELECT max(s.held_on) FROM counseling_session s WHERE s.couple_id = couple.id)",
)


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases (SQLite need not copy the tables).
    op.add_column(
        "assignment", sa.Column("both_sent_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("assignment", sa.Column("waiting_on", sa.String(length=10), nullable=True))
    op.add_column(
        "couple", sa.Column("last_activity_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("couple", sa.Column("last_session_on", sa.Date(), nullable=True))
    op.add_column(
        "couple",
        sa.Column("search_text", sa.Text(), nullable=False, server_default=sa.text("''")),
    )
    for statement in BACKFILL:
        op.execute(statement)
    _fill_search_text()
    op.create_index(
        "ix_assignment_waiting_on_due_on", "assignment", ["waiting_on", "due_on"], unique=False
    )
    op.create_index("ix_link_expires_at", "link", ["expires_at"], unique=False)
    op.create_index(
        "ix_safety_flag_open", "safety_flag", ["acknowledged_at", "raised_at"], unique=False
    )
    op.create_index(
        "ix_couple_roster",
        "couple",
        ["counselor_id", "archived_at", sa.text("lower(label)"), "id"],
        unique=False,
    )


def _composed_lower(text: str) -> str:
    return unicodedata.normalize("NFC", text.lower())


def _fill_search_text() -> None:
    """Each couple's label and partners' names in lower case, one per line (as Python lowers
    them, like the app, not as SQLite's ASCII-only lower() would)."""
    bind = op.get_bind()
    couple = sa.table("couple", sa.column("id"), sa.column("label"), sa.column("search_text"))
    partner = sa.table(
        "partner", sa.column("couple_id"), sa.column("position"), sa.column("display_name")
    )
    names: defaultdict[int, list[str]] = defaultdict(list)
    query = sa.select(partner.c.couple_id, partner.c.display_name).order_by(
        partner.c.couple_id, partner.c.position
    )
    for couple_id, name in bind.execute(query):
        names[couple_id].append(name)
    rows = [
        {
            "b_id": couple_id,
            "b_text": "\n".join(_composed_lower(t) for t in (label, *names[couple_id]) if t),
        }
        for couple_id, label in bind.execute(sa.select(couple.c.id, couple.c.label))
    ]
    if rows:
        update = couple.update().where(couple.c.id == sa.bindparam("b_id"))
        bind.execute(update.values(search_text=sa.bindparam("b_text")), rows)


def downgrade() -> None:
    op.drop_index("ix_couple_roster", table_name="couple")
    op.drop_index("ix_safety_flag_open", table_name="safety_flag")
    op.drop_index("ix_link_expires_at", table_name="link")
    op.drop_index("ix_assignment_waiting_on_due_on", table_name="assignment")
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("last_session_on")
        batch_op.drop_column("last_activity_at")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("waiting_on")
        batch_op.drop_column("both_sent_at")
