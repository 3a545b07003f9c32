"""Audit entries wait in audit_pending until a sealer chains them.

Writers no longer take the chain head: each transaction inserts its entries
here, and the sealer (app/auditlog.py, run by every API process and by
`labourwatch worker`) moves them onto audit_entry in batches. UPDATE is
refused here as on audit_entry; DELETE only of an entry already sealed (its
audit_entry.pending_id exists), so no waiting entry vanishes unsealed. SQLite
ids are AUTOINCREMENT, never reused, for the same reason.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("jurisdiction_path", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    # Plain ALTER and CREATE INDEX (no batch copy, which would drop audit_entry's triggers).
    op.add_column("audit_entry", sa.Column("pending_id", sa.BigInteger(), nullable=True))
    op.create_index("ux_audit_entry_pending_id", "audit_entry", ["pending_id"], unique=True)
    with op.batch_alter_table("audit_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_pending_entity_id"), ["entity_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_pending_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_pending entries are not edited (UPDATE refused)'
                    USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute("""
            CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
            FOR EACH ROW EXECUTE FUNCTION audit_pending_no_update()""")
        op.execute("""
            CREATE FUNCTION audit_pending_sealed_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM audit_entry WHERE pending_id = OLD.id) THEN
                    RAISE EXCEPTION 'audit_pending entry % is not sealed (DELETE refused)',
                        OLD.id USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN OLD;
            END $$""")
        op.execute("""
            CREATE TRIGGER audit_pending_sealed_only BEFORE DELETE ON audit_pending
            FOR EACH ROW EXECUTE FUNCTION audit_pending_sealed_only()""")
    else:
        op.execute("""
            CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
            BEGIN SELECT RAISE(ABORT, 'audit_pending entries are not edited (UPDATE refused)');
            END""")
        op.execute("""
            CREATE TRIGGER audit_pending_sealed_only BEFORE DELETE ON audit_pending
            WHEN NOT EXISTS (SELECT 1 FROM audit_entry WHERE pending_id = OLD.id)
            BEGIN SELECT RAISE(ABORT, 'audit_pending entry is not sealed (DELETE refused)');
            END""")


def downgrade() -> None:
    # Entries still waiting would be lost: seal them first (any API process or
    # `labourwatch worker` does within a second), then downgrade.
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_pending")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} audit entries are not sealed yet; run `labourwatch worker --once` first"
        )
    postgres = op.get_bind().dialect.name == "postgresql"
    for trigger in ("audit_pending_no_update", "audit_pending_sealed_only"):
        op.execute(f"DROP TRIGGER {trigger}" + (" ON audit_pending" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {trigger}()")
    op.drop_index("ux_audit_entry_pending_id", table_name="audit_entry")
    with op.batch_alter_table("audit_entry", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("pending_id")
    with op.batch_alter_table("audit_pending", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_pending_entity_id"))
    op.drop_table("audit_pending")
