"""Accountability (督办): where work piles up. Per agency of a jurisdiction's subtree, its
open assignments, those past each clock, and the escalations it caused in the last 30
days, worst first: repeated neglect at one agency is what supervision is there to see.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.chinatime import china_date
from app.domain.clocks import Clock
from app.domain.lifecycles import OPEN_STATES
from app.domain.permissions import Actor, Permission
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Escalation
from app.models.reference import Agency, Jurisdiction
from app.services.cases.clocks import overdue_condition
from app.services.core import access

WINDOW = timedelta(days=30)
WORKING = ("pending", "accepted")


def _count(condition: sa.ColumnElement[bool]) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


async def accountability(
    session: AsyncSession,
    actor: Actor,
    *,
    jurisdiction_id: uuid.UUID | str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The agencies of `jurisdiction_id`'s subtree (the caller's own jurisdiction when
    not given; 404 outside the caller's), worst first: most overdue, then most
    escalations, then most open work."""
    access.require(actor, Permission.audit_read)
    now = now or utcnow()
    place = await access.chosen_or_own_jurisdiction(session, actor, jurisdiction_id or None)
    agencies = (
        await session.exec(
            select(Agency)
            .join(Jurisdiction, col(Jurisdiction.id) == col(Agency.jurisdiction_id))
            .where(col(Jurisdiction.path).startswith(place.path, autoescape=True))
        )
    ).all()
    ids = [a.id for a in agencies]
    today = china_date(now)
    conn = await session.connection()
    work = {
        row[0]: row[1:]
        for row in (
            await conn.execute(
                sa.select(
                    col(Assignment.agency_id),
                    sa.func.count(),
                    *(_count(overdue_condition(c, now, today)) for c in Clock),
                )
                .join(Case, col(Case.id) == col(Assignment.case_id))
                .where(
                    col(Assignment.agency_id).in_(ids),
                    col(Assignment.status).in_(WORKING),
                    col(Case.status).in_(OPEN_STATES),
                )
                .group_by(col(Assignment.agency_id))
            )
        ).all()
    }
    escalated: dict[uuid.UUID | None, int] = {
        aid: n
        for aid, n in (
            await conn.execute(
                sa.select(col(Escalation.agency_id), sa.func.count())
                .where(
                    col(Escalation.agency_id).in_(ids), col(Escalation.created_at) >= now - WINDOW
                )
                .group_by(col(Escalation.agency_id))
            )
        ).all()
    }
    items: list[dict[str, Any]] = []
    for agency in agencies:
        open_, *late = work.get(agency.id, (0, 0, 0, 0))
        overdue = {c.value: int(n or 0) for c, n in zip(Clock, late, strict=True)}
        items.append(
            {
                "agency": {"id": agency.id, "kind": agency.kind, "name": agency.name},
                "jurisdiction_id": agency.jurisdiction_id,
                "open": int(open_),
                "overdue": overdue,
                "overdue_total": sum(overdue.values()),
                "escalations_30d": int(escalated.get(agency.id, 0)),
            }
        )
    items.sort(
        key=lambda i: (-i["overdue_total"], -i["escalations_30d"], -i["open"], i["agency"]["name"])
    )
    return {"jurisdiction_id": place.id, "as_of": now, "items": items}
