"""Cases keep a severity without their protective-umbrella (保护伞) part.

Agencies that may not see the restricted part of a case were shown the case's
severity, which an `official_misconduct` finding makes `critical`: that alone told
the county something graver was hidden. `case.unrestricted_severity` is what they
see now (app/services/core/case_visibility.py). The upgrade computes it for existing
cases from the routing table's severities and the types their unrestricted
assignments carry, by the rule of `case_visibility.hidden_types` (a frozen copy).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANK = {"normal": 0, "high": 1, "critical": 2}
case_t = sa.table(
    "case",
    sa.column("id", sa.Uuid()),
    sa.column("severity", sa.String()),
    sa.column("unrestricted_severity", sa.String()),
    sa.column("violation_types", sa.JSON()),
)
assignment_t = sa.table(
    "assignment",
    sa.column("case_id", sa.Uuid()),
    sa.column("restricted", sa.Boolean()),
    sa.column("violation_types", sa.JSON()),
)
rule_t = sa.table(
    "routing_rule", sa.column("violation_type", sa.String()), sa.column("severity", sa.String())
)


def upgrade() -> None:
    op.add_column(
        "case",
        sa.Column(
            "unrestricted_severity",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="normal",
        ),
    )
    bind = op.get_bind()
    bind.execute(sa.update(case_t).values(unrestricted_severity=case_t.c.severity))
    rules = dict(bind.execute(sa.select(rule_t.c.violation_type, rule_t.c.severity)).all())
    shares: dict[object, list[tuple[bool, list[str]]]] = {}
    held = sa.select(assignment_t.c.case_id).where(assignment_t.c.restricted.is_(True))
    for case_id, restricted, types in bind.execute(
        sa.select(
            assignment_t.c.case_id, assignment_t.c.restricted, assignment_t.c.violation_types
        ).where(assignment_t.c.case_id.in_(held))
    ).all():
        shares.setdefault(case_id, []).append((bool(restricted), list(types or [])))
    for case_id, types in bind.execute(
        sa.select(case_t.c.id, case_t.c.violation_types).where(case_t.c.id.in_(list(shares)))
    ).all():
        hidden = {t for r, ts in shares[case_id] if r for t in ts} - {
            t for r, ts in shares[case_id] if not r for t in ts
        }
        severities = [rules.get(t, "normal") for t in types or [] if t not in hidden]
        worst = max(severities, key=lambda s: RANK.get(s, 0), default="normal")
        bind.execute(
            sa.update(case_t).where(case_t.c.id == case_id).values(unrestricted_severity=worst)
        )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("unrestricted_severity")
