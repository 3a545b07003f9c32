"""The audit log: who did what, and whether the log is intact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import MayAuditRead, SessionDep
from app.api.paging import page_of
from app.models.audit_schemas import AuditEntryPublic, AuditVerification
from app.models.common import Page
from app.services.core import audit_reads

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=Page[AuditEntryPublic])
async def list_audit(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayAuditRead,
    entity_type: str | None = None,
    entity_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[AuditEntryPublic]:
    """Audit entries about your area, newest first: who, which agency, what, before and after."""
    rows, nxt = await audit_reads.list_audit(
        session, actor, entity_type=entity_type, entity_id=entity_id, cursor=cursor, limit=limit
    )
    return page_of(AuditEntryPublic, rows, nxt, request, response)


@router.get("/audit/verify", response_model=AuditVerification)
async def verify_audit(session: SessionDep, actor: MayAuditRead) -> AuditVerification:
    """Recompute the hash chain. `ok` turns false and names the first broken entry when a
    row was altered, removed or inserted behind the application's back."""
    result = await audit_reads.verify_audit(session, actor)
    return AuditVerification(
        ok=result.ok,
        entries=result.entries,
        first_broken_seq=result.first_broken_seq,
        problem=result.problem,
    )
