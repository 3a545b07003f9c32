"""Filing (立案): case numbers and handling clocks on assignments, number sequences,
extension requests, and an agency's number prefix.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # Plain ALTERs and a unique index: no batch copy of tables other rows point at.
    op.add_column("assignment", sa.Column("case_number", _STR(length=64), nullable=True))
    op.add_column(
        "assignment",
        sa.Column("case_number_external", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("assignment", sa.Column("filed_at", _TS, nullable=True))
    op.add_column("assignment", sa.Column("filed_by", _STR(length=64), nullable=True))
    op.add_column("assignment", sa.Column("investigate_by", sa.Date(), nullable=True))
    op.create_index(
        "uq_assignment_case_number", "assignment", ["agency_id", "case_number"], unique=True
    )
    op.add_column("agency", sa.Column("number_prefix", _STR(length=32), nullable=True))
    op.create_table(
        "number_sequence",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("agency_id", "year", "kind"),
    )
    op.create_table(
        "extension",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", _STR(length=16), nullable=False),
        sa.Column("requested_by", _STR(length=64), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("decided_by", _STR(length=64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("investigate_by_before", sa.Date(), nullable=True),
        sa.Column("investigate_by_after", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extension_assignment_id", "extension", ["assignment_id"])


def downgrade() -> None:
    op.drop_index("ix_extension_assignment_id", table_name="extension")
    op.drop_table("extension")
    op.drop_table("number_sequence")
    with op.batch_alter_table("agency", recreate="never") as batch:
        batch.drop_column("number_prefix")
    op.drop_index("uq_assignment_case_number", table_name="assignment")
    with op.batch_alter_table("assignment", recreate="never") as batch:
        for column in (
            "investigate_by",
            "filed_by",
            "filed_at",
            "case_number_external",
            "case_number",
        ):
            batch.drop_column(column)
