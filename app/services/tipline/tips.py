"""Tips as the office handles them: intake, the triage queue, replies and notes.

Anonymous and named tips go through exactly the same code: the contact is a
sealed blob that nothing here reads. A tip is visible to the actors whose
jurisdiction subtree holds its `scope_path` (see `app.models.tips.Tip`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain.chinatime import china_date
from app.domain.deadlines import COMPLAINT_WORKING_DAYS, is_overdue, triage_due_at
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import VIOLATION_CODES, AgencyKind
from app.domain.workdays import add_working_days
from app.errors import Conflict, NotFound, unprocessable
from app.models.base import new_id, utcnow
from app.models.reference import Agency, Jurisdiction
from app.models.tips import Tip, TipKind, TipMessage
from app.services.core import access, idempotency, prepared
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.registry import workdays
from app.services.tipline import external_refs, tip_privacy


@dataclass(frozen=True, slots=True)
class Submitted:
    """A stored tip. `tip` is the ORM object, built on first use: the JSON tip-line
    answers with the receipt alone and never pays the ~0.2 ms building one costs."""

    receipt: str
    replayed: bool = False
    _row: dict[str, Any] | None = None
    _session: AsyncSession | None = None
    _tip: Tip | None = None

    @property
    def tip(self) -> Tip:
        if self._tip is None:
            assert self._row is not None and self._session is not None
            tip = Tip(**self._row)
            make_transient_to_detached(tip)  # the row exists: changes to it are UPDATEs
            self._session.add(tip)
            object.__setattr__(self, "_tip", tip)
        assert self._tip is not None
        return self._tip


def tip_scope(actor: Actor) -> ColumnElement[bool]:
    return access.in_area(actor, Tip.scope_path)


def overdue(tip: Tip) -> bool:
    return is_overdue(tip.triage_due_at, utcnow(), done=tip.status != "received")


async def check_violation_types(
    session: AsyncSession,
    codes: Sequence[str],
    loc: Sequence[str | int] = ("body", "violation_types"),
) -> list[str]:
    return known_violation_types(codes, loc)


def known_violation_types(
    codes: Sequence[str], loc: Sequence[str | int] = ("body", "violation_types")
) -> list[str]:
    """`codes` without repeats; 422 naming any code the taxonomy does not know."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    # The codes are fixed by the taxonomy the table is seeded from (admins edit the
    # rules, never the codes), so no round trip is needed to know them.
    unknown = [c for c in wanted if c not in VIOLATION_CODES]
    if unknown:
        raise unprocessable(loc, f"unknown violation type(s): {', '.join(unknown)}")
    return wanted


def _top_office_path() -> sa.ColumnElement[str]:
    """Where a tip without a place waits: the highest coordinator office, else the root."""
    office = (
        select(Jurisdiction.path)
        .join(Agency, col(Agency.jurisdiction_id) == col(Jurisdiction.id))
        .where(Agency.kind == AgencyKind.coordinator.value)
        .order_by(col(Jurisdiction.depth), col(Agency.created_at))
        .limit(1)
    )
    root = select(Jurisdiction.path).where(col(Jurisdiction.parent_id).is_(None)).limit(1)
    return sa.func.coalesce(office.scalar_subquery(), root.scalar_subquery(), "/")


TOP_OFFICE_PATH = _top_office_path()


async def places_for_intake(session: AsyncSession, limit: int = 500) -> list[tuple[uuid.UUID, str]]:
    """Counties and townships, labelled 黄骅市 › 黄骅镇, for a form's place picker (bounded)."""
    rows = list(
        (
            await session.exec(
                select(Jurisdiction)
                .where(col(Jurisdiction.level).in_(["county", "township"]))
                .order_by(col(Jurisdiction.path))
                .limit(limit)
            )
        ).all()
    )
    names = {str(j.id): j.name for j in rows}
    return [
        (j.id, " › ".join(names[p] for p in j.path.strip("/").split("/") if p in names))
        for j in rows
    ]


async def _place(
    session: AsyncSession, actor: Actor, jurisdiction_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, str | None]:
    """The tip's place and scope; a scope of None is the top office, which the INSERT
    looks up itself (TOP_OFFICE_PATH), saving a round trip on every anonymous tip."""
    if jurisdiction_id is not None:
        place = await session.get(Jurisdiction, jurisdiction_id)
        if place is None:
            raise unprocessable(["body", "jurisdiction_id"], "no such jurisdiction")
        return place.id, place.path
    return access.home_place(actor) or (None, None)


async def _replay(
    session: AsyncSession, settings: Settings, keyed: idempotency.KeyedRequest
) -> Submitted | None:
    """The first answer to a keyed tip: its receipt, derived again (`core/idempotency.py`)."""
    keys = tip_privacy.keys_of(settings)
    found = await idempotency.keyed_tip(session, keys, keyed)
    if found is None:
        return None
    for generation in range(idempotency.GENERATIONS):
        receipt = tip_privacy.derived_receipt(
            keys, keyed.principal, keyed.key, keyed.body, generation
        )
        if tip_privacy.receipt_hash(keys, receipt) == found.receipt_hash:
            return Submitted(receipt, replayed=True, _tip=found)
    return None


async def triage_deadline(
    session: AsyncSession, settings: Settings, received: datetime, types: Sequence[str], kind: str
) -> datetime:
    """The triage deadline; a complaint's counts working days over the calendar this
    process holds (no query per tip)."""
    complaint_by = None
    if kind == TipKind.complaint:
        day = china_date(received)
        cal = await workdays.cached_calendar(session, day.year)
        complaint_by = add_working_days(cal, day, COMPLAINT_WORKING_DAYS)
    return _due(settings, received, types, complaint_by)


def _due(
    settings: Settings, received: datetime, types: Sequence[str], complaint_by: date | None = None
) -> datetime:
    return triage_due_at(
        received,
        types,
        critical=timedelta(hours=settings.triage_critical_hours),
        normal=timedelta(hours=settings.triage_normal_hours),
        complaint_by=complaint_by,
    )


async def submit_tip(
    session: AsyncSession,
    actor: Actor,
    *,
    settings: Settings,
    channel: str,
    description: str,
    violation_types: Sequence[str] = (),
    employer_name: str = "",
    address: str = "",
    jurisdiction_id: uuid.UUID | None = None,
    contact: dict[str, Any] | None = None,
    kind: str = "report",
    keyed: idempotency.KeyedRequest | None = None,
    alone: bool = False,
    external_ref: tuple[str, str] | None = None,
) -> Submitted:
    """Record a tip and return its receipt, the only time the receipt exists in clear.

    `alone=True` promises that nothing else is written in this unit of work (the
    JSON tip-line without attachments), which lets PostgreSQL take the tip in one
    statement.

    `kind`: `report` (举报) or `complaint` (投诉, a worker's own), which is due within
    5 working days (`deadlines.COMPLAINT_WORKING_DAYS`).

    A retry with the same Idempotency-Key is found by its unique key hash when the
    INSERT does nothing, so a first submission costs one statement, not a lookup,
    a savepoint and an insert (the keyed tip of app/services/core/idempotency.py).

    `external_ref` (system, id): the tip's number elsewhere (a 12345 work order); one
    already taken is a 409 naming its tip (`external_refs`), found the same way.
    """
    types = await check_violation_types(session, violation_types)
    place_id, scope_path = await _place(session, actor, jurisdiction_id)
    now = utcnow()
    receipt, row = _new_row(
        settings,
        channel=channel,
        kind=kind,
        description=description,
        types=types,
        employer_name=employer_name,
        address=address,
        place_id=place_id,
        scope_path=scope_path,
        contact=contact,
        keyed=keyed,
        now=now,
        due=await triage_deadline(session, settings, now, types, kind),
    )
    if external_ref is not None:
        row["external_system"], row["external_id"] = external_ref
    stored = await _insert_once(session, actor, row, top_office=scope_path is None, alone=alone)
    if (
        not stored
        and keyed is not None
        and await idempotency.release_expired_key(session, settings, keyed, now)
    ):
        keys = tip_privacy.keys_of(settings)
        for generation in range(1, idempotency.GENERATIONS):  # the old tips keep their receipts
            receipt = tip_privacy.derived_receipt(
                keys, keyed.principal, keyed.key, keyed.body, generation
            )
            row["receipt_hash"] = tip_privacy.receipt_hash(keys, receipt) or ""
            if stored := await _insert_once(
                session, actor, row, top_office=scope_path is None, alone=alone
            ):
                break
    if not stored:
        # Another request with the same key got there first (or, once in 2^99, a receipt
        # collided): answer as that request was answered, else ask for a retry.
        if keyed is not None and (prior := await _replay(session, settings, keyed)) is not None:
            return prior
        if external_ref is not None and (
            existing := await external_refs.tip_with_ref(session, *external_ref)
        ):
            raise external_refs.taken(*external_ref, existing)
        raise Conflict("The tip could not be stored; retry.", headers={"Retry-After": "1"})
    return Submitted(receipt, _row=row, _session=session)


def _new_row(
    settings: Settings,
    *,
    channel: str,
    kind: str,
    description: str,
    types: list[str],
    employer_name: str,
    address: str,
    place_id: uuid.UUID | None,
    scope_path: str | None,
    contact: dict[str, Any] | None,
    keyed: idempotency.KeyedRequest | None,
    now: datetime,
    due: datetime,
) -> tuple[str, dict[str, Any]]:
    """The receipt in clear and the tip's row (every column of `tip`)."""
    keys = tip_privacy.keys_of(settings)
    receipt = (
        tip_privacy.derived_receipt(keys, keyed.principal, keyed.key, keyed.body)
        if keyed
        else tip_privacy.fresh_receipt()
    )
    tip_id = new_id()
    row = {
        **_TIP_DEFAULTS,
        "id": tip_id,
        "receipt_hash": tip_privacy.receipt_hash(keys, receipt) or "",
        "channel": channel,
        "kind": kind,
        "description": description,
        "violation_types": types,
        "employer_name": employer_name,
        "address": address,
        "jurisdiction_id": place_id,
        "scope_path": scope_path or "",
        "contact": tip_privacy.seal_contact(keys, tip_id, contact),
        "received_at": now,
        "updated_at": now,
        "triage_due_at": due,
    }
    if keyed is not None:
        row["idempotency_hash"] = idempotency.tip_key_hash(keys, keyed.principal, keyed.key)
        row["request_hash"] = idempotency.tip_body_hash(keys, keyed.body)
    return receipt, row


async def submit_alone(
    engine: AsyncEngine,
    actor: Actor,
    *,
    settings: Settings,
    channel: str,
    description: str,
    violation_types: Sequence[str] = (),
    employer_name: str = "",
    address: str = "",
    contact: dict[str, Any] | None = None,
    kind: str = "report",
    keyed: idempotency.KeyedRequest | None = None,
) -> Submitted | None:
    """`submit_tip` for a tip that writes nothing else (the JSON tip-line), without a
    unit of work: the tip and its audit entry as prepared statements on a pooled
    connection, the way `_insert_once` writes them — on PostgreSQL one autocommitted
    statement, on SQLite two INSERTs and a COMMIT.

    None, having written nothing, when the tip needs more than that: a complaint (its
    deadline counts working days from the calendar), or a retry whose Idempotency-Key
    is taken (replay, or the key's expiry); the caller then runs `submit_tip`, which
    decides those as it always has. Unplaced tips only (the top office's scope is
    found by the statement itself)."""
    if kind == TipKind.complaint:
        return None
    types = known_violation_types(violation_types)
    now = utcnow()
    receipt, row = _new_row(
        settings,
        channel=channel,
        kind=kind,
        description=description,
        types=types,
        employer_name=employer_name,
        address=address,
        place_id=None,
        scope_path=None,
        contact=contact,
        keyed=keyed,
        now=now,
        due=_due(settings, now, types),
    )
    entry = auditlog.pending_row(actor, "tip.create", "tip", row["id"], after=_audited(row))
    async with prepared.connect(engine) as conn:
        if conn.postgres:
            params = {**row, **{f"audit_{k}": v for k, v in entry.items()}}
            inserted = await _PREPARED_AUDITED.first(conn, params)
        else:
            tip = _PREPARED_ONCE.bound(conn.dialect, row)
            audit = _PREPARED_ENTRY.bound(conn.dialect, {**entry, "jurisdiction_path": ""})
            at = _PREPARED_ENTRY.position(conn.dialect, "jurisdiction_path")
            inserted = await conn.in_thread(partial(_sqlite_tip, tip, audit, at))
    if inserted is None:
        return None
    row["scope_path"] = inserted[0]
    return Submitted(receipt)


_TIP_TABLE: sa.Table = Tip.__table__  # type: ignore[attr-defined]


def _tip_insert(postgres: bool, top_office: bool) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING scope_path, its values as parameters
    named after the columns (one compiled form, cached); with `top_office` the
    statement finds the scope itself."""
    values: dict[str, Any] = {
        c.name: sa.bindparam(c.name, type_=c.type) for c in _TIP_TABLE.columns
    }
    if top_office:
        values["scope_path"] = TOP_OFFICE_PATH
    insert = pg_insert if postgres else sqlite_insert
    return (
        insert(_TIP_TABLE)
        .values(values)
        .on_conflict_do_nothing()
        .returning(_TIP_TABLE.c.scope_path)
    )


# What a new tip holds unless told otherwise: the model's own defaults.
_TIP_DEFAULTS = {
    name: field.default
    for name, field in Tip.model_fields.items()
    if not field.is_required() and field.default_factory is None
}
_INSERT_ONCE = {
    (postgres, top): _tip_insert(postgres, top)
    for postgres in (True, False)
    for top in (True, False)
}
# PostgreSQL, nothing else in the unit of work: the tip and its audit entry in one
# autocommitted statement, one round trip instead of BEGIN, two INSERTs and COMMIT.
_INSERT_AUDITED = {
    top: auditlog.insert_with_entry(_tip_insert(True, top), "scope_path") for top in (True, False)
}
# The same, unplaced, as `submit_alone` runs them: compiled once, on the driver.
_PREPARED_AUDITED = prepared.Prepared(_INSERT_AUDITED[True])
_PREPARED_ONCE = prepared.Prepared(_INSERT_ONCE[False, True])
_PREPARED_ENTRY = prepared.Prepared(auditlog.INSERT_ENTRY)


def _sqlite_tip(
    tip: tuple[str, list[Any]], entry: tuple[str, list[Any]], path_at: int, db: Any
) -> tuple[Any, ...] | None:
    """On SQLite's connection, in its thread: the tip, its audit entry (with the scope
    the tip was given) and the COMMIT, as `_insert_once` and `db.transaction` write them."""
    found = db.execute(*tip).fetchone()
    if found is not None:
        sql, args = entry
        args = [*args]
        args[path_at] = found[0]
        db.execute(sql, args)
    db.commit()
    return None if found is None else tuple(found)


async def _insert_once(
    session: AsyncSession, actor: Actor, row: dict[str, Any], *, top_office: bool, alone: bool
) -> bool:
    """Store the tip and its audit entry; False when a unique key was already taken.

    With `top_office` the statement fills in the scope itself, and `row` learns it.
    `alone`: the caller writes nothing else in this unit of work, so on PostgreSQL
    the tip and its entry go in one statement without a transaction around them.
    """
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    if postgres and alone and not session.in_transaction():
        entry = auditlog.pending_row(actor, "tip.create", "tip", row["id"], after=_audited(row))
        conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        inserted = (
            await conn.execute(
                _INSERT_AUDITED[top_office], {**row, **{f"audit_{k}": v for k, v in entry.items()}}
            )
        ).first()
    else:
        conn = await session.connection()
        inserted = (await conn.execute(_INSERT_ONCE[postgres, top_office], row)).first()
        if inserted is not None:
            auditlog.record(
                session,
                actor,
                "tip.create",
                "tip",
                row["id"],
                after=_audited(row),
                jurisdiction_path=inserted[0],
            )
    if inserted is None:
        return False
    row["scope_path"] = inserted[0]
    return True


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "channel",
            "kind",
            "status",
            "violation_types",
            "jurisdiction_id",
            "triage_due_at",
        )
    }


async def get_tip(
    session: AsyncSession, actor: Actor, tip_id: uuid.UUID | str, *, for_update: bool = False
) -> Tip:
    tid = access.as_uuid(tip_id, "tip")
    query = select(Tip).where(Tip.id == tid, tip_scope(actor))
    if for_update:
        query = query.with_for_update()
    tip = (await session.exec(query)).first()
    if tip is None:
        raise NotFound(f"No tip {tid} in your area.")
    return tip


async def list_tips(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None = None,
    needs_attention: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Tip], str | None]:
    """The triage queue: oldest first, so nothing waits behind newer tips."""
    access.require(actor, Permission.tips_read)
    n = clamp(limit)
    query = select(Tip).where(
        tip_scope(actor),
        after([col(Tip.received_at), col(Tip.id)], cursor, [type(utcnow()), uuid.UUID]),
    )
    if status is not None:
        query = query.where(Tip.status == status)
    if needs_attention is not None:
        query = query.where(Tip.needs_attention == needs_attention)
    rows = list(
        (await session.exec(query.order_by(col(Tip.received_at), col(Tip.id)).limit(n + 1))).all()
    )
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].received_at, rows[-1].id) if more else None


async def list_messages(
    session: AsyncSession, tip: Tip, kinds: Sequence[str] | None = None
) -> list[TipMessage]:
    query = select(TipMessage).where(TipMessage.tip_id == tip.id)
    if kinds is not None:
        query = query.where(col(TipMessage.kind).in_(list(kinds)))
    return list((await session.exec(query.order_by(col(TipMessage.at), col(TipMessage.id)))).all())


async def add_message(
    session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str, kind: str, message: str
) -> TipMessage:
    """A reply (the tipster sees it) or an internal note; either answers a follow-up,
    so it clears `needs_attention`."""
    access.require(actor, Permission.tips_triage)
    tip = await get_tip(session, actor, tip_id, for_update=True)
    msg = TipMessage(tip_id=tip.id, kind=kind, message=message, author_id=actor.id, at=utcnow())
    session.add(msg)
    tip.needs_attention = False
    tip.updated_at = msg.at
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        actor,
        f"tip.{kind}",
        "tip",
        tip.id,
        after={"message_id": msg.id, "kind": kind, "message": message},
        jurisdiction_path=tip.scope_path,
    )
    return msg


async def assign_jurisdiction(
    session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str, jurisdiction_id: uuid.UUID
) -> Tip:
    """Hand a tip down to a place in the caller's area (the top office sorting unplaced tips)."""
    access.require(actor, Permission.tips_triage)
    tip = await get_tip(session, actor, tip_id, for_update=True)
    place = await access.get_jurisdiction(session, actor, jurisdiction_id)
    before = {"jurisdiction_id": tip.jurisdiction_id, "scope_path": tip.scope_path}
    tip.jurisdiction_id, tip.scope_path, tip.updated_at = place.id, place.path, utcnow()
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "tip.assign_jurisdiction",
        "tip",
        tip.id,
        before=before,
        after={"jurisdiction_id": place.id, "scope_path": place.path},
        jurisdiction_path=place.path,
    )
    return tip
