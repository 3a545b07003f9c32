"""A tip's number in the system it came from: a 12345 work order (工单号), a WeChat
mini-program's id. One tip per number and system, so a bridge that sends a work order
twice is told which tip has it (409 with `existing_id`) instead of making a second.
"""

from __future__ import annotations

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict
from app.models.tips import ExternalRef, Tip


async def tip_with_ref(session: AsyncSession, system: str, ref_id: str) -> uuid.UUID | None:
    return (
        await session.exec(
            select(Tip.id).where(Tip.external_system == system, Tip.external_id == ref_id)
        )
    ).first()


def taken(system: str, ref_id: str, existing: uuid.UUID) -> Conflict:
    return Conflict(
        f"Tip {existing} already has {system} number {ref_id}.", existing_id=str(existing)
    )


async def check_free(session: AsyncSession, ref: ExternalRef | None) -> None:
    """409 naming the tip if `ref` is taken already."""
    if ref is None:
        return
    existing = await tip_with_ref(session, ref.system, ref.id)
    if existing is not None:
        raise taken(ref.system, ref.id, existing)


def ref_of(tip: Tip) -> ExternalRef | None:
    if tip.external_system and tip.external_id:
        return ExternalRef(system=tip.external_system, id=tip.external_id)
    return None
