"""Documents (文书): numbered papers on an assignment, stored as issued.

Revision ID: 0019
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0019"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=True),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("number", _STR(length=64), nullable=False),
        sa.Column("number_external", sa.Boolean(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("issued_by", _STR(length=64), nullable=False),
        sa.Column("party", _STR(length=200), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("legal_basis", app.models.base.JSONType, nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("fine_amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("hearing_right", sa.Boolean(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", _STR(length=64), nullable=False),
        sa.Column("docx_sha256", _STR(length=64), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column("service_method", _STR(length=16), nullable=True),
        sa.Column("service_recipient", _STR(length=200), nullable=True),
        sa.Column("served_by", _STR(length=64), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "kind", "number", name="uq_document_number"),
    )
    op.create_index("ix_document_assignment_id", "document", ["assignment_id"])
    op.create_index("ix_document_case_id", "document", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_document_case_id", table_name="document")
    op.drop_index("ix_document_assignment_id", table_name="document")
    op.drop_table("document")
