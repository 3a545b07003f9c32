"""Statistics sign-off and published disclosures.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # statistics sign-off and the statistics queries' indexes — keep at the top of upgrade()
    op.create_table(
        "stats_signoff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "figures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("signed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signed_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("signed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "campaign_id",
            "jurisdiction_id",
            "period_start",
            "period_end",
            name="uq_stats_signoff_period",
        ),
    )
    with op.batch_alter_table("stats_signoff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stats_signoff_campaign_id"), ["campaign_id"], unique=False
        )
    _stats_indexes_up()

    # disclosures (published results) — keep at the bottom of upgrade()
    op.create_table(
        "disclosure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("employer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("township_id", sa.Uuid(), nullable=True),
        sa.Column(
            "jurisdiction_path", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False
        ),
        sa.Column(
            "violation_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("violation_codes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("summary_public", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("approved_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["jurisdiction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index("ix_disclosure_approved", ["approved_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_disclosure_path",
            ["jurisdiction_path"],
            unique=False,
            postgresql_ops={"jurisdiction_path": "text_pattern_ops"},
        )
        batch_op.create_index(
            "uq_disclosure_active_case",
            ["case_id"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )


def downgrade() -> None:
    # disclosures — keep at the top of downgrade()
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_disclosure_active_case",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_disclosure_path", postgresql_ops={"jurisdiction_path": "text_pattern_ops"}
        )
        batch_op.drop_index(batch_op.f("ix_disclosure_case_id"))
        batch_op.drop_index("ix_disclosure_approved")

    op.drop_table("disclosure")

    # statistics — keep at the bottom of downgrade()
    _stats_indexes_down()
    with op.batch_alter_table("stats_signoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stats_signoff_campaign_id"))

    op.drop_table("stats_signoff")


def _stats_indexes_up() -> None:
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_campaign_status",
            ["campaign_id", "status", "jurisdiction_id"],
            unique=False,
        )
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.create_index("ix_tip_received", ["received_at"], unique=False)


def _stats_indexes_down() -> None:
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index("ix_tip_received")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_campaign_status")
