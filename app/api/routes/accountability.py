"""Accountability (督办): open and overdue work per agency, for supervision and the office."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import MayAuditRead, SessionDep
from app.models.case_schemas import Accountability
from app.services.cases import accountability

router = APIRouter(prefix="/api/v1", tags=["accountability"])


@router.get("/accountability", response_model=Accountability)
async def get_accountability(
    session: SessionDep,
    actor: MayAuditRead,
    jurisdiction_id: uuid.UUID | None = None,
) -> Accountability:
    """Every agency of a jurisdiction's subtree (yours when not given; 404 outside your
    own), worst first: its open assignments, how many are past each clock (`accept`:
    pending past `due_at`; `handling`: filed and still accepted after `investigate_by`,
    劳动保障监察条例 第17条; `rectify`: an ordered rectification past its deadline), and
    the escalations about its work in the last 30 days. Overdue work piling up at one
    agency is what supervision (监察委员会) and the leading-group office follow up (督办)."""
    return Accountability.model_validate(
        await accountability.accountability(session, actor, jurisdiction_id=jurisdiction_id)
    )
