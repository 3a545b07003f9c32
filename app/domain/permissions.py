"""Who may do what: the role → permission table and the actor every service receives.

Scope (which rows an actor may see) is not here: it follows from the actor's
agency and jurisdiction and is applied in one place, `app/services/core/access.py`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from app.domain.taxonomy import AgencyKind, Role


class Permission(StrEnum):
    reference_read = "reference:read"
    reference_write = "reference:write"
    routing_write = "routing:write"
    accounts_write = "accounts:write"
    employers_read = "employers:read"
    employers_write = "employers:write"
    campaigns_read = "campaigns:read"
    campaigns_write = "campaigns:write"
    inspections_read = "inspections:read"
    inspections_write = "inspections:write"
    cases_read = "cases:read"
    cases_write = "cases:write"
    queue_read = "queue:read"
    queue_write = "queue:write"
    tips_read = "tips:read"
    tips_write = "tips:write"
    tips_triage = "tips:triage"
    tips_contact = "tips:contact"
    stats_read = "stats:read"
    stats_write = "stats:write"
    audit_read = "audit:read"
    disclosures_write = "disclosures:write"
    enforcement_approve = "enforcement:approve"
    persons_write = "persons:write"
    persons_reveal = "persons:reveal"
    publicity_read = "publicity:read"
    publicity_write = "publicity:write"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(
        {
            P.reference_read,
            P.reference_write,
            P.routing_write,
            P.accounts_write,
            P.employers_read,
            P.employers_write,
            P.campaigns_read,
            P.campaigns_write,
            P.inspections_read,
            P.cases_read,
            P.stats_read,
            P.audit_read,
            P.publicity_read,
        }
    ),
    Role.coordinator: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.employers_write,
            P.campaigns_read,
            P.campaigns_write,
            P.inspections_read,
            P.cases_read,
            P.cases_write,
            P.queue_read,
            P.queue_write,
            P.tips_read,
            P.tips_write,
            P.tips_triage,
            P.tips_contact,
            P.stats_read,
            P.stats_write,
            P.audit_read,
            P.disclosures_write,
            P.persons_write,
            P.persons_reveal,
            P.publicity_read,
            P.publicity_write,
        }
    ),
    Role.inspector: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.employers_write,
            P.campaigns_read,
            P.inspections_read,
            P.inspections_write,
            P.cases_read,
            P.persons_write,
            P.publicity_read,
            P.publicity_write,
        }
    ),
    Role.agency_officer: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.cases_read,
            P.queue_read,
            P.queue_write,
            P.tips_write,
            P.persons_write,
            P.persons_reveal,
            P.publicity_read,
            P.publicity_write,
        }
    ),
    # 负责人: an agency officer who also approves what the law reserves to the head
    # (extensions of the handling clock, transfers to the police).
    Role.agency_lead: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.cases_read,
            P.queue_read,
            P.queue_write,
            P.tips_write,
            P.enforcement_approve,
            P.persons_write,
            P.persons_reveal,
            P.publicity_read,
            P.publicity_write,
        }
    ),
    Role.auditor: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.campaigns_read,
            P.inspections_read,
            P.cases_read,
            P.stats_read,
            P.audit_read,
            P.publicity_read,
        }
    ),
    # A service account's permissions are its scopes, never more than this.
    Role.service: frozenset(
        {
            P.reference_read,
            P.employers_read,
            P.employers_write,
            P.cases_read,
            P.queue_read,
            P.queue_write,
            P.stats_read,
            P.tips_write,
            P.inspections_read,
        }
    ),
}

SERVICE_SCOPES: frozenset[str] = frozenset(p.value for p in ROLE_PERMISSIONS[Role.service])

STAFF_ROLES: tuple[Role, ...] = (
    Role.admin,
    Role.coordinator,
    Role.inspector,
    Role.agency_officer,
    Role.agency_lead,
    Role.auditor,
)


ActorKind = Literal["user", "service", "public", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller as every service sees it.

    `agency_id` and `jurisdiction_id` are UUIDs, as the records they are compared with.
    `id` stays text: it names the system ("system") and the public ("public") as well
    as accounts, and it is what an audit entry's `actor_id` and a record's `*_by` hold;
    an account's own UUID is `access.user_id_of(actor)`."""

    kind: ActorKind
    id: str
    name: str
    role: Role
    agency_id: uuid.UUID | None
    agency_kind: AgencyKind | None
    jurisdiction_id: uuid.UUID | None
    jurisdiction_path: str | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    username: str = ""
    agency_name: str = ""
    jurisdiction_name: str = ""

    @property
    def permissions(self) -> frozenset[Permission]:
        granted = ROLE_PERMISSIONS.get(self.role, frozenset())
        if self.role is Role.service:
            return frozenset(p for p in granted if p.value in self.scopes)
        return granted

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def records_publicity(self) -> bool:
        """Publicity work (宣传发动) is recorded by the office and by a township's own staff
        (a township government's people: the township does its own publicity, documents
        four and five); another agency's staff hold `publicity:write` only for that."""
        if not self.can(Permission.publicity_write):
            return False
        return self.role is Role.coordinator or self.agency_kind is AgencyKind.township

    @property
    def is_office(self) -> bool:
        """The leading-group office (and admins) see every case in their subtree."""
        return self.role in (Role.admin, Role.coordinator, Role.auditor)


SYSTEM_ACTOR = Actor(
    kind="system",
    id="system",
    name="labourwatch",
    role=Role.admin,
    agency_id=None,
    agency_kind=None,
    jurisdiction_id=None,
    jurisdiction_path=None,
)
PUBLIC_ACTOR = Actor(
    kind="public",
    id="public",
    name="public",
    role=Role.service,
    agency_id=None,
    agency_kind=None,
    jurisdiction_id=None,
    jurisdiction_path=None,
)
