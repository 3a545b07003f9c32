"""Agency queues: the per-agency version behind the ETag, the list, and the long poll.

Every change to an agency's assignments bumps its `agency_queue_state.version`
in the same transaction, so an unchanged version means an unchanged queue and
a conditional GET costs one primary-key lookup.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker, transaction
from app.domain.permissions import Actor
from app.domain.taxonomy import Severity
from app.models.base import utcnow
from app.models.cases import AgencyQueueState, Assignment, Case
from app.models.employers import Employer
from app.services import dialect, feed
from app.services.pagination import after, clamp, encode_cursor

POLL_SECONDS = 0.5
MAX_WAIT = 30


async def bump_queues(session: AsyncSession, agency_ids: Iterable[uuid.UUID]
                      ) -> dict[uuid.UUID, int]:
    """Add one to each agency's queue version; returns the new versions.

    Agencies are bumped in id order so two transactions never lock them crosswise.
    """
    now = utcnow()
    out: dict[uuid.UUID, int] = {}
    for aid in sorted(set(agency_ids)):
        stmt = dialect.insert(session, AgencyQueueState).values(
            agency_id=aid, version=1, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["agency_id"],
            set_={"version": AgencyQueueState.version + 1, "updated_at": now},
        ).returning(AgencyQueueState.version)
        out[aid] = int((await session.exec(stmt)).scalar_one())
    feed.note_bump(session, out)  # the change feed and webhooks are written at commit
    return out


async def bump_case_queues(session: AsyncSession, case_id: uuid.UUID, *,
                           changed: Iterable[uuid.UUID] = ()) -> dict[uuid.UUID, int]:
    """Add one to the queue version of every agency with an assignment on the case, and
    of the agencies in `changed` (whose assignments on it are being made or changed now;
    stamp those with the returned versions). Returns the new versions.

    Queue items carry the case's summary (status, severity, violation types), so a
    change to the case changes every ETag on it. One id-ordered pass, like
    `bump_queues`, so it never locks queues crosswise with another transaction. Only
    `changed` is told to the change feed: the others' assignments did not change (and
    a version the feed was told of earlier in this transaction is kept). Lock the case
    row first: case, then queues, everywhere.
    """
    now = utcnow()
    noted = set(changed)
    on_case = (await session.exec(select(Assignment.agency_id).where(
        Assignment.case_id == case_id).distinct())).all()
    out: dict[uuid.UUID, int] = {}
    for aid in sorted(noted | set(on_case)):
        stmt = dialect.insert(session, AgencyQueueState).values(
            agency_id=aid, version=1, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["agency_id"],
            set_={"version": AgencyQueueState.version + 1, "updated_at": now},
        ).returning(AgencyQueueState.version)
        out[aid] = int((await session.exec(stmt)).scalar_one())
    if noted:
        feed.note_bump(session, {aid: out[aid] for aid in noted})
    return out


async def queue_version(session: AsyncSession, agency_id: uuid.UUID) -> int:
    version = (await session.exec(
        select(AgencyQueueState.version).where(AgencyQueueState.agency_id == agency_id)
    )).first()
    return int(version or 0)


def make_etag(agency_id: uuid.UUID, version: int, query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:12]
    return f'W/"{agency_id}-{version}-{digest}"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return any(t.strip() in (etag, "*") for t in header.split(","))


async def wait_for_etag(maker: SessionMaker, agency_id: uuid.UUID, query: str,
                        if_none_match: str | None, wait: float) -> tuple[str, bool]:
    """The current ETag, and whether it still matches `if_none_match` after waiting.

    Polls the version in short transactions of their own, so no request holds a
    transaction open while it waits.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(wait, MAX_WAIT))
    while True:
        async with maker() as session:
            version = await queue_version(session, agency_id)
        etag = make_etag(agency_id, version, query)
        if not etag_matches(if_none_match, etag):
            return etag, False
        remaining = deadline - loop.time()
        if remaining <= 0:
            return etag, True
        await asyncio.sleep(min(POLL_SECONDS, remaining))


@dataclass(frozen=True, slots=True)
class QueueItem:
    assignment: Assignment
    case: Case
    employer_name: str
    case_types: tuple[str, ...] = ()  # the case's violation types the caller may see


async def list_queue(session: AsyncSession, actor: Actor, *, status: str | None = None,
                     overdue: bool | None = None, severity: Severity | None = None,
                     cursor: str | None = None, limit: int | None = None,
                     now: datetime | None = None) -> tuple[list[QueueItem], str | None]:
    """The caller's agency's assignments, oldest first."""
    n = clamp(limit)
    if actor.agency_id is None:
        return [], None
    now = now or utcnow()
    query = (select(Assignment, Case, Employer.name)
             .join(Case, col(Case.id) == col(Assignment.case_id))
             .join(Employer, col(Employer.id) == col(Case.employer_id))
             .where(Assignment.agency_id == uuid.UUID(actor.agency_id)))
    if status is not None:
        query = query.where(Assignment.status == status)
    if overdue is True:
        query = query.where(Assignment.status == "pending", col(Assignment.due_at) < now)
    elif overdue is False:
        query = query.where(sa.or_(col(Assignment.status) != "pending",
                                   col(Assignment.due_at) >= now))
    if severity is not None:
        query = query.where(Case.severity == severity.value)
    keys = [col(Assignment.created_at), col(Assignment.id)]
    query = query.where(after(keys, cursor, [datetime, uuid.UUID])).order_by(*keys).limit(n + 1)
    rows = list((await session.exec(query)).all())
    items = await _with_visible_types(session, actor, rows[:n])
    more = len(rows) > n
    last = items[-1].assignment if items else None
    return items, encode_cursor(last.created_at, last.id) if more and last else None


async def _with_visible_types(session: AsyncSession, actor: Actor,
                              rows: list[tuple[Assignment, Case, str]]) -> list[QueueItem]:
    from app.services.case_views import visible_types  # case_views → cases → queue

    by_case: dict[uuid.UUID, list[Assignment]] = {}
    for a in (await session.exec(select(Assignment).where(
            col(Assignment.case_id).in_([c.id for _, c, _ in rows])))).all():
        by_case.setdefault(a.case_id, []).append(a)
    return [QueueItem(a, c, name, tuple(visible_types(actor, c, by_case.get(c.id, []))))
            for a, c, name in rows]


async def run_queue(maker: SessionMaker, actor: Actor, *, query: str, if_none_match: str | None,
                    wait: float, **filters: object) -> tuple[str, list[QueueItem] | None,
                                                          str | None]:
    """(etag, items, next_cursor); items is None when the caller's copy is current (304)."""
    if actor.agency_id is None:
        return make_etag(uuid.UUID(int=0), 0, query), [], None
    agency_id = uuid.UUID(actor.agency_id)
    etag, unchanged = await wait_for_etag(maker, agency_id, query, if_none_match, wait)
    if unchanged:
        return etag, None, None
    async with transaction(maker) as session:
        version = await queue_version(session, agency_id)
        items, nxt = await list_queue(session, actor, **filters)  # type: ignore[arg-type]
    return make_etag(agency_id, version, query), items, nxt
