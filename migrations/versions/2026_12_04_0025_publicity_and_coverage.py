"""Publicity work (宣传发动) as records; migrant workers' home provinces on inspections;
an index for coverage (which employers a campaign has visited).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "publicity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_path", _STR(length=400), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("kind", _STR(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("place", _STR(length=200), nullable=False),
        sa.Column("note", _STR(length=2000), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdiction.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_publicity_campaign_path", "publicity", ["campaign_id", "jurisdiction_path"])
    op.create_index("ix_publicity_created", "publicity", ["created_at", "id"])
    op.add_column(
        "inspection", sa.Column("migrant_origins", app.models.base.JSONType, nullable=True)
    )
    op.create_index("ix_inspection_campaign_employer", "inspection", ["campaign_id", "employer_id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_campaign_employer", table_name="inspection")
    with op.batch_alter_table("inspection") as batch:
        batch.drop_column("migrant_origins")
    op.drop_index("ix_publicity_created", table_name="publicity")
    op.drop_index("ix_publicity_campaign_path", table_name="publicity")
    op.drop_table("publicity")
