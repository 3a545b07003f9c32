"""Tips, receipts, replies, notes, follow-ups.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tip",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("receipt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "violation_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("employer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=True),
        sa.Column("scope_path", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("contact", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("triage_due_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("duplicate_of", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("needs_attention", sa.Boolean(), nullable=False),
        sa.Column("contact_erased_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["tip.id"],
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_hash"),
    )
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tip_receipt_hash"), ["receipt_hash"], unique=True)
        batch_op.create_index(
            "ix_tip_scope_path",
            ["scope_path"],
            unique=False,
            postgresql_ops={"scope_path": "text_pattern_ops"},
        )
        batch_op.create_index(
            "ix_tip_status_received", ["status", "received_at", "id"], unique=False
        )

    op.create_table(
        "tip_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"],
            ["tip.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tip_message", schema=None) as batch_op:
        batch_op.create_index("ix_tip_message_tip_at", ["tip_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tip_message", schema=None) as batch_op:
        batch_op.drop_index("ix_tip_message_tip_at")

    op.drop_table("tip_message")
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index("ix_tip_status_received")
        batch_op.drop_index("ix_tip_scope_path", postgresql_ops={"scope_path": "text_pattern_ops"})
        batch_op.drop_index(batch_op.f("ix_tip_receipt_hash"))
        batch_op.drop_index(batch_op.f("ix_tip_case_id"))

    op.drop_table("tip")
