"""Periodic reports: a campaign's reporting rhythm, the national form's template as
versioned data, frozen reports (with their correction versions), and reminders before a
report is due.

Version 1 of the template is the built-in default (app/domain/report_form.py); the
table holds it once an admin edits, with every version since.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString
_JSON = app.models.base.JSONType


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("reporting", _JSON, nullable=True))
    op.create_table(
        "report_form_template",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", _STR(length=200), nullable=False),
        sa.Column("rows", _JSON, nullable=False),
        sa.Column("columns", _JSON, nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "stats_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_path", _STR(length=400), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("frozen_by", _STR(length=64), nullable=False),
        sa.Column("frozen_by_name", _STR(length=200), nullable=False),
        sa.Column("frozen_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "campaign_id",
            "jurisdiction_id",
            "period_end",
            "version",
            name="uq_stats_report_version",
        ),
    )
    op.create_index("ix_stats_report_campaign_id", "stats_report", ["campaign_id"])
    op.create_index("ix_stats_report_jurisdiction_id", "stats_report", ["jurisdiction_id"])
    op.create_table(
        "report_reminder",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "campaign_id", "jurisdiction_id", "period_end", name="uq_report_reminder_once"
        ),
    )


def downgrade() -> None:
    op.drop_table("report_reminder")
    op.drop_index("ix_stats_report_jurisdiction_id", table_name="stats_report")
    op.drop_index("ix_stats_report_campaign_id", table_name="stats_report")
    op.drop_table("stats_report")
    op.drop_table("report_form_template")
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("reporting")
