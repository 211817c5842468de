"""what the dashboard asks about, kept where an index answers it

Each assignment learns when both partners had sent (both_sent_at) and whom it waits on
(waiting_on: "partners", "counselor" or nothing once reviewed or closed); each couple learns
its latest activity (the newest worksheet given or answers sent) and its latest session's date.
Existing rows are filled in from what they hold. Two indexes serve the dashboard's lists and
its page of couples in name order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:30:00
"""

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
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("both_sent_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("waiting_on", sa.String(length=10), nullable=True))
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_activity_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_session_on", sa.Date(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index(
        "ix_assignment_waiting_on_due_on", "assignment", ["waiting_on", "due_on"], unique=False
    )
    op.create_index(
        "ix_couple_roster",
        "couple",
        ["counselor_id", "archived_at", sa.text("lower(label)"), "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_couple_roster", table_name="couple")
    op.drop_index("ix_assignment_waiting_on_due_on", table_name="assignment")
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_column("last_session_on")
        batch_op.drop_column("last_activity_at")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_column("waiting_on")
        batch_op.drop_column("both_sent_at")
