"""People on an assignment, complaints, and reminders before a clock runs out.

- `assignment.owner_id`: the officer of the agency who owns the assignment.
- `tip.kind`: `report` (举报, about someone else's workplace) or `complaint` (投诉,
  a worker's own, accepted or refused within 5 working days).
- `reminder`: each reminder sent before a deadline, once per (clock, assignment,
  deadline), like escalations after it.

Revision ID: 0021
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assignment") as batch:
        batch.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_assignment_owner", "app_user", ["owner_id"], ["id"])
        batch.create_index("ix_assignment_agency_owner", ["agency_id", "owner_id"])
    with op.batch_alter_table("tip") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="report")
        )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("deadline_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clock", "assignment_id", "deadline_at", name="uq_reminder_once"),
    )


def downgrade() -> None:
    op.drop_table("reminder")
    with op.batch_alter_table("tip") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("assignment") as batch:
        batch.drop_index("ix_assignment_agency_owner")
        batch.drop_constraint("fk_assignment_owner", type_="foreignkey")
        batch.drop_column("owner_id")
