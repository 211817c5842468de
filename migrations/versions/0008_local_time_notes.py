"""local time and notes that hold up: a counselor's own time zone, a session's note structure
and signature, structured notes, addenda after signing

Existing rows: every session and note is free text and unsigned, every counselor reads times in
the practice's zone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:50:00
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

import clinic.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with _quietly():
        _upgrade()


def downgrade() -> None:
    with _quietly():
        _downgrade()


@contextmanager
def _quietly() -> Iterator[None]:
    """SQLite's batch mode copies counseling_session and reads the couple table it points at;
    SQLAlchemy cannot read couple's index on lower(label) (0007) and warns. That index belongs
    to couple, which is not copied here, so it stays as it is."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        yield


def _upgrade() -> None:
    with op.batch_alter_table("counselor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))

    with op.batch_alter_table("counseling_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note_structure", sa.String(length=10), nullable=False, server_default="free")
        )
        batch_op.add_column(
            sa.Column("signed_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("signed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_counseling_session_signed_by_id_counselor"),
            "counselor",
            ["signed_by_id"],
            ["id"],
        )
    with op.batch_alter_table("counseling_session", schema=None) as batch_op:
        batch_op.alter_column("note_structure", server_default=None)

    with op.batch_alter_table("session_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("structure", sa.String(length=10), nullable=False, server_default="free")
        )
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("updated_at", clinic.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("session_note", schema=None) as batch_op:
        batch_op.alter_column("structure", server_default=None)

    op.create_table(
        "session_addendum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", clinic.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["counselor.id"], name=op.f("fk_session_addendum_author_id_counselor")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["counseling_session.id"],
            name=op.f("fk_session_addendum_session_id_counseling_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_addendum")),
    )
    with op.batch_alter_table("session_addendum", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_addendum_session_id"), ["session_id"], unique=False
        )


def _downgrade() -> None:
    with op.batch_alter_table("session_addendum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_addendum_session_id"))
    op.drop_table("session_addendum")
    with op.batch_alter_table("session_note", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("sections")
        batch_op.drop_column("structure")
    with op.batch_alter_table("counseling_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_counseling_session_signed_by_id_counselor"), type_="foreignkey"
        )
        batch_op.drop_column("signed_by_id")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("note_structure")
    with op.batch_alter_table("counselor", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
