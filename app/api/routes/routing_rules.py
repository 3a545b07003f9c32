"""The routing table (violation type → lead and also agencies), versioned."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import MayReferenceRead, MayRoutingWrite, SessionDep
from app.models.schemas import RoutingRulePublic, RoutingRuleUpdate
from app.services.registry import routing

router = APIRouter(prefix="/api/v1", tags=["routing-rules"])


@router.get("/routing-rules", response_model=list[RoutingRulePublic])
async def list_routing_rules(
    session: SessionDep, actor: MayReferenceRead
) -> list[RoutingRulePublic]:
    """The rules in force, one per violation type, with their version."""
    return [RoutingRulePublic.model_validate(r) for r in await routing.list_routing_rules(session)]


@router.put("/routing-rules/{violation_type}", response_model=RoutingRulePublic)
async def update_routing_rule(
    violation_type: str,
    body: RoutingRuleUpdate,
    session: SessionDep,
    actor: MayRoutingWrite,
) -> RoutingRulePublic:
    """Replace a rule: a new version. Cases routed before keep the assignments (and the
    rule version) they got; only routing from now on uses the new version. The table is
    national: only an admin of the national (root) jurisdiction may edit it (403 otherwise)."""
    rule = await routing.update_routing_rule(
        session,
        actor,
        violation_type=violation_type,
        lead=body.lead,
        also=body.also,
        severity=body.severity,
    )
    return RoutingRulePublic.model_validate(rule)
