"""Request and response schemas of cases, assignments, queues, rectifications, escalations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.clocks import Clock
from app.domain.lifecycles import (
    ActionType,
    AssignmentStatus,
    CaseStatus,
    RectificationStatus,
)
from app.domain.routing import Role as AssignmentRole
from app.domain.taxonomy import AgencyKind, Severity
from app.models.common import Count, Day
from app.models.documents import DocumentPublic
from app.models.persons import PersonTotals
from app.models.schemas import ActorKind, AgencyRef, Strict

EscalationKind = Literal[
    "assignment_overdue",
    "handling_overdue",
    "rectification_overdue",
    "triage_overdue",
    "declined",
    "transfer_approval_overdue",
    "transfer_send_overdue",
    "transfer_decision_overdue",
    "case_moved_out",
    "case_moved_in",
    "handover_overdue",
    "report_missing",
    "callback_overdue",
    "rehandling_overdue",
]

Text = Field(min_length=1, max_length=4000)


class CaseCreate(Strict):
    employer_id: uuid.UUID
    violation_types: list[str] = Field(min_length=1, max_length=40)
    description: str = Field(min_length=1, max_length=4000)


class CaseClose(Strict):
    summary: str = Text


class CaseReason(Strict):
    reason: str = Text


class CaseReroute(Strict):
    assignment_id: uuid.UUID
    agency_id: uuid.UUID
    reason: str = Text


class AssignmentDecline(Strict):
    reason: str = Text


class AssignmentConclude(Strict):
    summary: str = Text


class AssignmentUpdate(Strict):
    owner_id: uuid.UUID | None = Field(
        description="An active user of the assignment's agency; null: nobody owns it."
    )


class ActionCreate(Strict):
    type: str = Field(max_length=32, json_schema_extra={"enum": [t.value for t in ActionType]})
    note: str = Field(default="", max_length=4000)
    amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    count: Count | None = None
    deadline: Day | None = None
    referral_kind: str | None = Field(default=None, max_length=32)


class FollowUpCreate(Strict):
    visited_on: Day
    corrected: bool
    note: str = Field(default="", max_length=4000)


class EscalationHandle(Strict):
    note: str = Field(default="", max_length=4000)


class EmployerBrief(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str | None = None
    industry: str | None = None
    jurisdiction_id: uuid.UUID | None = None
    address: str | None = None


class CaseFinding(BaseModel):
    id: uuid.UUID
    violation_types: list[str]
    summary: str
    workers_affected: int | None
    amount_owed: Decimal | None
    inspection_finding_id: uuid.UUID | None


class AssignmentPublic(BaseModel):
    id: uuid.UUID
    agency: AgencyRef
    role: AssignmentRole = Field(description="lead | also")
    status: AssignmentStatus = Field(
        description="pending | accepted | concluded | declined | "
        "withdrawn "
        "(the case was dismissed before the work was done) | "
        "pending_filing (the police owe a decision on a "
        "criminal transfer)"
    )
    due_at: datetime = Field(description="Deadline to accept.")
    reason: str = Field(description="Which rule and violation type put it there.")
    overdue: bool
    rule_version: int
    violation_types: list[str]
    accepted_at: datetime | None
    concluded_at: datetime | None
    conclusion: str | None
    declined_reason: str | None
    rerouted_to: uuid.UUID | None
    created_at: datetime
    case_number: str | None = Field(
        default=None, description="The agency's filing (立案) number, once filed."
    )
    filed_at: datetime | None = None
    investigate_by: date | None = Field(
        default=None,
        description="The handling deadline the law gives the agency, from "
        "filing (extended when its head approved).",
    )
    owner_id: uuid.UUID | None = Field(
        default=None, description="The officer of the agency who owns it, if anyone does."
    )
    overdue_clocks: list[Clock] = Field(
        default_factory=list, description="Every clock that has run out: accept, handling, rectify."
    )


class RectificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID
    ordered_on: date
    deadline: date
    status: RectificationStatus = Field(description="ordered | corrected | escalated")
    corrected_on: date | None


class TimelineEntry(BaseModel):
    at: datetime
    action: str
    entity_type: str
    entity_id: str
    actor_type: ActorKind
    actor_id: str | None
    agency_id: uuid.UUID | None


class CasePublic(BaseModel):
    id: uuid.UUID
    status: CaseStatus = Field(description="open | in_progress | closed | dismissed")
    severity: Severity
    employer: EmployerBrief
    violation_types: list[str]
    description: str
    umbrella: bool
    opened_at: datetime
    closed_at: datetime | None
    summary: str | None
    reason: str | None
    findings: list[CaseFinding]
    tip_ids: list[uuid.UUID]
    persons: PersonTotals | None = Field(
        default=None,
        description="The persons on the case in figures (GET /cases/{id}/persons for the "
        "list): for the office and the labour, civil affairs, police and union agencies "
        "on the case; null for others and when none is recorded.",
    )
    assignments: list[AssignmentPublic]
    rectifications: list[RectificationPublic]
    timeline: list[TimelineEntry]


class CaseCreated(CasePublic):
    merged: bool = Field(
        description="true: the employer already had an open case and the "
        "violation types were added to it (one open case per "
        "employer)"
    )


class CaseSummary(BaseModel):
    id: uuid.UUID
    status: CaseStatus
    severity: Severity
    employer: EmployerBrief
    violation_types: list[str]
    opened_at: datetime
    closed_at: datetime | None
    overdue: bool = Field(description="An assignment is past its deadline to accept.")
    declined: int = Field(description="Declined assignments waiting to be re-routed.")


class QueueCase(BaseModel):
    id: uuid.UUID
    status: CaseStatus
    severity: Severity
    employer: EmployerBrief
    violation_types: list[str]
    opened_at: datetime


class QueueItem(BaseModel):
    id: uuid.UUID
    role: AssignmentRole
    status: AssignmentStatus
    due_at: datetime
    overdue: bool = Field(description="Pending past `due_at`, the deadline to accept.")
    overdue_clocks: list[Clock] = Field(
        description="Every clock that has run out: accept, handling (past `investigate_by`), "
        "rectify (an ordered rectification past its deadline)."
    )
    owner_id: uuid.UUID | None = Field(description="The officer who owns it, if anyone does.")
    investigate_by: date | None = Field(
        description="Filed assignments: the last day to investigate (China's date)."
    )
    reason: str
    violation_types: list[str]
    restricted: bool
    created_at: datetime
    updated_at: datetime
    case: QueueCase


class AssignmentState(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    agency_id: uuid.UUID
    role: AssignmentRole
    status: AssignmentStatus
    due_at: datetime
    reason: str
    version: int
    accepted_at: datetime | None
    concluded_at: datetime | None
    declined_reason: str | None
    owner_id: uuid.UUID | None = None


class ActionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID
    case_id: uuid.UUID
    type: ActionType
    note: str
    amount: Decimal | None
    count: int | None
    deadline: date | None
    referral_kind: AgencyKind | None
    created_at: datetime
    rectification: RectificationPublic | None = None
    document: DocumentPublic | None = None
    """The 责令改正指令书 a `rectification_order` issued."""


class FollowUpPublic(BaseModel):
    id: uuid.UUID
    rectification: RectificationPublic
    visited_on: date
    corrected: bool
    note: str
    created_at: datetime


class EscalationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: EscalationKind
    subject_id: uuid.UUID
    case_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    detail: str
    deadline_at: datetime
    created_at: datetime
    handled_at: datetime | None
    note: str | None


class OverdueCounts(BaseModel):
    accept: int = Field(description="Pending past the deadline to accept.")
    handling: int = Field(description="Filed and still accepted after `investigate_by`.")
    rectify: int = Field(description="With a rectification it ordered past its deadline.")


class AgencyAccountability(BaseModel):
    agency: AgencyRef
    jurisdiction_id: uuid.UUID
    open: int = Field(description="Assignments pending or accepted on open cases.")
    overdue: OverdueCounts
    overdue_total: int = Field(description="Open assignments past a clock, per clock summed.")
    escalations_30d: int = Field(description="Escalations about its work in the last 30 days.")


class Accountability(BaseModel):
    jurisdiction_id: uuid.UUID
    as_of: datetime
    items: list[AgencyAccountability]
