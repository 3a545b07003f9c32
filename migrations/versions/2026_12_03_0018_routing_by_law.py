"""Routing that follows the law: the default table's corrected rows, today's names.

- 扣留身份证件 is by itself an administrative violation that labour orders remedied
  and fines (劳动合同法 第84条): labour leads, police also, severity high.
- 恶意欠薪 is investigated by labour first, which orders payment and transfers a
  suspected crime (人社部发〔2014〕100号): labour leads, police also.
- Two names follow today's practice (年报公示; 涉税信息确认).
- Agencies still carrying the name they were given by default under an old body's
  name (e.g. 黄骅市劳动和社会保障局) take today's (黄骅市人力资源和社会保障局).

A routing rule an admin has edited is left as it is and named in the log; the others
get a new version (assignments already made keep the version that routed them).
A frozen copy of the values: this revision must not change when the taxonomy does.

Revision ID: 0018
Revises: 0017
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# code: (name_zh, category, severity, lead, also) — new, then old
RULES = {
    "id_document_detention": (
        ("扣留身份证件（劳动合同法第84条）", "labour_standards", "high", "labour", ["police"]),
        ("扣留身份证件", "criminal", "critical", "police", ["labour"]),
    ),
    "malicious_wage_arrears": (
        ("恶意欠薪、逃匿", "criminal", "critical", "labour", ["police"]),
        ("恶意欠薪、逃匿", "criminal", "critical", "police", ["labour"]),
    ),
}
NAMES = {
    "licence_expired": ("营业执照过期或未按时公示年报", "营业执照过期或未年检"),
    "no_tax_registration": ("未办理涉税信息确认（旧：未税务登记）", "未税务登记"),
}
AGENCY_NAMES = {  # kind: (today's, old default)
    "labour": ("人力资源和社会保障局", "劳动和社会保障局"),
    "commerce": ("市场监督管理局", "工商局"),
    "land": ("自然资源局", "国土资源局"),
    "safety": ("应急管理局", "安全生产监督管理局"),
    "health": ("卫生健康委员会", "卫生局"),
    "supervision": ("监察委员会", "监察局"),
    "construction": ("住房和城乡建设局", "建设局"),
}


_JSON = sa.JSON()
_TS = app.models.base.UTCDateTime(timezone=True)
rule_t = sa.table(
    "routing_rule",
    sa.column("violation_type", sa.String),
    sa.column("lead"),
    sa.column("also", _JSON),
    sa.column("severity"),
    sa.column("version"),
    sa.column("updated_at", _TS),
)
version_t = sa.table(
    "routing_rule_version",
    sa.column("violation_type"),
    sa.column("version"),
    sa.column("lead"),
    sa.column("also", _JSON),
    sa.column("severity"),
    sa.column("created_at", _TS),
)


def _set_rules(pick: int) -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for code, versions in RULES.items():
        name, category, severity, lead, also = versions[pick]
        conn.execute(
            sa.text(
                "UPDATE violation_type SET name_zh = :n, category = :c, "
                "severity = :s WHERE code = :code"
            ),
            {"n": name, "c": category, "s": severity, "code": code},
        )
        row = conn.execute(
            sa.text("SELECT version, edited FROM routing_rule WHERE violation_type = :code"),
            {"code": code},
        ).first()
        if row is None:
            continue
        if row.edited:
            log.warning(
                "routing rule %s was edited by an admin; left as it is "
                "(the law's default: %s leads, %s also)",
                code,
                lead,
                ", ".join(also),
            )
            continue
        version = row.version + 1
        conn.execute(
            rule_t.update()
            .where(rule_t.c.violation_type == code)
            .values(lead=lead, also=also, severity=severity, version=version, updated_at=now)
        )
        conn.execute(
            version_t.insert().values(
                violation_type=code,
                version=version,
                lead=lead,
                also=also,
                severity=severity,
                created_at=now,
            )
        )


def _rename(pick: int) -> None:
    conn = op.get_bind()
    for code, names in NAMES.items():
        conn.execute(
            sa.text("UPDATE violation_type SET name_zh = :n WHERE code = :code"),
            {"n": names[pick], "code": code},
        )
    for kind, names in AGENCY_NAMES.items():
        new, old = names[pick], names[1 - pick]
        conn.execute(
            sa.text(
                "UPDATE agency SET name = (SELECT j.name FROM jurisdiction j "
                "WHERE j.id = agency.jurisdiction_id) || :new WHERE kind = :kind AND name = "
                "(SELECT j.name FROM jurisdiction j WHERE j.id = agency.jurisdiction_id) || :old"
            ),
            {"new": new, "old": old, "kind": kind},
        )


def upgrade() -> None:
    _set_rules(0)
    _rename(0)


def downgrade() -> None:
    _set_rules(1)
    _rename(1)
