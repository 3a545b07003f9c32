"""The change feed: what changed in your agency's queue since the last sequence you saw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MayQueueRead, SessionDep
from app.models.common import Sequence64
from app.models.integration import ChangeAssignment, ChangeFeed, ChangePublic
from app.services.core import case_visibility
from app.services.integration import feed

router = APIRouter(prefix="/api/v1", tags=["queue"])


@router.get("/queue/changes", response_model=ChangeFeed)
async def list_changes(
    session: SessionDep,
    actor: MayQueueRead,
    since: Annotated[Sequence64, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ChangeFeed:
    """Changes to your agency's assignments with `seq` greater than `since`, oldest first.

    `change` is one of created, accepted, declined, concluded, rerouted, action, transfer
    (a criminal transfer made from it moved a step: see `GET /transfers`), updated, or
    due_soon (a reminder: one of its clocks runs out soon, sent once per deadline);
    `assignment` is its state now. `seq` grows in commit order, so keeping `next_since`
    and asking again never misses a change: start with `since=0`, then send back the
    `next_since` of each answer (it stays put when nothing is new)."""
    items, nxt = await feed.list_changes(session, actor, since=since, limit=limit)
    return ChangeFeed(
        next_since=nxt,
        items=[
            ChangePublic(
                seq=ch.seq,
                assignment_id=ch.assignment_id,
                case_id=ch.case_id,
                change=ch.change,
                at=ch.at,
                assignment=ChangeAssignment.model_validate(
                    feed.summary(*row, office=case_visibility.sees_every_case_whole(actor))
                ),
            )
            for ch, row in items
        ],
    )
