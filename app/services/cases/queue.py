"""Agency queues: the per-agency version behind the ETag, the list, and the long poll.

Every change to an agency's assignments bumps its `agency_queue_state.version`
in the same transaction, so an unchanged version means an unchanged queue and
a conditional GET needs only the version (held in the process, `queue_versions`).
On PostgreSQL each bump also sends a NOTIFY, delivered at commit, which keeps the
versions held by every process current.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.chinatime import china_date
from app.domain.clocks import PENDING_RECTIFICATION, Clock
from app.domain.permissions import Actor
from app.domain.taxonomy import Severity
from app.models.base import UTCDateTime, utcnow
from app.models.cases import AgencyQueueState, Assignment, Case, Rectification
from app.models.employers import Employer
from app.services.cases.clocks import overdue_condition
from app.services.core import access, case_visibility, dialect, prepared
from app.services.core.pagination import clamp, decode_cursor, encode_cursor
from app.services.integration import feed, queue_versions

POLL_SECONDS = 0.5
MAX_WAIT = 30


def _bump(session: AsyncSession, agency_id: uuid.UUID, now: datetime) -> Any:
    """The upsert that adds one to an agency's queue version and returns the new one; on
    PostgreSQL it also notifies `queue_versions.CHANNEL` (sent at commit, if any)."""
    stmt = dialect.insert(session, AgencyQueueState).values(
        agency_id=agency_id, version=1, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["agency_id"],
        set_={"version": AgencyQueueState.version + 1, "updated_at": now},
    )
    if not dialect.is_postgres(session):
        return stmt.returning(AgencyQueueState.version)
    bumped = stmt.returning(col(AgencyQueueState.agency_id), col(AgencyQueueState.version)).cte(
        "bumped"
    )
    payload = sa.cast(bumped.c.agency_id, sa.String) + " " + sa.cast(bumped.c.version, sa.String)
    return sa.select(bumped.c.version, sa.func.pg_notify(queue_versions.CHANNEL, payload))


async def _bump_each(
    session: AsyncSession, agency_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    now = utcnow()
    out: dict[uuid.UUID, int] = {}
    for aid in sorted(set(agency_ids)):
        out[aid] = int((await session.exec(_bump(session, aid, now))).one()[0])
    queue_versions.apply_at_commit(session, out)
    return out


async def bump_queues(
    session: AsyncSession, agency_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Add one to each agency's queue version; returns the new versions.

    Agencies are bumped in id order so two transactions never lock them crosswise.
    """
    out = await _bump_each(session, agency_ids)
    feed.note_bump(session, out)  # the change feed and webhooks are written at commit
    return out


async def bump_case_queues(
    session: AsyncSession, case_id: uuid.UUID, *, changed: Iterable[uuid.UUID] = ()
) -> dict[uuid.UUID, int]:
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
    noted = set(changed)
    on_case = (
        await session.exec(
            select(Assignment.agency_id).where(Assignment.case_id == case_id).distinct()
        )
    ).all()
    out = await _bump_each(session, noted | set(on_case))
    if noted:
        feed.note_bump(session, {aid: out[aid] for aid in noted})
    return out


async def bump_employer_queues(
    session: AsyncSession, employer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Add one to the queue version of every agency with an assignment on a case of
    these employers: queue items show the employer's name, so renaming one changes
    their pages. Not told to the change feed (no assignment changed)."""
    ids, agencies = list(employer_ids), set[uuid.UUID]()
    for start in range(0, len(ids), 10_000):  # an import may rename many: bounded IN lists
        agencies.update(
            (
                await session.exec(
                    select(Assignment.agency_id)
                    .join(Case, col(Case.id) == col(Assignment.case_id))
                    .where(col(Case.employer_id).in_(ids[start : start + 10_000]))
                    .distinct()
                )
            ).all()
        )
    return await _bump_each(session, agencies) if agencies else {}


def make_etag(agency_id: uuid.UUID, version: int, query: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:12]
    return f'W/"{agency_id}-{version}-{digest}"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return any(t.strip() in (etag, "*") for t in header.split(","))


async def wait_for_etag(
    versions: queue_versions.QueueVersions,
    agency_id: uuid.UUID,
    query: str,
    if_none_match: str | None,
    wait: float,
) -> tuple[str, bool]:
    """The current ETag, and whether it still matches `if_none_match` after waiting.

    No request holds a transaction open while it waits: each look at the version is
    a held value or an autocommit read.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(0.0, min(wait, MAX_WAIT))
    while True:
        etag = make_etag(agency_id, await versions.current(agency_id), query)
        if not etag_matches(if_none_match, etag):
            return etag, False
        remaining = deadline - loop.time()
        if remaining <= 0:
            return etag, True
        await asyncio.sleep(min(POLL_SECONDS, remaining))


class _Codes(sa.TypeDecorator[tuple[str, ...]]):
    """A JSON list of violation type codes, read as text and decoded once per distinct
    list: the same few recur on every page, and decoding each again cost more than the
    rest of the page's Python."""

    impl = sa.Text
    cache_ok = True

    def result_processor(
        self, dialect: sa.Dialect, coltype: object
    ) -> Callable[[str | None], tuple[str, ...]]:
        return _decode_codes


@functools.lru_cache(maxsize=4096)
def _decode_codes(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text or "[]"))


class _Moment(UTCDateTime):
    """`UTCDateTime` without its step per value where the driver gives aware UTC times
    already (asyncpg, for timestamptz); SQLite's naive values still take it."""

    cache_ok = True

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)


def _moment(column: Any) -> Any:
    return sa.type_coerce(column, _Moment())


class QueueRow(NamedTuple):
    """One queue item's columns, as `list_queue` reads them."""

    id: uuid.UUID
    role: str
    status: str
    due_at: datetime
    reason: str
    violation_types: tuple[str, ...]
    restricted: bool
    created_at: datetime
    updated_at: datetime
    case_id: uuid.UUID
    case_status: str
    severity: str
    case_types: tuple[str, ...]
    opened_at: datetime
    employer_id: uuid.UUID
    employer_name: str
    restricted_share: bool | None  # the case has a restricted assignment (anyone's)
    owner_id: uuid.UUID | None
    investigate_by: date | None
    rectify_by: date | None  # the earliest deadline of its pending rectifications


@dataclass(frozen=True, slots=True)
class QueuePage:
    """`case_types` has the violation types the caller may see for the cases where that
    is fewer than the case's own (those with a restricted share)."""

    rows: list[QueueRow]
    case_types: dict[uuid.UUID, list[str]]
    next_cursor: str | None


_share = aliased(Assignment, name="share")
_COLUMNS: dict[str, Any] = {
    "id": col(Assignment.id),
    "role": col(Assignment.role),
    "status": col(Assignment.status),
    "due_at": _moment(col(Assignment.due_at)),
    "reason": col(Assignment.reason),
    "violation_types": sa.cast(col(Assignment.violation_types), _Codes()),
    "restricted": col(Assignment.restricted),
    "created_at": _moment(col(Assignment.created_at)),
    "updated_at": _moment(col(Assignment.updated_at)),
    "case_id": col(Assignment.case_id),
    "case_status": col(Case.status),
    "case_types": sa.cast(col(Case.violation_types), _Codes()),
    "opened_at": _moment(col(Case.opened_at)),
    "employer_id": col(Case.employer_id),
    "employer_name": col(Employer.name),
    # A scalar subquery, not EXISTS: PostgreSQL would hash an EXISTS over every
    # restricted assignment in the table; this is one index probe per row.
    "restricted_share": sa.select(sa.true())
    .where(col(_share.case_id) == col(Assignment.case_id), col(_share.restricted).is_(True))
    .limit(1)
    .scalar_subquery(),
    "owner_id": col(Assignment.owner_id),
    "investigate_by": col(Assignment.investigate_by),
    "rectify_by": sa.select(sa.func.min(col(Rectification.deadline)))
    .where(
        col(Rectification.assignment_id) == col(Assignment.id),
        col(Rectification.status).in_(PENDING_RECTIFICATION),
    )
    .scalar_subquery(),
}


# Only what the queue item shows, from the index scan on (agency_id, created_at, id):
# no ORM objects, one statement.
def _page(whole: bool) -> Any:
    columns = {**_COLUMNS, "severity": case_visibility.severity_column(whole=whole)}
    return (
        sa.select(*[columns[name].label(name) for name in QueueRow._fields])
        .select_from(Assignment)
        .join(Case, col(Case.id) == col(Assignment.case_id))
        .join(Employer, col(Employer.id) == col(Case.employer_id))
        .where(col(Assignment.agency_id) == sa.bindparam("agency_id"))
    )


_KEYS = (col(Assignment.created_at), col(Assignment.id))
Overdue = bool | Clock | None
"""`True`/`False`: past (or not) the deadline to accept, as the filter always meant;
a `Clock`: past that clock's deadline."""


def owner_filter(owner: str | None) -> tuple[str | None, uuid.UUID | None]:
    """`owner=<user id>|none` as (kind of filter, owner id); resolve "me" first
    (`resolve_owner`). Raises ValueError for anything else."""
    if owner is None:
        return None, None
    if owner == "none":
        return "none", None
    return "id", uuid.UUID(owner)


def resolve_owner(actor: Actor, owner: str | None) -> str | None:
    """`owner=me` as the caller's own id (a service account's matches no user: it owns
    nothing); any other value as given."""
    return actor.id if owner == "me" else owner


@functools.cache
def _page_query(
    whole: bool,
    status: bool,
    overdue: Overdue,
    severity: bool,
    cursor: bool,
    owner: str | None = None,
) -> Any:
    """The page statement for one combination of filters, values as parameters. Built
    once: SQLAlchemy then finds it in its compiled cache without walking it again.
    `whole`: the office's queue, which shows every case's full severity; any other
    shows a case's severity as `case_visibility.share_severity` has it."""
    query = _page(whole)
    if status:
        query = query.where(col(Assignment.status) == sa.bindparam("status"))
    if overdue is not None:
        late = overdue_condition(
            Clock.accept if isinstance(overdue, bool) else overdue,
            sa.bindparam("now"),
            sa.bindparam("today", type_=sa.Date()),
        )
        query = query.where(sa.not_(late) if overdue is False else late)
    if owner == "none":
        query = query.where(col(Assignment.owner_id).is_(None))
    elif owner == "id":
        query = query.where(col(Assignment.owner_id) == sa.bindparam("owner_id", type_=sa.Uuid()))
    if severity:
        query = query.where(
            case_visibility.severity_column(whole=whole) == sa.bindparam("severity")
        )
    if cursor:
        query = query.where(
            sa.tuple_(*_KEYS)
            > sa.tuple_(
                sa.bindparam("after_at", type_=UTCDateTime()),
                sa.bindparam("after_id", type_=sa.Uuid()),
            )
        )
    return query.order_by(*_KEYS).limit(sa.bindparam("n", type_=sa.Integer))


@functools.cache
def _prepared_page(*combination: Any) -> prepared.Prepared:
    return prepared.Prepared(_page_query(*combination))


async def list_queue(
    engine: AsyncEngine,
    actor: Actor,
    *,
    status: str | None = None,
    overdue: Overdue = None,
    severity: Severity | None = None,
    owner: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> QueuePage:
    """The caller's agency's assignments, oldest first. `owner`: "me", "none" or a
    user id (the route has checked it).

    The page is one statement, compiled once per combination of filters and run on the
    driver's connection (`prepared`), each column read as SQLAlchemy reads it."""
    n = clamp(limit)
    agency_id = access.agency_of(actor)
    if agency_id is None:
        return QueuePage([], {}, None)
    now = now or utcnow()
    owner_kind, owner_id = owner_filter(resolve_owner(actor, owner))
    params: dict[str, Any] = {
        "agency_id": agency_id,
        "n": n + 1,
        "status": status,
        "now": now,
        "today": china_date(now),
        "severity": severity.value if severity else None,
        "owner_id": owner_id,
    }
    if cursor is not None:
        params["after_at"], params["after_id"] = decode_cursor(cursor, [datetime, uuid.UUID])
    whole = case_visibility.sees_every_case_whole(actor)
    query = _prepared_page(
        whole, status is not None, overdue, severity is not None, cursor is not None, owner_kind
    )
    async with prepared.connect(engine) as conn:
        found = await query.all(conn, params)
    rows = [QueueRow._make(r) for r in found[:n]]
    restricted = [r.case_id for r in rows if r.restricted_share]
    types = {}
    if restricted:  # after the page's connection went back: SQLite's pool holds one
        async with engine.connect() as sa_conn:
            sa_conn = await sa_conn.execution_options(isolation_level="AUTOCOMMIT")
            types = await _visible_types(sa_conn, actor, restricted)
    last = rows[-1] if len(found) > n and rows else None
    return QueuePage(rows, types, encode_cursor(last.created_at, last.id) if last else None)


async def _visible_types(
    conn: AsyncConnection, actor: Actor, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """`case_visibility.visible_types` for cases with a restricted share; on any other
    case it is every type of the case, since only restricted shares hide types."""
    async with AsyncSession(bind=conn) as session:
        cases = (await session.exec(select(Case).where(col(Case.id).in_(case_ids)))).all()
        by_case: dict[uuid.UUID, list[Assignment]] = {}
        for a in (
            await session.exec(select(Assignment).where(col(Assignment.case_id).in_(case_ids)))
        ).all():
            by_case.setdefault(a.case_id, []).append(a)
    return {c.id: case_visibility.visible_types(actor, c, by_case.get(c.id, [])) for c in cases}


async def run_queue(
    engine: AsyncEngine,
    actor: Actor,
    *,
    query: str,
    if_none_match: str | None,
    wait: float,
    **filters: Any,
) -> tuple[str, QueuePage | None]:
    """(etag, page); the page is None when the caller's copy is current (304).

    The version is read before the page, so the ETag is never newer than what the page
    shows: a change in between only makes the next conditional GET answer 200 again.
    """
    agency_id = access.agency_of(actor)
    if agency_id is None:
        return make_etag(uuid.UUID(int=0), 0, query), QueuePage([], {}, None)
    versions = queue_versions.versions_for(engine)
    etag, unchanged = await wait_for_etag(versions, agency_id, query, if_none_match, wait)
    if unchanged:
        return etag, None
    return etag, await list_queue(engine, actor, **filters)
