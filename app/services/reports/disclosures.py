"""Published results (公开): the office approves a closed case for the public.

Nothing is public without an approval on record: a disclosure row exists only
once a coordinator approved it (who, when), and the public list shows only
approved rows not withdrawn. What is published is copied at approval time and
redacted on top of the office's own text (app/domain/redaction.py): phone and ID
numbers however written, the case's tipsters' names and phones in any spacing,
and ages under 18 are masked, and text that still looks sensitive after masking
is refused; tip contents, tipsters and workers' headcounts (minors included)
are never part of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain import redaction
from app.domain.chinatime import china_date
from app.domain.permissions import Actor
from app.domain.taxonomy import VIOLATION_TYPE_BY_CODE
from app.errors import Conflict, NotFound, unprocessable
from app.models.accounts import User
from app.models.base import utcnow
from app.models.cases import Action
from app.models.disclosures import (
    Disclosure,
    DisclosureOutcome,
    DisclosurePublic,
    DisclosurePublished,
    DisclosureStatus,
    PlaceRef,
    ViolationTypeName,
)
from app.models.employers import Employer
from app.models.reference import Jurisdiction
from app.models.tips import Tip
from app.services.cases import person_privacy
from app.services.cases.cases import get_case
from app.services.core import access
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.tipline import tip_privacy


async def _tipster_contacts(
    session: AsyncSession, settings: Settings, case_id: uuid.UUID
) -> tuple[list[str], list[str]]:
    """The names and phones of the case's tipsters, decrypted only to be masked."""
    keys = tip_privacy.keys_of(settings)
    tips = (
        await session.exec(
            select(Tip.id, Tip.contact).where(
                col(Tip.case_id) == case_id, col(Tip.contact).is_not(None)
            )
        )
    ).all()
    names, phones = [], []
    for tip_id, blob in tips:
        contact = tip_privacy.open_contact(keys, tip_id, blob)
        names += [contact["name"]] if contact["name"] else []
        phones += [contact["phone"]] if contact["phone"] else []
    return names, phones


def redacted_summary(text: str, names: list[str], phones: list[str]) -> str:
    """The office's text masked (app/domain/redaction.py); 422 naming the field when the
    masked text still holds something sensitive, so nothing of it is published."""
    out = redaction.redact(text, names, phones)
    found = redaction.leaks(out, names, phones)
    if found:
        raise unprocessable(
            ["body", "summary_public"],
            (
                "The text still holds what looks like "
                + ", ".join(found).replace("_", " ")
                + " after masking (written with other separators or in words?); rewrite it "
                "without personal details. Nothing was published."
            ),
        )
    return out


def refuse_persons(text: str, names: list[str], numbers: list[str]) -> None:
    """Persons on a case appear in no public output: text naming one of them, or holding
    one's ID number in any spacing, is refused (422), not masked — the office rewrites it."""
    found = [k for k in redaction.leaks(text, names, numbers) if k in ("name", "known_number")]
    if found:
        raise unprocessable(
            ["body", "summary_public"],
            "The text names a person on the case or holds their ID number; persons on a "
            "case are never published. Rewrite it without them. Nothing was published.",
        )


async def case_outcome(session: AsyncSession, case_id: uuid.UUID) -> DisclosureOutcome:
    """What the agencies did on the case, counted in SQL from its actions."""
    rows = (
        await session.exec(
            select(Action.type, func.count(), func.sum(Action.amount), func.sum(Action.count))
            .where(col(Action.case_id) == case_id)
            .group_by(col(Action.type))
        )
    ).all()
    by = {t: (int(n), Decimal(amount or 0), int(cnt or 0)) for t, n, amount, cnt in rows}
    n = {t: v[0] for t, v in by.items()}
    none = (0, Decimal("0"), 0)
    return DisclosureOutcome(
        fines=n.get("fine", 0),
        fines_amount=by.get("fine", none)[1],
        suspensions=n.get("suspension", 0),
        licences_revoked=n.get("licence_revoked", 0),
        sites_closed=n.get("site_closed", 0),
        criminal_cases_filed=n.get("criminal_case_filed", 0),
        wages_recovered_amount=by.get("wages_recovered", none)[1],
        wages_recovered_workers=by.get("wages_recovered", none)[2],
        children_rescued=by.get("children_rescued", none)[2],
        persons_repatriated=by.get("persons_repatriated", none)[2],
    )


async def _township(session: AsyncSession, path: str) -> uuid.UUID | None:
    ids = [uuid.UUID(p) for p in path.split("/") if p]
    return (
        await session.exec(
            select(Jurisdiction.id).where(
                col(Jurisdiction.id).in_(ids), col(Jurisdiction.level) == "township"
            )
        )
    ).first()


async def approve_disclosure(
    session: AsyncSession,
    actor: Actor,
    case_id: uuid.UUID | str,
    *,
    settings: Settings,
    summary_public: str,
    approve: bool,
) -> Disclosure:
    """Publish a closed case in the caller's area; the approval (who, when) is recorded."""
    if approve is not True:
        raise unprocessable(
            ["body", "approve"],
            "Publishing needs `approve: true`; nothing is public without an approval on record.",
        )
    case = await get_case(session, actor, case_id, for_update=True)
    if case.status != "closed" or case.closed_at is None:
        raise Conflict(f"The case is {case.status}; only a closed case can be published.")
    active = (
        await session.exec(
            select(Disclosure.id).where(
                col(Disclosure.case_id) == case.id, col(Disclosure.withdrawn_at).is_(None)
            )
        )
    ).first()
    if active is not None:
        raise Conflict("This case is already published.", existing_id=str(active))
    employer = await session.get(Employer, case.employer_id)
    assert employer is not None
    refuse_persons(
        summary_public, *await person_privacy.names_and_numbers(session, settings, case.id)
    )
    names, phones = await _tipster_contacts(session, settings, case.id)
    summary = redacted_summary(summary_public, names, phones)
    outcome = await case_outcome(session, case.id)
    codes = sorted(set(case.violation_types))
    d = Disclosure(
        case_id=case.id,
        employer_name=employer.name,
        township_id=await _township(session, case.jurisdiction_path),
        jurisdiction_path=case.jurisdiction_path,
        violation_types=codes,
        violation_codes="," + ",".join(codes) + ",",
        summary_public=summary,
        outcome=outcome.model_dump(mode="json"),
        closed_on=china_date(case.closed_at),
        approved_by=actor.id[:64],
        approved_at=utcnow(),
    )
    session.add(d)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "disclosure.approve",
        "disclosure",
        d.id,
        after=auditlog.snapshot(d),
        jurisdiction_path=case.jurisdiction_path,
    )
    return d


async def withdraw_disclosure(
    session: AsyncSession, actor: Actor, disclosure_id: uuid.UUID | str, *, reason: str = ""
) -> Disclosure:
    did = access.as_uuid(disclosure_id, "disclosure")
    d = await session.get(Disclosure, did)
    if d is None or not access.in_subtree(actor, d.jurisdiction_path):
        raise NotFound(f"No disclosure {did} in your area.")
    if d.withdrawn_at is not None:
        raise Conflict("This disclosure is already withdrawn.")
    before = auditlog.snapshot(d)
    d.withdrawn_at, d.withdrawn_by, d.withdrawn_reason = utcnow(), actor.id[:64], reason
    session.add(d)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "disclosure.withdraw",
        "disclosure",
        d.id,
        before=before,
        after=auditlog.snapshot(d),
        jurisdiction_path=d.jurisdiction_path,
    )
    return d


def _published(d: Disclosure, township_name: str | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "employer_name": d.employer_name,
        "township": PlaceRef(id=d.township_id, name=township_name)
        if d.township_id and township_name
        else None,
        "violation_types": [
            ViolationTypeName(
                code=c,
                name_zh=VIOLATION_TYPE_BY_CODE[c].name_zh if c in VIOLATION_TYPE_BY_CODE else c,
            )
            for c in d.violation_types
        ],
        "summary": d.summary_public,
        "outcome": DisclosureOutcome(**d.outcome),
        "closed_on": d.closed_on,
        "published_at": d.approved_at,
    }


async def _account_names(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = set()
    for raw in ids:
        try:
            wanted.add(uuid.UUID(raw or ""))
        except ValueError:
            continue  # not a staff account's id: shown without a name
    if not wanted:
        return {}
    rows = (
        await session.exec(select(User.id, User.display_name).where(col(User.id).in_(wanted)))
    ).all()
    return {str(uid): name for uid, name in rows}


def _office_view(
    d: Disclosure, township_name: str | None, names: dict[str, str]
) -> DisclosurePublic:
    return DisclosurePublic(
        **_published(d, township_name),
        case_id=d.case_id,
        status="withdrawn" if d.withdrawn_at is not None else "published",
        approved_by=d.approved_by,
        approved_by_name=names.get(d.approved_by),
        approved_at=d.approved_at,
        withdrawn_at=d.withdrawn_at,
        withdrawn_by=d.withdrawn_by,
        withdrawn_by_name=names.get(d.withdrawn_by or ""),
        withdrawn_reason=d.withdrawn_reason,
    )


async def disclosure_view(session: AsyncSession, d: Disclosure) -> DisclosurePublic:
    town = await session.get(Jurisdiction, d.township_id) if d.township_id else None
    names = await _account_names(session, [d.approved_by, d.withdrawn_by])
    return _office_view(d, town.name if town else None, names)


def _in_area(actor: Actor) -> ColumnElement[bool]:
    return access.in_area(actor, Disclosure.jurisdiction_path)


def _filtered(query: Any, *, place_path: str | None, violation_type: str | None) -> Any:
    if place_path is not None:
        query = query.where(
            col(Disclosure.jurisdiction_path).startswith(place_path, autoescape=True)
        )
    if violation_type is not None:
        query = query.where(
            col(Disclosure.violation_codes).contains(f",{violation_type},", autoescape=True)
        )
    return query


async def _newest_first(
    session: AsyncSession, query: Any, cursor: str | None, n: int
) -> tuple[list[tuple[Disclosure, str | None]], str | None]:
    keys = [col(Disclosure.approved_at), col(Disclosure.id)]
    query = (
        query.where(after(keys, cursor, [datetime, uuid.UUID], descending=True))
        .order_by(*[k.desc() for k in keys])
        .limit(n + 1)
    )
    rows = [(d, name) for d, name in (await session.exec(query)).all()]
    last = rows[n - 1][0] if len(rows) > n else None
    return rows[:n], encode_cursor(last.approved_at, last.id) if last else None


def _with_township() -> Any:
    return select(Disclosure, Jurisdiction.name).outerjoin(
        Jurisdiction, col(Jurisdiction.id) == col(Disclosure.township_id)
    )


async def list_disclosures(
    session: AsyncSession,
    actor: Actor,
    *,
    status: DisclosureStatus | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    violation_type: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[DisclosurePublic], str | None]:
    """Everything approved about places in the actor's subtree, withdrawn ones included,
    newest approval first. A `jurisdiction_id` outside the subtree is a 404."""
    if violation_type is not None and violation_type not in VIOLATION_TYPE_BY_CODE:
        raise unprocessable(["query", "violation_type"], "Not a known violation type.")
    place = (
        await access.get_jurisdiction(session, actor, jurisdiction_id)
        if jurisdiction_id is not None
        else None
    )
    query = _filtered(
        _with_township().where(_in_area(actor)),
        place_path=place.path if place else None,
        violation_type=violation_type,
    )
    if status is not None:
        withdrawn = col(Disclosure.withdrawn_at)
        query = query.where(
            withdrawn.is_not(None) if status == "withdrawn" else withdrawn.is_(None)
        )
    rows, nxt = await _newest_first(session, query, cursor, clamp(limit))
    names = await _account_names(
        session, [i for d, _ in rows for i in (d.approved_by, d.withdrawn_by)]
    )
    return [_office_view(d, town, names) for d, town in rows], nxt


async def read_disclosure(
    session: AsyncSession, actor: Actor, disclosure_id: uuid.UUID | str
) -> DisclosurePublic:
    did = access.as_uuid(disclosure_id, "disclosure")
    row = (
        await session.exec(_with_township().where(col(Disclosure.id) == did, _in_area(actor)))
    ).first()
    if row is None:
        raise NotFound(f"No disclosure {did} in your area.")
    d, town = row
    return _office_view(d, town, await _account_names(session, [d.approved_by, d.withdrawn_by]))


async def list_published(
    session: AsyncSession,
    *,
    township_id: uuid.UUID | None = None,
    violation_type: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[DisclosurePublished], str | None]:
    """Approved, not withdrawn disclosures, newest first (no auth)."""
    path = None
    if township_id is not None:
        path = (
            await session.exec(select(Jurisdiction.path).where(col(Jurisdiction.id) == township_id))
        ).first()
        if path is None:
            return [], None
    query = _filtered(
        _with_township().where(col(Disclosure.withdrawn_at).is_(None)),
        place_path=path,
        violation_type=violation_type,
    )
    rows, nxt = await _newest_first(session, query, cursor, clamp(limit))
    return [DisclosurePublished(**_published(d, town)) for d, town in rows], nxt
