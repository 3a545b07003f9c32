"""Transfers of a tip to another office (转办), sideways, upward or down."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import MayTipsRead, MayTipsTriage, SessionDep, SettingsDep
from app.models.tip_transfers import TipTransferIn, TipTransferPublic
from app.services.tipline import tip_transfers

router = APIRouter(prefix="/api/v1", tags=["tips"])


@router.post("/tips/{tip_id}/transfer", response_model=TipTransferPublic)
async def transfer_tip(
    tip_id: uuid.UUID,
    body: TipTransferIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayTipsTriage,
) -> TipTransferPublic:
    """Hand a tip waiting for triage to the leading-group office of `jurisdiction_id` —
    any place with an office: a neighbouring county, the city above, a township below.
    The receiving office's triage deadline starts anew (`triage_due_at`); your office no
    longer sees the tip (404) unless the new place is within your area. The tipster's
    status page says, in plain words, which office handles it now and by when.
    409 once the tip is triaged; 422 for a place without an office."""
    moved = await tip_transfers.transfer_tip(
        session,
        actor,
        settings=settings,
        tip_id=tip_id,
        jurisdiction_id=body.jurisdiction_id,
        reason=body.reason,
    )
    return TipTransferPublic.model_validate(moved)


@router.get("/tips/{tip_id}/transfers", response_model=list[TipTransferPublic])
async def list_tip_transfers(
    tip_id: uuid.UUID, session: SessionDep, actor: MayTipsRead
) -> list[TipTransferPublic]:
    """Where the tip has been handed on, oldest first, with each office's reason."""
    rows = await tip_transfers.list_transfers(session, actor, tip_id)
    return [TipTransferPublic.model_validate(r) for r in rows]
