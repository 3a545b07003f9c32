"""The reporter's loop, relay part: a tip's external reference (a 12345 work order) and
the public status last told by webhook; transfers of tips between offices; case notes
(what a tipster adds later, relayed to the agencies on the case).

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("tip", sa.Column("external_system", _STR(length=32), nullable=True))
    op.add_column("tip", sa.Column("external_id", _STR(length=64), nullable=True))
    op.add_column("tip", sa.Column("public_status", _STR(length=16), nullable=True))
    op.create_index("uq_tip_external_ref", "tip", ["external_system", "external_id"], unique=True)
    op.create_table(
        "tip_transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("from_jurisdiction_id", sa.Uuid(), nullable=True),
        sa.Column("from_path", _STR(length=400), nullable=False),
        sa.Column("to_jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("to_path", _STR(length=400), nullable=False),
        sa.Column("to_office", _STR(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transferred_by", _STR(length=64), nullable=False),
        sa.Column("transferred_at", _TS, nullable=False),
        sa.Column("triage_due_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"]),
        sa.ForeignKeyConstraint(["from_jurisdiction_id"], ["jurisdiction.id"]),
        sa.ForeignKeyConstraint(["to_jurisdiction_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tip_transfer_tip_at", "tip_transfer", ["tip_id", "transferred_at"])
    op.create_table(
        "case_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _STR(length=32), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attachment_ids", app.models.base.JSONType, nullable=False),
        sa.Column("violation_types", app.models.base.JSONType, nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_note_case_at", "case_note", ["case_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_case_note_case_at", table_name="case_note")
    op.drop_table("case_note")
    op.drop_index("ix_tip_transfer_tip_at", table_name="tip_transfer")
    op.drop_table("tip_transfer")
    op.drop_index("uq_tip_external_ref", table_name="tip")
    with op.batch_alter_table("tip") as batch:
        batch.drop_column("public_status")
        batch.drop_column("external_id")
        batch.drop_column("external_system")
