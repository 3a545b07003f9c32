"""Criminal transfers (两法衔接): an administrative agency hands a suspected crime to the police.

行政执法机关移送涉嫌犯罪案件的规定 (国务院令第310号) sets every step and its clock:

1. the officer handling the case reports it to the agency's head (负责人, role
   `agency_lead`), who decides within 3 days whether to transfer (第5条);
2. an approved transfer is sent within 24 hours (第5条), to the police at county
   level or above: a township police station does not file criminal cases. A
   transfer made from a restricted (protective-umbrella) share stays restricted and
   goes to the police above the employer's county, as the share itself did;
3. the police decide within 3 days of receiving it whether to open a criminal case
   (立案), and when they do not they tell the transferring agency why (第8条).

Sending gives the police a share of the case in status `pending_filing` (a new one, or
the share they hold already if it is pending or concluded; a declined one the office
re-routes first); filing makes it `accepted`,
not filing concludes it with the reason. A police share already being worked keeps
its status: the transfer's own clock asks for the decision. Each step is audited,
bumps the queues of both agencies (so their feeds and webhooks carry it), and its
deadline is swept by `escalations.escalate_overdue_transfers`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.clock import now as clock_now
from app.domain.enforcement import (
    HANDLING_CLOCKS,
    TRANSFER_APPROVE_WITHIN,
    TRANSFER_BASIS,
    TRANSFER_DECIDE_WITHIN,
    TRANSFER_SEND_WITHIN,
)
from app.domain.lifecycles import (
    ASSIGNMENT,
    CASE,
    OPEN_STATES,
    TRANSFER,
    TRANSFER_OPEN,
    AssignmentStatus,
    TransferStatus,
    transition,
)
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import AgencyKind
from app.errors import Conflict, NotFound, unprocessable
from app.models.cases import Assignment, Case, Transfer
from app.models.enforcement_schemas import TransferPublic
from app.models.reference import Agency
from app.services.cases import queue
from app.services.cases.assignments import get_own_assignment
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.integration import feed
from app.services.registry import routing

_T = TransferStatus


def transfer_public(t: Transfer, now: datetime | None = None) -> TransferPublic:
    now = now or clock_now()
    return TransferPublic(
        id=t.id,
        case_id=t.case_id,
        assignment_id=t.assignment_id,
        agency_id=t.agency_id,
        police_assignment_id=t.police_assignment_id,
        police_agency_id=t.police_agency_id,
        restricted=t.restricted,
        status=t.status,
        facts=t.facts,
        document_ids=[uuid.UUID(d) for d in t.document_ids],
        due_at=t.due_at,
        overdue=t.due_at is not None and t.due_at < now,
        requested_at=t.requested_at,
        approve_by=t.approve_by,
        decided_at=t.decided_at,
        rejection_reason=t.rejection_reason,
        send_by=t.send_by,
        sent_at=t.sent_at,
        decide_by=t.decide_by,
        filed=t.filed,
        filing_decided_at=t.filing_decided_at,
        filing_reason=t.filing_reason,
        basis=TRANSFER_BASIS,
    )


def _not_found(tid: uuid.UUID) -> NotFound:
    return NotFound(f"No transfer {tid} for your agency.")


async def _stamp(
    session: AsyncSession, a: Assignment, now: datetime, *, source: bool = False
) -> None:
    """Bump the agency's queue with this assignment in it: its feed and webhooks show it,
    as a `transfer` change on the `source` share the transfer was made from."""
    if source:
        feed.note_transfer(session, a.id)
    seq = (await queue.bump_queues(session, [a.agency_id]))[a.agency_id]
    a.version, a.change_seq, a.updated_at = a.version + 1, seq, now
    session.add(a)


async def _advance(
    session: AsyncSession, t: Transfer, action: str, reason: str | None = None, **values: Any
) -> None:
    """Move the transfer by `action` through its lifecycle table, as a compare-and-set on
    its status: of two heads pressing approve at once, or two police officers deciding,
    one wins and the other gets 409."""
    result = await session.exec(
        sa.update(Transfer)
        .where(col(Transfer.id) == t.id, col(Transfer.status) == t.status)
        .values(status=transition(TRANSFER, t.status, action, reason=reason), **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        raise Conflict("Someone else decided this transfer just now; reload it.")
    await session.refresh(t)


async def _case(session: AsyncSession, t: Transfer) -> Case:
    case = await session.get(Case, t.case_id)
    if case is None:  # the foreign key makes this impossible
        raise _not_found(t.id)
    return case


async def _sender_side(
    session: AsyncSession, actor: Actor, transfer_id: uuid.UUID | str
) -> tuple[Transfer, Assignment, Case]:
    """The transfer as its own agency sees it; 404 for every other agency."""
    tid = access.as_uuid(transfer_id, "transfer")
    t = await session.get(Transfer, tid)
    if t is None or actor.agency_id is None or str(t.agency_id) != actor.agency_id:
        raise _not_found(tid)
    a = await session.get(Assignment, t.assignment_id)
    if a is None:
        raise _not_found(tid)
    return t, a, await _case(session, t)


async def request_transfer(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    facts: str,
    document_ids: list[uuid.UUID],
    now: datetime | None = None,
) -> Transfer:
    """The officer's report to the head (第5条): from an accepted share of an open case, by
    an administrative enforcer (the police do not transfer to themselves); one transfer in
    progress per share at a time. The head has 3 days to decide."""
    now = now or clock_now()
    a, case = await get_own_assignment(session, actor, assignment_id)
    agency = await session.get(Agency, a.agency_id)
    if agency is None or AgencyKind(agency.kind) not in HANDLING_CLOCKS:
        raise Conflict(
            "Only an administrative enforcement agency transfers a case to the "
            "police (国务院令第310号 第2条)."
        )
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; nothing more can be transferred.")
    if a.status != AssignmentStatus.accepted:
        raise Conflict(f"The assignment is {a.status}; accept it before transferring it.")
    if not facts.strip():
        raise unprocessable(["body", "facts"], "State the facts of the suspected crime.")
    taken = (
        await session.exec(
            select(Transfer.status).where(
                Transfer.assignment_id == a.id, col(Transfer.status).in_(TRANSFER_OPEN)
            )
        )
    ).first()
    if taken is not None:
        raise Conflict(f"A transfer of this assignment is {taken} already.")
    t = Transfer(
        case_id=case.id,
        assignment_id=a.id,
        agency_id=a.agency_id,
        restricted=a.restricted,
        facts=facts,
        document_ids=[str(d) for d in dict.fromkeys(document_ids)],
        requested_by=actor.id[:64],
        requested_at=now,
        approve_by=now + TRANSFER_APPROVE_WITHIN,
        due_at=now + TRANSFER_APPROVE_WITHIN,
        updated_at=now,
    )
    session.add(t)
    await _stamp(session, a, now, source=True)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "transfer.request",
        "transfer",
        t.id,
        after=auditlog.snapshot(t),
        jurisdiction_path=case.jurisdiction_path,
    )
    return t


async def decide_transfer(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID | str,
    *,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Transfer:
    """The head (负责人, `agency_lead`) of the same agency approves or rejects (第5条); 404
    for any other agency, 409 once decided, 422 for a rejection without a reason. An
    approved transfer is due to be sent within 24 hours."""
    now = now or clock_now()
    access.require(actor, Permission.enforcement_approve)
    t, a, case = await _sender_side(session, actor, transfer_id)
    if t.status != _T.pending_approval:
        raise Conflict(f"The transfer is {t.status} already.")
    if not approve and not reason.strip():
        raise unprocessable(["body", "reason"], "A rejection needs a reason.")
    before = auditlog.snapshot(t)
    if approve:
        await _advance(
            session,
            t,
            "approve",
            decided_by=actor.id[:64],
            decided_at=now,
            send_by=now + TRANSFER_SEND_WITHIN,
            due_at=now + TRANSFER_SEND_WITHIN,
            updated_at=now,
        )
    else:
        await _advance(
            session,
            t,
            "reject",
            reason,
            decided_by=actor.id[:64],
            decided_at=now,
            rejection_reason=reason,
            due_at=None,
            updated_at=now,
        )
    await _stamp(session, a, now, source=True)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"transfer.{t.status}",
        "transfer",
        t.id,
        before=before,
        after=auditlog.snapshot(t),
        jurisdiction_path=case.jurisdiction_path,
    )
    return t


async def _police_share(
    session: AsyncSession,
    actor: Actor,
    t: Transfer,
    source: Assignment,
    case: Case,
    police_id: uuid.UUID,
    now: datetime,
) -> Assignment:
    """The police's share that receives the transfer: made in `pending_filing`, or the
    existing one moved there unless the police are working it already."""
    existing = (
        await session.exec(
            select(Assignment).where(
                Assignment.case_id == case.id, Assignment.agency_id == police_id
            )
        )
    ).first()
    if existing is None:
        agency = await session.get(Agency, t.agency_id)
        seq = (await queue.bump_queues(session, [police_id]))[police_id]
        made = Assignment(
            case_id=case.id,
            agency_id=police_id,
            role="also",
            status=AssignmentStatus.pending_filing.value,
            due_at=now + TRANSFER_DECIDE_WITHIN,
            reason=f"criminal transfer from {agency.name if agency else 'an agency'}",
            rule_version=0,
            violation_types=list(source.violation_types or case.violation_types),
            restricted=t.restricted,
            change_seq=seq,
            created_at=now,
            updated_at=now,
        )
        session.add(made)
        await session.flush()
        auditlog.record(
            session,
            actor,
            "assignment.create",
            "assignment",
            made.id,
            after=auditlog.snapshot(made),
            jurisdiction_path=case.jurisdiction_path,
        )
        return made
    if existing.status in (AssignmentStatus.accepted, AssignmentStatus.pending_filing):
        await _stamp(session, existing, now)
        return existing
    if existing.status in (AssignmentStatus.withdrawn, AssignmentStatus.declined):
        raise Conflict(
            f"The police share of this case is {existing.status}; the office "
            "re-routes it before the transfer can be sent."
        )
    before = auditlog.snapshot(existing)
    existing.status = transition(ASSIGNMENT, existing.status, "receive_transfer")
    existing.due_at = now + TRANSFER_DECIDE_WITHIN
    await _stamp(session, existing, now)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "assignment.receive_transfer",
        "assignment",
        existing.id,
        before=before,
        after=auditlog.snapshot(existing),
        jurisdiction_path=case.jurisdiction_path,
    )
    return existing


async def send_transfer(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID | str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> Transfer:
    """Send an approved transfer (within 24 hours of approval, 第5条) to the police at
    county level or above; the police then have 3 days to decide (第8条). 409 unless
    approved and the case open, or if no such police agency exists."""
    now = now or clock_now()
    t, source, case = await _sender_side(session, actor, transfer_id)
    if t.status != _T.approved:
        raise Conflict(f"The transfer is {t.status}; only an approved transfer is sent.")
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; reopen it before sending the transfer.")
    police_id = await routing.transfer_police(
        session, case.jurisdiction_path, restricted=t.restricted
    )
    before = auditlog.snapshot(t)
    share = await _police_share(session, actor, t, source, case, police_id, now)
    await _advance(
        session,
        t,
        "send",
        sent_by=actor.id[:64],
        sent_at=now,
        decide_by=now + TRANSFER_DECIDE_WITHIN,
        due_at=now + TRANSFER_DECIDE_WITHIN,
        police_agency_id=police_id,
        police_assignment_id=share.id,
        updated_at=now,
    )
    await _stamp(session, source, now, source=True)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "transfer.send",
        "transfer",
        t.id,
        before=before,
        after={**auditlog.snapshot(t), "note": note},
        jurisdiction_path=case.jurisdiction_path,
    )
    return t


async def decide_filing(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID | str,
    *,
    filed: bool,
    reason: str,
    now: datetime | None = None,
) -> Transfer:
    """The police's decision (第8条): filed makes their share `accepted` (and the case in
    progress); not filed needs a reason (422), concludes a share that was waiting on the
    transfer, and tells the transferring agency through its queue. 404 for every agency
    but the police it was sent to; 409 unless sent and undecided."""
    now = now or clock_now()
    tid = access.as_uuid(transfer_id, "transfer")
    t = await session.get(Transfer, tid)
    if t is None or actor.agency_id is None or str(t.police_agency_id) != actor.agency_id:
        raise _not_found(tid)
    if t.status != _T.sent:
        raise Conflict(f"The transfer is {t.status}; only a transfer sent to you is decided.")
    if not filed and not reason.strip():
        raise unprocessable(
            ["body", "reason"], "Not filing needs the reason the transferring agency is told."
        )
    case = await _case(session, t)
    source = await session.get(Assignment, t.assignment_id)
    share = (
        await session.get(Assignment, t.police_assignment_id) if t.police_assignment_id else None
    )
    if source is None or share is None:
        raise _not_found(tid)
    before = auditlog.snapshot(t)
    await _advance(
        session,
        t,
        "file" if filed else "not_file",
        reason,
        filed=filed,
        filing_decided_by=actor.id[:64],
        filing_decided_at=now,
        filing_reason=reason,
        due_at=None,
        updated_at=now,
    )
    if share.status == AssignmentStatus.pending_filing:
        share_before = auditlog.snapshot(share)
        action = "file_criminal" if filed else "not_file"
        share.status = transition(ASSIGNMENT, share.status, action, reason=reason)
        if filed and share.accepted_at is None:
            share.accepted_at, share.accepted_by = now, actor.id[:64]
        if not filed:
            share.concluded_at, share.conclusion = now, f"not filed: {reason}"
        await _stamp(session, share, now)
        await session.flush()
        auditlog.record(
            session,
            actor,
            f"assignment.{action}",
            "assignment",
            share.id,
            before=share_before,
            after=auditlog.snapshot(share),
            jurisdiction_path=case.jurisdiction_path,
        )
    else:
        await _stamp(session, share, now)
    await _stamp(session, source, now, source=True)
    if filed and case.status == "open":
        case.status, case.updated_at = transition(CASE, case.status, "start"), now
        session.add(case)
        auditlog.record(
            session,
            actor,
            "case.start",
            "case",
            case.id,
            before={"status": "open"},
            after={"status": "in_progress"},
            jurisdiction_path=case.jurisdiction_path,
        )
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"transfer.{t.status}",
        "transfer",
        t.id,
        before=before,
        after=auditlog.snapshot(t),
        jurisdiction_path=case.jurisdiction_path,
    )
    return t


def _visible(actor: Actor) -> sa.ColumnElement[bool]:
    """The office sees its area's transfers; an agency the ones it sent or received."""
    if actor.kind == "system":
        return sa.true()
    mine: list[sa.ColumnElement[bool]] = []
    if actor.agency_id is not None:
        aid = uuid.UUID(actor.agency_id)
        mine += [col(Transfer.agency_id) == aid, col(Transfer.police_agency_id) == aid]
    if actor.is_office and actor.jurisdiction_path:
        mine.append(
            col(Transfer.case_id).in_(
                select(Case.id).where(
                    col(Case.jurisdiction_path).startswith(actor.jurisdiction_path, autoescape=True)
                )
            )
        )
    return sa.or_(*mine) if mine else sa.false()


async def get_transfer(
    session: AsyncSession, actor: Actor, transfer_id: uuid.UUID | str
) -> Transfer:
    tid = access.as_uuid(transfer_id, "transfer")
    t = (await session.exec(select(Transfer).where(Transfer.id == tid, _visible(actor)))).first()
    if t is None:
        raise NotFound(f"No transfer {tid} in your view.")
    return t


async def list_transfers(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Transfer], str | None]:
    """Newest request last (oldest first, as a worklist reads), scoped as `get_transfer`."""
    n = clamp(limit)
    query = select(Transfer).where(_visible(actor))
    if status is not None:
        query = query.where(Transfer.status == status)
    keys = [col(Transfer.requested_at), col(Transfer.id)]
    query = query.where(after(keys, cursor, [datetime, uuid.UUID])).order_by(*keys).limit(n + 1)
    rows = list((await session.exec(query)).all())
    more, rows = len(rows) > n, rows[:n]
    return rows, encode_cursor(rows[-1].requested_at, rows[-1].id) if more else None
