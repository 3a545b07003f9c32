"""Evidence on inspections: attachments kept intact with their hash, interview records,
and coordinates on employers and inspections.

Revision ID: 0022
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0022"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    for table in ("employer", "inspection"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
            batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
    op.create_table(
        "inspection_attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=True),
        sa.Column("content_type", _STR(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _STR(length=64), nullable=False),
        sa.Column("note", _STR(length=500), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_inspection_attachment_inspection_id", "inspection_attachment", ["inspection_id"]
    )
    op.create_table(
        "inspection_interview",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=True),
        sa.Column("person_ref", _STR(length=100), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("sha256", _STR(length=64), nullable=False),
        sa.Column(
            "interviewer_ids",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_inspection_interview_inspection_id", "inspection_interview", ["inspection_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_inspection_interview_inspection_id", "inspection_interview")
    op.drop_table("inspection_interview")
    op.drop_index("ix_inspection_attachment_inspection_id", "inspection_attachment")
    op.drop_table("inspection_attachment")
    for table in ("inspection", "employer"):
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("lon")
            batch.drop_column("lat")
