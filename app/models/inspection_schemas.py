"""Request and response schemas of campaigns, teams and inspections (no tables here)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.checklist import ChecklistItem, ItemStatus
from app.domain.lifecycles import InspectionStatus
from app.domain.taxonomy import AgencyKind
from app.models.common import Count, Day
from app.models.schemas import Location, Strict


class Phase(StrEnum):
    publicity = "publicity"
    self_check = "self_check"
    enforcement = "enforcement"
    rectification = "rectification"


class InspectionKind(StrEnum):
    self_check = "self_check"
    enforcement = "enforcement"
    follow_up = "follow_up"


class PhaseIn(Strict):
    phase: Phase
    starts_on: Day
    ends_on: Day


class CampaignCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    jurisdiction_id: uuid.UUID
    starts_on: Day
    ends_on: Day
    phases: list[PhaseIn] = Field(default_factory=list, max_length=4)


class PhasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    phase: Phase
    starts_on: date
    ends_on: date


class CampaignPublic(BaseModel):
    id: uuid.UUID
    name: str
    jurisdiction_id: uuid.UUID
    starts_on: date
    ends_on: date
    phases: list[PhasePublic]
    created_at: datetime


class TeamCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    leader_id: uuid.UUID
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    township_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class TeamMemberPublic(BaseModel):
    id: uuid.UUID
    display_name: str
    agency_id: uuid.UUID
    agency_kind: AgencyKind


class TeamPublic(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    name: str
    leader_id: uuid.UUID
    members: list[TeamMemberPublic]
    township_ids: list[uuid.UUID]


Province = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class Headcount(Strict):
    """用工人数. Consistency (local + migrant = total, the rest ≤ total) is the service's check."""

    total: Count
    local: Count
    migrant: Count
    female: Count = 0
    minors_16_18: Count = 0
    children_under_16: Count = 0
    contracts_signed: Count = 0
    migrant_origins: dict[Province, Count] | None = Field(
        default=None,
        max_length=40,
        description='Migrant workers by home province (籍贯), e.g. {"四川": 5}; at most '
        "`migrant` in all. The drafted summary says 其中四川籍民工5人 from it.",
    )


Checklist = dict[ChecklistItem, ItemStatus]


class FindingCreate(Strict):
    violation_type: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=4000)
    workers_affected: Count | None = None
    amount_owed: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class InspectionFinding(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    violation_type: str
    description: str
    workers_affected: int | None
    amount_owed: Decimal | None
    case_id: uuid.UUID | None
    created_at: datetime


class InspectionCreate(Strict):
    employer_id: uuid.UUID
    campaign_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    kind: InspectionKind
    visited_on: Day
    headcount: Headcount
    checklist: Checklist = Field(default_factory=dict)
    location: Location | None = Field(default=None, description="Where the visit took place.")


class InspectionUpdate(Strict):
    visited_on: Day | None = None
    headcount: Headcount | None = None
    checklist: Checklist | None = None


class InspectionSubmit(Strict):
    present_member_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=100)


class AmendmentCreate(Strict):
    reason: str = Field(min_length=1, max_length=2000)
    headcount: Headcount | None = None
    checklist: Checklist | None = None
    findings: list[FindingCreate] | None = Field(default=None, max_length=100)


class SignaturePublic(BaseModel):
    user_id: uuid.UUID
    display_name: str
    signed_at: datetime


class InspectionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    employer_id: uuid.UUID
    campaign_id: uuid.UUID | None
    team_id: uuid.UUID | None
    kind: InspectionKind
    status: InspectionStatus
    visited_on: date
    amends_id: uuid.UUID | None
    case_id: uuid.UUID | None
    created_at: datetime


class InspectionPublic(InspectionSummary):
    jurisdiction_id: uuid.UUID
    inspector_id: uuid.UUID
    headcount: Headcount
    checklist: dict[str, str]
    flags: list[str] = Field(description="not_compliant checklist items with no related finding")
    findings: list[InspectionFinding]
    required_signer_ids: list[uuid.UUID]
    signatures: list[SignaturePublic]
    amendment_reason: str | None
    location: Location | None = None
    submitted_at: datetime | None
    signed_at: datetime | None


class EvidencePublic(BaseModel):
    """A piece of evidence as listed; download its bytes from `.../attachments/{id}`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    inspection_id: uuid.UUID
    finding_id: uuid.UUID | None
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the bytes as received; on the audit chain.")
    note: str
    uploaded_by: uuid.UUID
    created_at: datetime


class InterviewCreate(Strict):
    person_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description=(
            "Who was asked, as the record names them (a worker number, a person on the case); "
            "never an ID number."
        ),
    )
    record: str = Field(min_length=1, max_length=50_000, description="The inquiry record's text.")
    interviewer_ids: list[uuid.UUID] = Field(
        min_length=2,
        max_length=10,
        description=("At least two inspectors on the inspection (劳动保障监察条例 第16条)."),
    )
    finding_id: uuid.UUID | None = None


class InterviewPublic(BaseModel):
    id: uuid.UUID
    inspection_id: uuid.UUID
    finding_id: uuid.UUID | None
    person_ref: str | None
    record: str
    sha256: str
    interviewer_ids: list[uuid.UUID]
    recorded_by: uuid.UUID
    created_at: datetime
