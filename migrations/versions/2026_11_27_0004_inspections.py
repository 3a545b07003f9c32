"""Campaigns, teams, inspections, signatures, findings.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )

    op.create_table(
        "campaign_phase",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "phase", name="uq_campaign_phase"),
    )
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_phase_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("leader_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "name", name="uq_team_campaign_name"),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "inspection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("inspector_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("local", sa.Integer(), nullable=False),
        sa.Column("migrant", sa.Integer(), nullable=False),
        sa.Column("female", sa.Integer(), nullable=False),
        sa.Column("minors_16_18", sa.Integer(), nullable=False),
        sa.Column("children_under_16", sa.Integer(), nullable=False),
        sa.Column("contracts_signed", sa.Integer(), nullable=False),
        sa.Column(
            "checklist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "required_signer_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("amendment_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_amends_id"), ["amends_id"], unique=False)
        batch_op.create_index(
            "ix_inspection_campaign_team", ["campaign_id", "team_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_inspection_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_employer_id"), ["employer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "team_township",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("team_id", "jurisdiction_id"),
    )
    op.create_table(
        "finding",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("violation_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("workers_affected", sa.Integer(), nullable=True),
        sa.Column("amount_owed", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["violation_type"],
            ["violation_type.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_finding_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "inspection_signature",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id", "user_id", name="uq_inspection_signature_user"),
    )
    with op.batch_alter_table("inspection_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_signature_inspection_id"), ["inspection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_signature_inspection_id"))

    op.drop_table("inspection_signature")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_finding_case_id"))

    op.drop_table("finding")
    op.drop_table("team_township")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_user_id"))

    op.drop_table("team_member")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_team_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_status"))
        batch_op.drop_index(batch_op.f("ix_inspection_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_employer_id"))
        batch_op.drop_index("ix_inspection_created")
        batch_op.drop_index(batch_op.f("ix_inspection_case_id"))
        batch_op.drop_index("ix_inspection_campaign_team")
        batch_op.drop_index(batch_op.f("ix_inspection_amends_id"))

    op.drop_table("inspection")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_campaign_id"))

    op.drop_table("team")
    with op.batch_alter_table("campaign_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_phase_campaign_id"))

    op.drop_table("campaign_phase")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_jurisdiction_id"))

    op.drop_table("campaign")
