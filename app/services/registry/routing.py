"""The routing table as data: loading it for the pure router, listing and editing it.

The router itself is `app/domain/routing.py`; this module only feeds it the
rules, the employer's jurisdiction path and the agencies on that path.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain import routing
from app.domain.permissions import Actor
from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Severity
from app.errors import Conflict, Forbidden, NotFound
from app.models.base import utcnow
from app.models.reference import Agency, Jurisdiction, RoutingRule, RoutingRuleVersion
from app.services.core import access


async def load_rules(session: AsyncSession) -> dict[str, routing.TypeRule]:
    rows = (await session.exec(select(RoutingRule))).all()
    return {
        r.violation_type: routing.TypeRule(
            r.violation_type,
            AgencyKind(r.lead),
            tuple(AgencyKind(k) for k in r.also),
            Severity(r.severity),
            r.version,
        )
        for r in rows
    }


def path_ids(path: str) -> list[uuid.UUID]:
    return [uuid.UUID(p) for p in path.strip("/").split("/") if p]


async def jurisdiction_path(session: AsyncSession, path: str) -> list[routing.PathPlace]:
    """Root → node, as the router wants it."""
    ids = path_ids(path)
    rows = (await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(ids)))).all()
    by_id = {r.id: r for r in rows}
    return [
        routing.PathPlace(str(i), JurisdictionLevel(by_id[i].level), by_id[i].name)
        for i in ids
        if i in by_id
    ]


async def agencies_on(session: AsyncSession, path: str) -> list[routing.PathAgency]:
    rows = (
        await session.exec(select(Agency).where(col(Agency.jurisdiction_id).in_(path_ids(path))))
    ).all()
    return [routing.PathAgency(str(a.id), AgencyKind(a.kind), str(a.jurisdiction_id)) for a in rows]


async def place_names(session: AsyncSession, paths: Sequence[str]) -> dict[str, str]:
    """Each path's place as a reader says it, from the top (e.g. 沧州市 黄骅市)."""
    ids = {i for p in paths for i in path_ids(p)}
    names = {
        j.id: j.name
        for j in (
            await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(ids)))
        ).all()
    }
    return {p: " ".join(names[i] for i in path_ids(p)[1:] if i in names) or "—" for p in paths}


async def plan(
    session: AsyncSession,
    *,
    violation_types: Sequence[str],
    path: str,
    umbrella: bool,
    existing_agency_ids: Collection[uuid.UUID],
    now: datetime,
) -> list[routing.PlannedAssignment]:
    """The assignments the case still lacks: agencies already on it are left out."""
    rules = await load_rules(session)
    try:
        return routing.plan_assignments(
            violation_types,
            await jurisdiction_path(session, path),
            await agencies_on(session, path),
            rules,
            now=now,
            umbrella=umbrella,
            existing_agency_ids={str(a) for a in existing_agency_ids},
        )
    except routing.NoRouteError as exc:
        raise Conflict(
            f"Nobody can take this case: {exc}. Create a coordinator office for the area first."
        ) from None


async def plan_referral(
    session: AsyncSession,
    *,
    kind: AgencyKind,
    violation_types: Sequence[str],
    severity: Severity,
    path: str,
    restricted: bool,
    head: str,
    existing_agency_ids: Collection[uuid.UUID],
    now: datetime,
) -> routing.PlannedAssignment | None:
    """Where a referral to `kind` goes (`routing.route_referral`); None if that agency is
    already on the case."""
    try:
        return routing.route_referral(
            kind,
            violation_types,
            await jurisdiction_path(session, path),
            await agencies_on(session, path),
            severity,
            now=now,
            restricted=restricted,
            head=head,
            existing_agency_ids={str(a) for a in existing_agency_ids},
        )
    except routing.NoRouteError as exc:
        raise Conflict(f"Nobody can take this referral: {exc}.") from None


async def above_county(session: AsyncSession, path: str, jurisdiction_id: uuid.UUID) -> bool:
    return routing.above_county(await jurisdiction_path(session, path), str(jurisdiction_id))


async def severity_of(session: AsyncSession, violation_types: Sequence[str]) -> Severity:
    return routing.case_severity(violation_types, await load_rules(session))


async def list_routing_rules(session: AsyncSession) -> list[RoutingRule]:
    rows = await session.exec(select(RoutingRule).order_by(col(RoutingRule.violation_type)))
    return list(rows.all())


async def update_routing_rule(
    session: AsyncSession,
    actor: Actor,
    *,
    violation_type: str,
    lead: AgencyKind,
    also: Sequence[AgencyKind],
    severity: Severity,
) -> RoutingRule:
    """A new version of the rule; assignments made under older versions keep theirs.

    The table is one for the whole country, so only an admin of the national (root)
    jurisdiction may edit it: 403 for an admin lower down.
    """
    if not access.is_national(actor):
        raise Forbidden(
            "The routing table is national; only an admin at the national level may change it."
        )
    rule = await session.get(RoutingRule, violation_type, with_for_update=True)
    if rule is None:
        raise NotFound(f"No violation type {violation_type!r}.")
    before = auditlog.snapshot(rule)
    also_kinds = [k.value for k in dict.fromkeys(also) if k is not lead]
    rule.version += 1
    rule.lead, rule.also, rule.severity = lead.value, also_kinds, severity.value
    rule.edited, rule.updated_at = True, utcnow()
    rule.updated_by = uuid.UUID(actor.id) if actor.kind == "user" else None
    session.add(rule)
    session.add(
        RoutingRuleVersion(
            violation_type=violation_type,
            version=rule.version,
            lead=rule.lead,
            also=also_kinds,
            severity=rule.severity,
            created_by=rule.updated_by,
        )
    )
    await session.flush()
    auditlog.record(
        session,
        actor,
        "routing_rule.update",
        "routing_rule",
        violation_type,
        before=before,
        after=auditlog.snapshot(rule),
    )
    return rule


async def transfer_police(session: AsyncSession, path: str, *, restricted: bool) -> uuid.UUID:
    """Where a criminal transfer goes (`routing.route_transfer`); 409 if nowhere."""
    found = routing.route_transfer(
        await jurisdiction_path(session, path),
        await agencies_on(session, path),
        restricted=restricted,
    )
    if found is None:
        raise Conflict(
            "No police agency at county level or above"
            + (" outside the employer's county" if restricted else "")
            + " can receive this transfer."
        )
    return uuid.UUID(found.id)
