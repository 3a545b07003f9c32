"""Statistics tallies: the inspection figures kept as each inspection is sealed.

The statistics table read a county's million findings joined to its campaign's
inspections on every request (over a second); it now reads these tallies, which
app/services/inspections/stats_tally.py keeps in the sealing transaction. The upgrade fills
them from the inspections already signed, by the same rules as
`stats_tally.rebuild_tallies` (a frozen copy: this revision must not change when
that code does).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Signed campaign inspections that no signed amendment replaces.
COUNTED = """i.campaign_id IS NOT NULL AND i.status = 'signed'
    AND NOT EXISTS (SELECT 1 FROM inspection a WHERE a.amends_id IS NOT NULL
                    AND a.amends_id = i.id AND a.status = 'signed')"""

FILL_FINDINGS = f"""
INSERT INTO stats_finding_tally (campaign_id, jurisdiction_id, violation_type, findings)
SELECT i.campaign_id, i.jurisdiction_id, f.violation_type, COUNT(*)
FROM finding f JOIN inspection i ON i.id = f.inspection_id
WHERE {COUNTED}
GROUP BY i.campaign_id, i.jurisdiction_id, f.violation_type
"""  # noqa: S608 - built from constants, no input

FILL_EMPLOYERS = f"""
INSERT INTO stats_employer_tally (campaign_id, jurisdiction_id, employer_id, inspection_id,
    visited_on, signed_at, total, "local", migrant, minors_16_18, children_under_16,
    contracts_signed, with_findings, staff_turnout)
SELECT r.campaign_id, r.jurisdiction_id, r.employer_id, r.id, r.visited_on, r.signed_at,
    r.total, r."local", r.migrant, r.minors_16_18, r.children_under_16, r.contracts_signed,
    r.with_findings, COALESCE(s.n, 0)
FROM (
    SELECT i.campaign_id, i.jurisdiction_id, i.employer_id, i.id, i.visited_on, i.signed_at,
        i.total, i."local", i.migrant, i.minors_16_18, i.children_under_16,
        i.contracts_signed,
        ROW_NUMBER() OVER (PARTITION BY i.campaign_id, i.jurisdiction_id, i.employer_id
                           ORDER BY i.visited_on DESC, i.signed_at DESC, i.id DESC) AS rank,
        SUM(CASE WHEN EXISTS (SELECT 1 FROM finding f WHERE f.inspection_id = i.id)
                 THEN 1 ELSE 0 END)
            OVER (PARTITION BY i.campaign_id, i.jurisdiction_id, i.employer_id)
            AS with_findings
    FROM inspection i
    WHERE {COUNTED}
) r
LEFT JOIN (
    SELECT o.campaign_id, o.jurisdiction_id, o.employer_id, COUNT(*) AS n
    FROM inspection_signature g JOIN inspection o ON o.id = g.inspection_id
    WHERE o.campaign_id IS NOT NULL AND o.status = 'signed' AND o.amends_id IS NULL
    GROUP BY o.campaign_id, o.jurisdiction_id, o.employer_id
) s ON s.campaign_id = r.campaign_id AND s.jurisdiction_id = r.jurisdiction_id
    AND s.employer_id = r.employer_id
WHERE r.rank = 1
"""  # noqa: S608 - built from constants, no input


def upgrade() -> None:
    op.create_table(
        "stats_finding_tally",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("violation_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.ForeignKeyConstraint(
            ["violation_type"],
            ["violation_type.code"],
        ),
        sa.PrimaryKeyConstraint("campaign_id", "jurisdiction_id", "violation_type"),
    )
    op.create_table(
        "stats_employer_tally",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("jurisdiction_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("signed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("local", sa.Integer(), nullable=False),
        sa.Column("migrant", sa.Integer(), nullable=False),
        sa.Column("minors_16_18", sa.Integer(), nullable=False),
        sa.Column("children_under_16", sa.Integer(), nullable=False),
        sa.Column("contracts_signed", sa.Integer(), nullable=False),
        sa.Column("with_findings", sa.Integer(), nullable=False),
        sa.Column("staff_turnout", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdiction.id"],
        ),
        sa.PrimaryKeyConstraint("campaign_id", "jurisdiction_id", "employer_id"),
    )
    op.execute(FILL_FINDINGS)
    op.execute(FILL_EMPLOYERS)


def downgrade() -> None:
    op.drop_table("stats_employer_tally")
    op.drop_table("stats_finding_tally")
