"""Inspections (检查): headcount, checklist and findings, written while a draft.

Who may see one: anyone whose jurisdiction subtree holds the employer, plus the
inspector and the members of its team (a township's member of a county team
still sees the team's work). Its `official_misconduct` findings only whom
`case_visibility` allows. Who may write one: its inspector or a member of
its team. A signed inspection is immutable (409); corrections are amendments.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.checklist import flagged_items, headcount_errors, origins_errors
from app.domain.lifecycles import InspectionStatus
from app.domain.permissions import Actor, Permission
from app.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error, unprocessable
from app.models.accounts import User
from app.models.base import utcnow
from app.models.employers import Employer
from app.models.inspection_schemas import Checklist, Headcount, InspectionKind
from app.models.inspections import Finding, Inspection, InspectionSignature, TeamMember
from app.models.reference import Jurisdiction, ViolationType
from app.models.schemas import Location
from app.services.core import access, case_visibility
from app.services.core.pagination import after, clamp, encode_cursor
from app.services.inspections import campaigns

HEADCOUNT_COLUMNS = (
    "total",
    "local",
    "migrant",
    "female",
    "minors_16_18",
    "children_under_16",
    "contracts_signed",
    "migrant_origins",
)


@dataclass(frozen=True, slots=True)
class InspectionDetail:
    inspection: Inspection
    findings: list[Finding]
    signatures: list[tuple[InspectionSignature, User]]
    flags: list[str]

    @property
    def headcount(self) -> dict[str, Any]:
        return {f: getattr(self.inspection, f) for f in HEADCOUNT_COLUMNS}


def check_headcount(headcount: Headcount, loc: Sequence[str | int]) -> dict[str, Any]:
    values = headcount.model_dump()
    origins = values.pop("migrant_origins")
    errors = headcount_errors(values) + origins_errors(origins, values["migrant"])
    if errors:
        raise Unprocessable(
            "The headcount does not add up; see `errors`.",
            errors=[field_error([*loc, f], m) for f, m in errors],
        )
    return {**{k: int(v) for k, v in values.items()}, "migrant_origins": origins or None}


def plain_checklist(checklist: Checklist | None) -> dict[str, Any]:
    return {k.value: v.value for k, v in (checklist or {}).items()}


def visible(actor: Actor) -> ColumnElement[bool]:
    """A condition on Inspection: what the actor may read."""
    conds: list[ColumnElement[bool]] = [
        col(Inspection.jurisdiction_id).in_(access.jurisdiction_ids_in_scope(actor))
    ]
    uid = access.user_id_of(actor)
    if uid is not None:
        conds.append(col(Inspection.inspector_id) == uid)
        conds.append(
            col(Inspection.team_id).in_(
                select(TeamMember.team_id).where(TeamMember.user_id == uid).scalar_subquery()
            )
        )
    return sa.or_(*conds)


async def _employer_place(
    session: AsyncSession, actor: Actor, employer_id: uuid.UUID, towns: Sequence[uuid.UUID] | None
) -> tuple[Employer, Jurisdiction]:
    """With a team, the employer must sit under one of its townships (403); else in scope (404)."""
    row = (
        await session.exec(
            select(Employer, Jurisdiction)
            .join(Jurisdiction, col(Employer.jurisdiction_id) == col(Jurisdiction.id))
            .where(Employer.id == employer_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"No employer {employer_id} in your area.")
    employer, place = row
    if towns is None:
        if not access.in_subtree(actor, place.path):
            raise NotFound(f"No employer {employer_id} in your area.")
        return employer, place
    if not any(f"/{t}/" in place.path for t in towns):
        if not access.in_subtree(actor, place.path):
            raise NotFound(f"No employer {employer_id} in your area.")
        raise Forbidden("This employer is outside your team's townships.")
    return employer, place


async def _team_for(
    session: AsyncSession, actor: Actor, team_id: uuid.UUID, campaign_id: uuid.UUID | None
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """(campaign id, township ids) of a team the actor belongs to."""
    team, towns = await campaigns.get_team(session, actor, team_id)
    if access.user_id_of(actor) not in await campaigns.team_member_ids(session, team.id):
        raise Forbidden("Only a member of this team may inspect for it.")
    if campaign_id is not None and campaign_id != team.campaign_id:
        raise unprocessable(["body", "team_id"], "This team belongs to another campaign.")
    return team.campaign_id, [t.jurisdiction_id for t in towns]


async def create_inspection(
    session: AsyncSession,
    actor: Actor,
    *,
    employer_id: uuid.UUID,
    kind: InspectionKind,
    visited_on: date,
    headcount: Headcount,
    checklist: Checklist | None = None,
    campaign_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    location: Location | None = None,
) -> Inspection:
    access.require(actor, Permission.inspections_write)
    uid = access.user_id_of(actor)
    if uid is None:
        raise Forbidden("Only a person can inspect and sign.")
    counts = check_headcount(headcount, ["body", "headcount"])
    towns: list[uuid.UUID] | None = None
    area: str | None = None
    if team_id is not None:
        campaign_id, towns = await _team_for(session, actor, team_id, campaign_id)
    elif campaign_id is not None:
        area = (await campaigns.get_campaign_row(session, actor, campaign_id))[1].path
    employer, place = await _employer_place(session, actor, employer_id, towns)
    if area is not None and not place.path.startswith(area):
        raise unprocessable(
            ["body", "campaign_id"], "The employer is outside this campaign's area."
        )
    insp = Inspection(
        employer_id=employer.id,
        jurisdiction_id=place.id,
        campaign_id=campaign_id,
        team_id=team_id,
        inspector_id=uid,
        kind=kind.value,
        visited_on=visited_on,
        checklist=plain_checklist(checklist),
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        **counts,
    )
    session.add(insp)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "inspection.create",
        "inspection",
        insp.id,
        after=auditlog.snapshot(insp),
        jurisdiction_path=place.path,
    )
    return insp


async def get_inspection_row(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID, *, for_update: bool = False
) -> Inspection:
    iid = access.as_uuid(inspection_id, "inspection")
    query = select(Inspection).where(Inspection.id == iid, visible(actor))
    if for_update:
        query = query.with_for_update(of=Inspection)
    row = (await session.exec(query)).first()
    if row is None:
        raise NotFound(f"No inspection {iid} in your area.")
    return row


async def require_participant(session: AsyncSession, actor: Actor, insp: Inspection) -> uuid.UUID:
    uid = access.user_id_of(actor)
    if uid is not None and uid == insp.inspector_id:
        return uid
    if (
        uid is not None
        and insp.team_id is not None
        and uid in await campaigns.team_member_ids(session, insp.team_id)
    ):
        return uid
    raise Forbidden("Only the inspector or a member of the inspection's team may do this.")


def require_draft(insp: Inspection) -> None:
    if insp.status == InspectionStatus.signed.value:
        raise Conflict("This inspection is signed and cannot change; file an amendment.")
    if insp.status != InspectionStatus.draft.value:
        raise Conflict("This inspection is submitted and awaiting signatures; it cannot change.")


async def _editable(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID
) -> Inspection:
    access.require(actor, Permission.inspections_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    await require_participant(session, actor, insp)
    require_draft(insp)
    return insp


async def new_finding(
    session: AsyncSession,
    insp: Inspection,
    *,
    violation_type: str,
    description: str,
    workers_affected: int | None,
    amount_owed: Decimal | None,
    loc: Sequence[str | int],
) -> Finding:
    if await session.get(ViolationType, violation_type) is None:
        raise unprocessable([*loc, "violation_type"], f"No violation type {violation_type!r}.")
    finding = Finding(
        inspection_id=insp.id,
        violation_type=violation_type,
        description=description,
        workers_affected=workers_affected,
        amount_owed=amount_owed,
    )
    session.add(finding)
    await session.flush()
    return finding


async def add_finding(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    violation_type: str,
    description: str,
    workers_affected: int | None = None,
    amount_owed: Decimal | None = None,
) -> Finding:
    insp = await _editable(session, actor, inspection_id)
    finding = await new_finding(
        session,
        insp,
        violation_type=violation_type,
        description=description,
        workers_affected=workers_affected,
        amount_owed=amount_owed,
        loc=["body"],
    )
    insp.updated_at = utcnow()
    session.add(insp)
    auditlog.record(
        session, actor, "finding.create", "finding", finding.id, after=auditlog.snapshot(finding)
    )
    return finding


async def update_inspection(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    visited_on: date | None = None,
    headcount: Headcount | None = None,
    checklist: Checklist | None = None,
) -> Inspection:
    insp = await _editable(session, actor, inspection_id)
    before = auditlog.snapshot(insp)
    if headcount is not None:
        for k, v in check_headcount(headcount, ["body", "headcount"]).items():
            setattr(insp, k, v)
    if visited_on is not None:
        insp.visited_on = visited_on
    if checklist is not None:
        insp.checklist = {**insp.checklist, **plain_checklist(checklist)}
    insp.updated_at = utcnow()
    session.add(insp)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "inspection.update",
        "inspection",
        insp.id,
        before=before,
        after=auditlog.snapshot(insp),
    )
    return insp


async def inspection_detail(session: AsyncSession, insp: Inspection) -> InspectionDetail:
    findings = list(
        (
            await session.exec(
                select(Finding)
                .where(Finding.inspection_id == insp.id)
                .order_by(col(Finding.created_at), col(Finding.id))
            )
        ).all()
    )
    sigs = (
        await session.exec(
            select(InspectionSignature, User)
            .join(User, col(InspectionSignature.user_id) == col(User.id))
            .where(InspectionSignature.inspection_id == insp.id)
            .order_by(col(InspectionSignature.signed_at))
        )
    ).all()
    flags = [i.value for i in flagged_items(insp.checklist, [f.violation_type for f in findings])]
    return InspectionDetail(insp, findings, [(s, u) for s, u in sigs], flags)


async def get_inspection(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID
) -> InspectionDetail:
    """Without its `official_misconduct` findings for whom `case_visibility` keeps them
    from (a county's agencies: they may be the officials accused)."""
    access.require(actor, Permission.inspections_read)
    insp = await get_inspection_row(session, actor, inspection_id)
    detail = await inspection_detail(session, insp)
    whole = insp.id in await case_visibility.inspections_seen_whole(session, actor, [insp])
    return replace(detail, findings=case_visibility.shown_findings(detail.findings, whole))


def filtered(actor: Actor, filters: Mapping[str, uuid.UUID | str | None]) -> Any:
    """The scoped select of inspections for list and ledger; township matches its whole subtree."""
    query = select(Inspection).where(visible(actor))
    if filters.get("campaign_id") is not None:
        query = query.where(Inspection.campaign_id == filters["campaign_id"])
    if filters.get("team_id") is not None:
        query = query.where(Inspection.team_id == filters["team_id"])
    if filters.get("status") is not None:
        query = query.where(Inspection.status == filters["status"])
    if filters.get("township_id") is not None:
        query = query.join(
            Jurisdiction, col(Inspection.jurisdiction_id) == col(Jurisdiction.id)
        ).where(col(Jurisdiction.path).contains(f"/{filters['township_id']}/", autoescape=True))
    return query


async def list_inspections(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: Mapping[str, uuid.UUID | str | None],
    cursor: str | None = None,
    limit: int | None = None,
) -> tuple[list[Inspection], str | None]:
    """Newest first, keyset on (created_at, id)."""
    access.require(actor, Permission.inspections_read)
    n = clamp(limit)
    query = (
        filtered(actor, filters)
        .where(
            after(
                [col(Inspection.created_at), col(Inspection.id)],
                cursor,
                [type(utcnow()), uuid.UUID],
                descending=True,
            )
        )
        .order_by(col(Inspection.created_at).desc(), col(Inspection.id).desc())
        .limit(n + 1)
    )
    rows = list((await session.exec(query)).all())
    more = len(rows) > n
    rows = rows[:n]
    return rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
