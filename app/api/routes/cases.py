"""Cases (案件): opened by the office, inspections and tips; worked through assignments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import MayCasesRead, MayCasesWrite, SessionDep
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.domain.clocks import Clock
from app.domain.lifecycles import CaseStatus
from app.domain.permissions import Actor
from app.domain.taxonomy import VIOLATION_CODES
from app.errors import unprocessable
from app.models.case_schemas import (
    CaseClose,
    CaseCreate,
    CaseCreated,
    CasePublic,
    CaseReason,
    CaseReroute,
    CaseSummary,
)
from app.models.cases import Case
from app.models.common import Page
from app.services.cases import assignments, case_views, cases

router = APIRouter(prefix="/api/v1", tags=["cases"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("/cases", status_code=201, response_model=CaseCreated)
async def create_case(
    body: CaseCreate,
    session: SessionDep,
    actor: MayCasesWrite,
    idem: IdempotencyDep,
) -> Response:
    """Open a case for an employer and route it at once (201). If the employer already has
    an open case, the violation types are added to that case and routed instead, and the
    answer says `merged: true` (one open case per employer). Accepts `Idempotency-Key`."""
    unknown = [i for i, t in enumerate(body.violation_types) if t not in VIOLATION_CODES]
    if unknown:
        raise unprocessable(["body", "violation_types", unknown[0]], "Not a known violation type.")
    before = await cases.open_case_id(session, body.employer_id)
    case = await cases.file_case(
        session,
        actor,
        employer_id=body.employer_id,
        sources=[cases.CaseSource("manual", None, tuple(body.violation_types), body.description)],
    )
    payload = CaseCreated.model_validate(
        {**await case_views.case_public(session, actor, case), "merged": before == case.id}
    )
    return await idem.respond(201, payload)


@router.get("/cases", response_model=Page[CaseSummary])
async def list_cases(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayCasesRead,
    status: CaseStatus | None = None,
    violation_type: str | None = None,
    employer_id: uuid.UUID | None = None,
    overdue: bool | Clock | None = None,
    declined: bool | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[CaseSummary]:
    """Cases you may see, newest first. `declined=true`: a declined assignment waiting for
    the coordinator to re-route it.

    `overdue` looks at the assignments you see on the case:
    - `true`: one not accepted by its deadline, or a rectification past its deadline
      (`false`: neither);
    - `accept`: one still pending past `due_at`;
    - `handling`: one filed (立案) and still accepted on a day after its `investigate_by`
      (60 working days, 劳动保障监察条例 第17条, or as extended by the agency's head);
    - `rectify`: a rectification it ordered not corrected after its deadline day.

    Days are China's."""
    rows, nxt = await case_views.list_cases(
        session,
        actor,
        status=status.value if status else None,
        violation_type=violation_type,
        employer_id=employer_id,
        overdue=overdue,
        declined=declined,
        cursor=cursor,
        limit=limit,
    )
    return page_of(CaseSummary, rows, nxt, request, response)


@router.get("/cases/{case_id}", response_model=CasePublic)
async def get_case(case_id: str, session: SessionDep, actor: MayCasesRead) -> CasePublic:
    """One case: its employer, findings, tips, assignments with the reason for each, and a
    timeline. An agency sees only cases assigned to it (404 otherwise); protective-umbrella
    parts are shown only to the office and the supervision agency handling them."""
    return CasePublic.model_validate(await case_views.read_case(session, actor, case_id))


async def _answer(session: AsyncSession, actor: Actor, case: Case) -> CasePublic:
    return CasePublic.model_validate(await case_views.case_public(session, actor, case))


@router.post("/cases/{case_id}/close", response_model=CasePublic)
async def close_case(
    case_id: str, body: CaseClose, session: SessionDep, actor: MayCasesWrite
) -> CasePublic:
    """Close with a summary. 409 while any assignment is pending or accepted, a declined
    one is not yet re-routed, or a rectification is not yet corrected (`blockers` names
    them)."""
    case = await cases.close_case(session, actor, case_id, summary=body.summary)
    return await _answer(session, actor, case)


@router.post("/cases/{case_id}/dismiss", response_model=CasePublic)
async def dismiss_case(
    case_id: str, body: CaseReason, session: SessionDep, actor: MayCasesWrite
) -> CasePublic:
    """Dismiss an open case, with a reason. Its pending and accepted assignments become
    `withdrawn` (nothing more can be recorded on them); reopening does not revive them."""
    case = await cases.dismiss_case(session, actor, case_id, reason=body.reason)
    return await _answer(session, actor, case)


@router.post("/cases/{case_id}/reopen", response_model=CasePublic)
async def reopen_case(
    case_id: str, body: CaseReason, session: SessionDep, actor: MayCasesWrite
) -> CasePublic:
    """Reopen a closed or dismissed case, with a reason. 409 if the employer has another
    open case."""
    case = await cases.reopen_case(session, actor, case_id, reason=body.reason)
    return await _answer(session, actor, case)


@router.post("/cases/{case_id}/reroute", response_model=CasePublic)
async def reroute_case(
    case_id: str, body: CaseReroute, session: SessionDep, actor: MayCasesWrite
) -> CasePublic:
    """Give a declined assignment's work to another agency (a new assignment, due by the
    case's severity). The decline's escalation is marked handled. 409 unless the case is
    open or in progress."""
    case = await cases.get_case(session, actor, case_id, for_update=True)
    await assignments.reroute_assignment(
        session,
        actor,
        case,
        assignment_id=body.assignment_id,
        agency_id=body.agency_id,
        reason=body.reason,
    )
    return await _answer(session, actor, case)
