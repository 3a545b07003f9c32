"""Criminal transfers (两法衔接): the transfer table; assignments gain the status
pending_filing (a string column, so no schema change for it).

Revision ID: 0020
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0020"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("police_assignment_id", sa.Uuid(), nullable=True),
        sa.Column("police_agency_id", sa.Uuid(), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("status", _STR(length=16), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("document_ids", app.models.base.JSONType, nullable=False),
        sa.Column("due_at", _TS, nullable=True),
        sa.Column("requested_by", _STR(length=64), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("approve_by", _TS, nullable=False),
        sa.Column("decided_by", _STR(length=64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("send_by", _TS, nullable=True),
        sa.Column("sent_by", _STR(length=64), nullable=True),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("decide_by", _TS, nullable=True),
        sa.Column("filed", sa.Boolean(), nullable=True),
        sa.Column("filing_decided_by", _STR(length=64), nullable=True),
        sa.Column("filing_decided_at", _TS, nullable=True),
        sa.Column("filing_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["police_assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["police_agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transfer_case_id", "transfer", ["case_id"])
    op.create_index("ix_transfer_assignment_id", "transfer", ["assignment_id"])
    op.create_index("ix_transfer_agency_id", "transfer", ["agency_id"])
    op.create_index("ix_transfer_police_agency_id", "transfer", ["police_agency_id"])
    op.create_index("ix_transfer_status_due", "transfer", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_transfer_status_due", table_name="transfer")
    op.drop_index("ix_transfer_police_agency_id", table_name="transfer")
    op.drop_index("ix_transfer_agency_id", table_name="transfer")
    op.drop_index("ix_transfer_assignment_id", table_name="transfer")
    op.drop_index("ix_transfer_case_id", table_name="transfer")
    op.drop_table("transfer")
