"""The change feed: every change to an agency's assignments, numbered in commit order.

Guarantee: `seq` values are handed out while holding the lock on the one-row
`feed_head` (a row lock on PostgreSQL, the write lock on SQLite) that is kept
until commit, and they are handed out in a before-commit step, after the audit
head. So a transaction that gets a lower seq has committed before one with a
higher seq can commit: a reader who has seen seq N will never later find a
committed row with a seq below N. Polling `since=<last seq seen>` misses nothing.

Changes are noticed where they are signalled: `queue.bump_queues` (every
assignment created, accepted, declined, concluded or re-routed bumps its
agency's queue) calls `note_bump`, and new `Action` rows are picked up at flush.
The same step writes the webhook outbox rows, so the feed, the outbox and the
change itself commit or roll back together.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import Session as SyncSession
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Actor
from app.models.base import utcnow
from app.models.cases import Action, Assignment, Case
from app.models.employers import Employer
from app.models.integration import AssignmentChange, FeedHead, WebhookEndpoint, WebhookOutbox
from app.services.core import access, case_visibility
from app.services.core.pagination import clamp

_BUMPS = "labourwatch.feed.bumps"
_ACTIONS = "labourwatch.feed.actions"
_REMINDERS = "labourwatch.feed.reminders"
_TRANSFERS = "labourwatch.feed.transfers"
_STATUS_CHANGES = ("accepted", "declined", "concluded")
Row = tuple[Assignment, Case, str]
Reminders = dict[uuid.UUID, tuple[str, datetime]]  # assignment: (clock, deadline)


def note_bump(session: AsyncSession | Session, versions: dict[uuid.UUID, int]) -> None:
    """Called by `bump_queues`: these agencies' assignments stamped with these versions
    changed in this transaction."""
    session.info.setdefault(_BUMPS, {}).update(versions)


def note_reminder(
    session: AsyncSession | Session, assignment_id: uuid.UUID, clock: str, deadline_at: datetime
) -> None:
    """Called by the reminder sweep: tell the feed and webhooks, at commit, that this
    assignment's `clock` runs out at `deadline_at` (change `due_soon`)."""
    session.info.setdefault(_REMINDERS, {})[assignment_id] = (clock, deadline_at)


def note_transfer(session: AsyncSession | Session, assignment_id: uuid.UUID) -> None:
    """A criminal transfer made from this assignment moved a step (asked, decided, sent,
    answered by the police): its agency's feed says `transfer` rather than its status."""
    session.info.setdefault(_TRANSFERS, set()).add(assignment_id)


@event.listens_for(Session, "after_flush")
def _collect_actions(session: Session, _ctx: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Action):
            session.info.setdefault(_ACTIONS, set()).add(obj.assignment_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_BUMPS, None)
    session.info.pop(_ACTIONS, None)
    session.info.pop(_REMINDERS, None)
    session.info.pop(_TRANSFERS, None)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    bumps: dict[uuid.UUID, int] = session.info.pop(_BUMPS, {})
    actions: set[uuid.UUID] = session.info.pop(_ACTIONS, set())
    reminders: Reminders = session.info.pop(_REMINDERS, {})
    transfers: set[uuid.UUID] = session.info.pop(_TRANSFERS, set())
    if bumps or actions or reminders or transfers:
        write_changes(cast(SyncSession, session), bumps, actions, reminders, transfers)


def _kind(a: Assignment) -> str:
    if a.version == 1:
        return "created"
    return a.status if a.status in _STATUS_CHANGES else "updated"


def _changed(
    session: SyncSession,
    bumps: dict[uuid.UUID, int],
    actions: set[uuid.UUID],
    transfers: Collection[uuid.UUID] = (),
) -> list[tuple[uuid.UUID, str]]:
    """(assignment id, change) for what this transaction did, each assignment once."""
    out: dict[uuid.UUID, str] = {}
    if bumps:
        stamped = sa.or_(
            *[
                sa.and_(col(Assignment.agency_id) == aid, col(Assignment.change_seq) == v)
                for aid, v in bumps.items()
            ]
        )
        for a in session.exec(
            select(Assignment)
            .where(stamped)
            .order_by(col(Assignment.created_at), col(Assignment.id))
            .execution_options(populate_existing=True)
        ).all():
            out[a.id] = "transfer" if a.id in transfers and a.version > 1 else _kind(a)
        created = [i for i, k in out.items() if k == "created"]
        if created:
            for old_id in session.exec(
                select(Assignment.id).where(col(Assignment.rerouted_to).in_(created))
            ).all():
                out[old_id] = "rerouted"
    for aid in sorted(actions - set(out)):
        out[aid] = "action"
    return list(out.items())


def _rows(session: SyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    found = session.exec(
        select(Assignment, Case, Employer.name)
        .join(Case, col(Case.id) == col(Assignment.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(col(Assignment.id).in_(ids))
    ).all()
    return {a.id: (a, c, name) for a, c, name in found}


def summary(
    a: Assignment, case: Case, employer_name: str, *, office: bool = False
) -> dict[str, Any]:
    """The assignment as the feed and webhooks show it (JSON-safe) to its own agency: the
    case's severity as that share sees it (`case_visibility.share_severity`); `office`:
    read by the office, which sees its cases whole."""
    return {
        "id": str(a.id),
        "case_id": str(a.case_id),
        "role": a.role,
        "status": a.status,
        "due_at": a.due_at.isoformat(),
        "violation_types": list(a.violation_types),
        "restricted": a.restricted,
        "reason": a.reason,
        "employer_name": employer_name,
        "case_status": case.status,
        "severity": case_visibility.share_severity(case, a, office=office),
        "updated_at": a.updated_at.isoformat(),
        "owner_id": None if a.owner_id is None else str(a.owner_id),
    }


def _advance_head(session: SyncSession, n: int) -> Any:
    """Upsert, so a database whose head row was emptied (tests truncate) still works;
    either way the head row is locked until commit."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return (
        insert(FeedHead)
        .values(id=1, seq=n)
        .on_conflict_do_update(index_elements=["id"], set_={"seq": FeedHead.seq + n})
        .returning(col(FeedHead.seq))
    )


def write_changes(
    session: SyncSession,
    bumps: dict[uuid.UUID, int],
    actions: set[uuid.UUID],
    reminders: Reminders | None = None,
    transfers: Collection[uuid.UUID] = (),
) -> int:
    """Append the feed entries and outbox rows of this transaction (sync: runs in commit)."""
    reminders = reminders or {}
    changes = _changed(session, bumps, actions, transfers) + [
        (i, "due_soon") for i in sorted(reminders)
    ]
    if not changes:
        return 0
    rows = _rows(session, [i for i, _ in changes])
    changes = [(i, k) for i, k in changes if i in rows]
    head = session.exec(_advance_head(session, len(changes))).scalar_one()
    seq, now = int(head) - len(changes), utcnow()
    entries: list[dict[str, Any]] = []
    for aid, kind in changes:
        seq += 1
        a, c, _ = rows[aid]
        entries.append(
            {
                "seq": seq,
                "agency_id": a.agency_id,
                "assignment_id": a.id,
                "case_id": c.id,
                "change": kind,
                "at": now,
            }
        )
    session.exec(sa.insert(AssignmentChange), params=entries)
    _enqueue(session, entries, rows, now, reminders)
    return len(entries)


def _event(change: str) -> str:
    return {"created": "assignment.created", "due_soon": "assignment.due_soon"}.get(
        change, "assignment.updated"
    )


def _enqueue(
    session: SyncSession,
    entries: list[dict[str, Any]],
    rows: dict[uuid.UUID, Row],
    now: datetime,
    reminders: Reminders,
) -> None:
    agencies = {e["agency_id"] for e in entries}
    endpoints = session.exec(
        select(WebhookEndpoint.id, WebhookEndpoint.agency_id).where(
            col(WebhookEndpoint.agency_id).in_(agencies), col(WebhookEndpoint.deleted_at).is_(None)
        )
    ).all()
    out: list[dict[str, Any]] = []
    for e in entries:
        a, c, name = rows[e["assignment_id"]]
        data = {"seq": e["seq"], "change": e["change"], "assignment": summary(a, c, name)}
        if e["change"] == "due_soon":
            clock, deadline_at = reminders[e["assignment_id"]]
            data |= {"clock": clock, "deadline_at": deadline_at.isoformat()}
        payload = {"type": _event(e["change"]), "timestamp": now.isoformat(), "data": data}
        for endpoint_id, agency_id in endpoints:
            if agency_id == e["agency_id"]:
                out.append(
                    {
                        "id": uuid.uuid4(),
                        "endpoint_id": endpoint_id,
                        "event_id": f"msg_{uuid.uuid4().hex}",
                        "payload": payload,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
    if out:
        session.exec(sa.insert(WebhookOutbox), params=out)


async def list_changes(
    session: AsyncSession, actor: Actor, *, since: int = 0, limit: int | None = None
) -> tuple[list[tuple[AssignmentChange, Row]], int]:
    """The caller's agency's changes after `since`, oldest first, and the next cursor."""
    n = clamp(limit)
    if access.agency_of(actor) is None:
        return [], since
    found = (
        await session.exec(
            select(AssignmentChange, Assignment, Case, Employer.name)
            .join(Assignment, col(Assignment.id) == col(AssignmentChange.assignment_id))
            .join(Case, col(Case.id) == col(AssignmentChange.case_id))
            .join(Employer, col(Employer.id) == col(Case.employer_id))
            .where(
                access.own_agency(actor, AssignmentChange.agency_id),
                col(AssignmentChange.seq) > since,
            )
            .order_by(col(AssignmentChange.seq))
            .limit(n)
        )
    ).all()
    items = [(ch, (a, c, name)) for ch, a, c, name in found]
    return items, items[-1][0].seq if items else since
