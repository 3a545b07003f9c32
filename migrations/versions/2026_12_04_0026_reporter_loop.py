"""The reporter's loop: satisfaction (评价), callbacks (回访), re-handling (重办), and the
offices' reply templates; a reply records the template it was written from.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tip_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("answered_at", _TS, nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tip_id"),
    )
    op.create_index("ix_tip_feedback_case_id", "tip_feedback", ["case_id"])
    op.create_table(
        "tip_callback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tip_callback_tip_at", "tip_callback", ["tip_id", "at"])
    op.create_table(
        "rehandling_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scope_path", sa.String(length=400), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("asked_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("reopened_agency_ids", app.models.base.JSONType, nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rehandling_request_tip_id", "rehandling_request", ["tip_id"])
    op.create_index(
        "ix_rehandling_scope_path",
        "rehandling_request",
        ["scope_path"],
        postgresql_ops={"scope_path": "text_pattern_ops"},
    )
    op.create_index("ix_rehandling_status_due", "rehandling_request", ["status", "due_on"])
    op.create_table(
        "reply_template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "name", name="uq_reply_template_name"),
    )
    op.create_index("ix_reply_template_agency_id", "reply_template", ["agency_id"])
    op.add_column("tip_message", sa.Column("template_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tip_message") as batch:
        batch.drop_column("template_id")
    op.drop_index("ix_reply_template_agency_id", table_name="reply_template")
    op.drop_table("reply_template")
    op.drop_index("ix_rehandling_status_due", table_name="rehandling_request")
    op.drop_index("ix_rehandling_scope_path", table_name="rehandling_request")
    op.drop_index("ix_rehandling_request_tip_id", table_name="rehandling_request")
    op.drop_table("rehandling_request")
    op.drop_index("ix_tip_callback_tip_at", table_name="tip_callback")
    op.drop_table("tip_callback")
    op.drop_index("ix_tip_feedback_case_id", table_name="tip_feedback")
    op.drop_table("tip_feedback")
