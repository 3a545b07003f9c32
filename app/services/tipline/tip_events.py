"""`tip.status_changed`: the webhook a 12345 bridge (or any office system) listens to.

When a tip's public status changes (received → investigating → handled, or rejected;
a case closed or reopened moves every tip on it), when it is transferred to another
office, or when its case's handling clock is extended, the offices whose area holds
the tip get one event at their webhook endpoints. It carries what the bridge must send
back (办结反馈): the tip's `external_ref`, the public status and its wording, the
office's latest reply, the notices the tipster reads, and the satisfaction result
(`satisfaction`, null until the reporter has answered).

Changes are noticed where they happen, whatever service wrote them: tips and cases
flushed in the transaction (and approved extensions) are noted at flush, and the event
is written to the webhook outbox in the commit itself (as `integration/feed.py` does),
so it is sent exactly when the change is committed. The status told last is kept on
the tip (`Tip.public_status`), so an unchanged status sends nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Session as SyncSession
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain import tip_notices
from app.domain.lifecycles import TipStatus, public_tip_status
from app.domain.taxonomy import AgencyKind
from app.models.base import utcnow
from app.models.cases import Assignment, Case, Extension
from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.models.reference import Agency, Jurisdiction
from app.models.reporter_loop import TipFeedback
from app.models.tip_transfers import TipTransfer
from app.models.tips import Tip, TipMessage

EVENT = "tip.status_changed"
_TIPS = "labourwatch.tip_events.tips"
_CASES = "labourwatch.tip_events.cases"
_ASSIGNMENTS = "labourwatch.tip_events.assignments"
_FORCED = "labourwatch.tip_events.forced"
MAX_TIPS = 500
"""Tips told about in one commit (a case with more tips is unheard of)."""


def note_tip(session: AsyncSession | Session, tip_id: uuid.UUID) -> None:
    """Tell the webhook about this tip at commit even if its public status is unchanged
    (a transfer: another office handles it now)."""
    session.info.setdefault(_FORCED, set()).add(tip_id)


def _status_changed(obj: Any) -> bool:
    return bool(sa.inspect(obj).attrs.status.history.has_changes())


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    for obj in list(session.dirty) + list(session.new):
        if isinstance(obj, Tip):
            session.info.setdefault(_TIPS, set()).add(obj.id)
        elif isinstance(obj, Case) and _status_changed(obj):
            session.info.setdefault(_CASES, set()).add(obj.id)
        elif isinstance(obj, Extension) and obj.status == "approved" and _status_changed(obj):
            session.info.setdefault(_ASSIGNMENTS, set()).add(obj.assignment_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    for key in (_TIPS, _CASES, _ASSIGNMENTS, _FORCED):
        session.info.pop(key, None)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    tips: set[uuid.UUID] = session.info.pop(_TIPS, set())
    cases: set[uuid.UUID] = session.info.pop(_CASES, set())
    shares: set[uuid.UUID] = session.info.pop(_ASSIGNMENTS, set())
    forced: set[uuid.UUID] = session.info.pop(_FORCED, set())
    if tips or cases or shares or forced:
        tell(cast(SyncSession, session), tips | forced, cases, shares, forced)


# ---- the statements, shared by the commit step (sync) and the status page (async) -------


def transfers_query(tip_id: uuid.UUID) -> Any:
    return (
        select(TipTransfer.transferred_at, TipTransfer.to_office, TipTransfer.triage_due_at)
        .where(TipTransfer.tip_id == tip_id)
        .order_by(col(TipTransfer.transferred_at))
    )


def extensions_query(case_id: uuid.UUID) -> Any:
    """Approved extensions of the case's shares the public may hear of: not the
    restricted (protective-umbrella) ones, whose very existence is kept from the county."""
    return (
        select(col(Extension.decided_at), col(Extension.investigate_by_after))
        .join(Assignment, col(Assignment.id) == col(Extension.assignment_id))
        .where(
            Assignment.case_id == case_id,
            col(Assignment.restricted).is_(False),
            Extension.status == "approved",
            col(Extension.investigate_by_after).is_not(None),
        )
        .order_by(col(Extension.decided_at))
    )


def notices_of(transfers: Iterable[Any], extensions: Iterable[Any]) -> list[tip_notices.Notice]:
    return tip_notices.notices(
        [(at, office, due) for at, office, due in transfers],
        [(at, until) for at, until in extensions if at is not None and until is not None],
    )


async def notices_for(session: AsyncSession, tip: Tip) -> list[tip_notices.Notice]:
    """What the tipster's status page tells besides the status: transfers, extensions."""
    transfers = (await session.exec(transfers_query(tip.id))).all()
    extensions = (await session.exec(extensions_query(tip.case_id))).all() if tip.case_id else []
    return notices_of(transfers, extensions)


# ---- the commit step ---------------------------------------------------------------------


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _public(session: SyncSession, tip: Tip) -> tuple[str, str]:
    case_status = (
        session.exec(select(Case.status).where(Case.id == tip.case_id)).first()
        if tip.case_id
        else None
    )
    if tip.status == TipStatus.duplicate and tip.duplicate_of is not None:
        original = session.get(Tip, tip.duplicate_of)
        return public_tip_status(
            tip.status, case_status, original_status=original.status if original else None
        )
    return public_tip_status(tip.status, case_status)


def payload(
    tip: Tip,
    status: tuple[str, str],
    previous: str | None,
    reply: TipMessage | None,
    notices: Sequence[tip_notices.Notice],
    satisfaction: Any = None,
) -> dict[str, Any]:
    """The event's `data`. `satisfaction` is the reporter's answer once asked (满意度);
    null while there is none."""
    ref = (
        {"system": tip.external_system, "id": tip.external_id}
        if tip.external_system and tip.external_id
        else None
    )
    return {
        "tip_id": str(tip.id),
        "external_ref": ref,
        "status": status[0],
        "status_label": status[1],
        "previous_status": previous,
        "case_id": None if tip.case_id is None else str(tip.case_id),
        "jurisdiction_id": None if tip.jurisdiction_id is None else str(tip.jurisdiction_id),
        "latest_reply": None
        if reply is None
        else {"at": reply.at.isoformat(), "message": reply.message},
        "notices": [
            {
                "at": n.at.isoformat(),
                "kind": n.kind,
                "message": n.message,
                "expected_by": None if n.expected_by is None else n.expected_by.isoformat(),
            }
            for n in notices
        ],
        "satisfaction": satisfaction,
    }


def _satisfaction(answer: TipFeedback | None) -> dict[str, Any] | None:
    """The reporter's answer for the bridge's 评价 (satisfied or not, by web or callback,
    when); the comment stays with the office, since its words may say who wrote them."""
    if answer is None:
        return None
    return {
        "satisfied": answer.satisfied,
        "source": answer.source,
        "answered_at": answer.changed_at.isoformat(),
    }


def _endpoints(session: SyncSession, scope_path: str) -> list[uuid.UUID]:
    """The webhook endpoints of the offices whose area holds the tip."""
    return list(
        session.exec(
            select(WebhookEndpoint.id)
            .join(Agency, col(Agency.id) == col(WebhookEndpoint.agency_id))
            .join(Jurisdiction, col(Jurisdiction.id) == col(Agency.jurisdiction_id))
            .where(
                Agency.kind == AgencyKind.coordinator.value,
                col(Jurisdiction.path).in_(_prefixes(scope_path)),
                col(WebhookEndpoint.deleted_at).is_(None),
            )
        ).all()
    )


def tell(
    session: SyncSession,
    tip_ids: set[uuid.UUID],
    case_ids: set[uuid.UUID],
    assignment_ids: set[uuid.UUID],
    forced: set[uuid.UUID],
) -> int:
    """Write a `tip.status_changed` event for each of these tips (and the tips of these
    cases and of these assignments' cases) whose public status moved, or that is forced."""
    extended: set[uuid.UUID] = set()
    if assignment_ids:
        extended = set(
            session.exec(
                select(Assignment.case_id).where(
                    col(Assignment.id).in_(assignment_ids), col(Assignment.restricted).is_(False)
                )
            ).all()
        )
    by = [col(Tip.id).in_(tip_ids)] if tip_ids else []
    if case_ids | extended:
        by.append(col(Tip.case_id).in_(case_ids | extended))
    if not by:
        return 0
    found = session.exec(select(Tip).where(sa.or_(*by)).limit(MAX_TIPS)).all()
    now, rows, told = utcnow(), [], 0
    for tip in found:
        status = _public(session, tip)
        moved = status[0] != (tip.public_status or TipStatus.received.value)
        if not (moved or tip.id in forced or tip.case_id in extended):
            continue
        previous = tip.public_status or TipStatus.received.value
        session.exec(
            sa.update(Tip.__table__)  # type: ignore[attr-defined]
            .where(Tip.__table__.c.id == tip.id)  # type: ignore[attr-defined]
            .values(public_status=status[0])
        )
        reply = session.exec(
            select(TipMessage)
            .where(TipMessage.tip_id == tip.id, TipMessage.kind == "reply")
            .order_by(col(TipMessage.at).desc(), col(TipMessage.id).desc())
            .limit(1)
        ).first()
        notes = notices_of(
            session.exec(transfers_query(tip.id)).all(),
            session.exec(extensions_query(tip.case_id)).all() if tip.case_id else [],
        )
        answer = session.exec(select(TipFeedback).where(TipFeedback.tip_id == tip.id)).first()
        data = payload(tip, status, previous, reply, notes, _satisfaction(answer))
        event_payload = {"type": EVENT, "timestamp": now.isoformat(), "data": data}
        told += 1
        for endpoint_id in _endpoints(session, tip.scope_path):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "endpoint_id": endpoint_id,
                    "event_id": f"msg_{uuid.uuid4().hex}",
                    "payload": event_payload,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if rows:
        session.exec(sa.insert(WebhookOutbox), params=rows)
    return told
