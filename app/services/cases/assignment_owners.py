"""Who owns an assignment: one officer of its agency, set by anyone there who works the
queue (an officer or the agency's head), audited like every change to the assignment.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor
from app.errors import Conflict, unprocessable
from app.models.accounts import User
from app.models.base import utcnow
from app.models.cases import Assignment
from app.services.cases import queue
from app.services.cases.assignments import get_own_assignment


async def set_owner(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    owner_id: uuid.UUID | None,
) -> Assignment:
    """Give the assignment to `owner_id` (None: to nobody). The owner must be an active
    user of the assignment's agency (422); another agency's assignment is 404. Setting
    the owner it already has changes nothing and records nothing."""
    a, case = await get_own_assignment(session, actor, assignment_id)
    if owner_id == a.owner_id:
        return a
    if owner_id is not None:
        owner = (
            await session.exec(
                select(User.id).where(
                    User.id == owner_id,
                    User.agency_id == a.agency_id,
                    col(User.is_active).is_(True),
                )
            )
        ).first()
        if owner is None:
            raise unprocessable(
                ["body", "owner_id"], "Not an active user of this assignment's agency."
            )
    before = auditlog.snapshot(a)
    seq = (await queue.bump_queues(session, [a.agency_id]))[a.agency_id]
    result = await session.exec(
        sa.update(Assignment)
        .where(col(Assignment.id) == a.id, col(Assignment.version) == a.version)
        .values(owner_id=owner_id, version=a.version + 1, change_seq=seq, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        raise Conflict("Someone else changed this assignment just now; reload it and retry.")
    await session.refresh(a)
    auditlog.record(
        session,
        actor,
        "assignment.owner",
        "assignment",
        a.id,
        before=before,
        after=auditlog.snapshot(a),
        jurisdiction_path=case.jurisdiction_path,
    )
    return a
