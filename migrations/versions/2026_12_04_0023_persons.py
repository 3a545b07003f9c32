"""Persons on a case: workers owed wages, children and vulnerable persons rescued, with
their payments, hand-over and aftercare; identity sealed.

Revision ID: 0023
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0023"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = app.models.base.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString
_MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("inspection_id", sa.Uuid(), nullable=True),
        sa.Column("jurisdiction_path", _STR(length=400), nullable=False),
        sa.Column("role", _STR(length=16), nullable=False),
        sa.Column("role_entered", _STR(length=16), nullable=False),
        sa.Column("name", _STR(length=100), nullable=False),
        sa.Column("identity", sa.LargeBinary(), nullable=True),
        sa.Column("id_number_hash", _STR(length=64), nullable=True),
        sa.Column("id_number_masked", _STR(length=32), nullable=True),
        sa.Column("phone_masked", _STR(length=32), nullable=True),
        sa.Column("sex", _STR(length=8), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("age_estimated", sa.Integer(), nullable=True),
        sa.Column("hometown", _STR(length=200), nullable=True),
        sa.Column("amount_owed", _MONEY, nullable=True),
        sa.Column("owed_period", _STR(length=100), nullable=True),
        sa.Column("outstanding_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("handover_kind", _STR(length=16), nullable=True),
        sa.Column("handover_to", _STR(length=200), nullable=True),
        sa.Column("handover_on", sa.Date(), nullable=True),
        sa.Column("documents_returned_on", sa.Date(), nullable=True),
        sa.Column("identity_erased_at", _TS, nullable=True),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_case_id", "person", ["case_id"])
    op.create_index("ix_person_case_hash", "person", ["case_id", "id_number_hash"])
    op.create_index("ix_person_case_name", "person", ["case_id", "name", "birth_date"])
    op.create_index("ix_person_inspection", "person", ["inspection_id"])
    op.create_table(
        "person_payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("source", _STR(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_payment_person_id", "person_payment", ["person_id"])
    op.create_index("ix_person_payment_case_id", "person_payment", ["case_id"])
    op.create_table(
        "person_aftercare",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _STR(length=16), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", _STR(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_aftercare_person_id", "person_aftercare", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_aftercare_person_id", table_name="person_aftercare")
    op.drop_table("person_aftercare")
    op.drop_index("ix_person_payment_case_id", table_name="person_payment")
    op.drop_index("ix_person_payment_person_id", table_name="person_payment")
    op.drop_table("person_payment")
    for name in ("ix_person_inspection", "ix_person_case_name", "ix_person_case_hash"):
        op.drop_index(name, table_name="person")
    op.drop_index("ix_person_case_id", table_name="person")
    op.drop_table("person")
