"""Request and response schemas of cases, assignments, queues, rectifications, escalations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.lifecycles import (
    ActionType,
    AssignmentStatus,
    CaseStatus,
    RectificationStatus,
)
from app.domain.routing import Role as AssignmentRole
from app.domain.taxonomy import AgencyKind, Severity
from app.models.schemas import ActorKind, AgencyRef, Strict

EscalationKind = Literal["assignment_overdue", "rectification_overdue", "triage_overdue",
                         "declined", "transfer_approval_overdue", "transfer_send_overdue",
                         "transfer_decision_overdue", "case_moved_out", "case_moved_in"]

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


class ActionCreate(Strict):
    type: str = Field(max_length=32, json_schema_extra={"enum": [t.value for t in ActionType]})
    note: str = Field(default="", max_length=4000)
    amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    count: int | None = Field(default=None, ge=0, le=1_000_000)
    deadline: date | None = None
    referral_kind: str | None = Field(default=None, max_length=32)


class FollowUpCreate(Strict):
    visited_on: date
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
    status: AssignmentStatus = Field(description="pending | accepted | concluded | declined | "
                                                 "withdrawn "
                                    "(the case was dismissed before the work was done) | "
                                    "pending_filing (the police owe a decision on a "
                                    "criminal transfer)")
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
        default=None, description="The agency's filing (立案) number, once filed.")
    filed_at: datetime | None = None
    investigate_by: date | None = Field(
        default=None, description="The handling deadline the law gives the agency, from "
                                  "filing (extended when its head approved).")


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
    assignments: list[AssignmentPublic]
    rectifications: list[RectificationPublic]
    timeline: list[TimelineEntry]


class CaseCreated(CasePublic):
    merged: bool = Field(description="true: the employer already had an open case and the "
                                     "violation types were added to it (one open case per "
                                     "employer)")


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
    overdue: bool
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
