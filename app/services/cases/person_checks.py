"""What the persons on a case hold up: the site's closure and the case's.

Read by `rectifications.record_action` (a `site_closed` action) and `cases.close_case`,
so it reads tables only and imports nothing of the case services.

- 做好农民工工资清算和支付工作: a site is not closed (取缔关闭) while a worker's wages are
  outstanding, unless a reason is recorded for that worker (the employer absconded, the
  matter went to the police, an advance fund was applied for).
- 救助、护送返乡: a child or a vulnerable person must be handed over (to a guardian, a
  rescue station, escorted or collected home) before the case closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.persons import Person, PersonPayment

RESCUED_ROLES = ("child", "vulnerable")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Outstanding:
    person_id: uuid.UUID
    name: str
    owed: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(self.owed - self.paid, ZERO)


async def paid_by_person(
    session: AsyncSession, person_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Decimal]]:
    """person → source → amount paid."""
    if not person_ids:
        return {}
    rows = (
        await session.exec(
            select(PersonPayment.person_id, PersonPayment.source, sa.func.sum(PersonPayment.amount))
            .where(col(PersonPayment.person_id).in_(list(person_ids)))
            .group_by(col(PersonPayment.person_id), col(PersonPayment.source))
        )
    ).all()
    out: dict[uuid.UUID, dict[str, Decimal]] = {}
    for pid, source, amount in rows:
        out.setdefault(pid, {})[source] = Decimal(str(amount or 0)).quantize(Decimal("0.01"))
    return out


async def unpaid_without_reason(session: AsyncSession, case_id: uuid.UUID) -> list[Outstanding]:
    """Persons owed more than they were paid and with no reason recorded, by name."""
    owed = list(
        (
            await session.exec(
                select(Person.id, Person.name, col(Person.amount_owed)).where(
                    Person.case_id == case_id,
                    col(Person.amount_owed) > 0,
                    col(Person.outstanding_reason).is_(None),
                )
            )
        ).all()
    )
    paid = await paid_by_person(session, [pid for pid, _, _ in owed])
    found = [
        Outstanding(pid, name, Decimal(str(amount)), sum(paid.get(pid, {}).values(), ZERO))
        for pid, name, amount in owed
    ]
    return sorted((o for o in found if o.outstanding > 0), key=lambda o: (o.name, o.person_id))


async def not_handed_over(session: AsyncSession, case_id: uuid.UUID) -> list[tuple[str, str]]:
    """(name, role) of the children and vulnerable persons not yet handed over."""
    rows = (
        await session.exec(
            select(Person.name, Person.role)
            .where(
                Person.case_id == case_id,
                col(Person.role).in_(RESCUED_ROLES),
                col(Person.handover_kind).is_(None),
            )
            .order_by(col(Person.name))
        )
    ).all()
    return [(name, role) for name, role in rows]


def handover_blocker(pending: list[tuple[str, str]]) -> str | None:
    if not pending:
        return None
    who = "、".join(
        f"{name}（{'儿童' if role == 'child' else '需救助人员'}）" for name, role in pending
    )
    return f"{len(pending)} person(s) not yet handed over: {who}"
