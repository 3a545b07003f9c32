"""Campaigns (专项行动), their phases and teams (检查组), inspections, signatures, findings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow


class Campaign(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", index=True)
    starts_on: date
    ends_on: date
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    # the reporting rhythm (app/domain/report_periods.py); None: no periodic reports
    reporting: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))


class CampaignPhase(SQLModel, table=True):
    __tablename__ = "campaign_phase"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "phase", name="uq_campaign_phase"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", index=True)
    phase: str = Field(max_length=32)
    starts_on: date
    ends_on: date


class Team(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("campaign_id", "name", name="uq_team_campaign_name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", index=True)
    name: str = Field(max_length=100)
    leader_id: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    team_id: uuid.UUID = Field(foreign_key="team.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True)


class TeamTownship(SQLModel, table=True):
    __tablename__ = "team_township"

    team_id: uuid.UUID = Field(foreign_key="team.id", primary_key=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", primary_key=True)


class Inspection(SQLModel, table=True):
    """`jurisdiction_id` is the employer's at the time of the visit; reads are scoped by it.

    `case_id` has no foreign key on purpose: the case tables belong to the case
    service and the link is written once, at the last signature.
    """

    __table_args__ = (
        sa.Index("ix_inspection_created", "created_at", "id"),
        sa.Index("ix_inspection_campaign_team", "campaign_id", "team_id"),
        # Coverage: which employers a campaign has (not) visited.
        sa.Index("ix_inspection_campaign_employer", "campaign_id", "employer_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id", index=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", index=True)
    campaign_id: uuid.UUID | None = Field(default=None, foreign_key="campaign.id")
    team_id: uuid.UUID | None = Field(default=None, foreign_key="team.id", index=True)
    inspector_id: uuid.UUID = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=16, index=True)
    visited_on: date
    total: int
    local: int
    migrant: int
    female: int
    minors_16_18: int
    children_under_16: int
    contracts_signed: int
    # Migrant workers by home province (四川: 5), as the summaries tell them; None: not asked.
    migrant_origins: dict[str, int] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )
    checklist: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    required_signer_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    amends_id: uuid.UUID | None = Field(default=None, foreign_key="inspection.id", index=True)
    amendment_reason: str | None = Field(default=None, max_length=2000)
    case_id: uuid.UUID | None = Field(default=None, index=True)
    lat: float | None = None
    lon: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    submitted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    signed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class InspectionSignature(SQLModel, table=True):
    __tablename__ = "inspection_signature"
    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "user_id", name="uq_inspection_signature_user"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id", index=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id")
    signed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Finding(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id", index=True)
    violation_type: str = Field(foreign_key="violation_type.code", max_length=64)
    description: str = Field(max_length=4000)
    workers_affected: int | None = None
    amount_owed: Decimal | None = Field(
        default=None, sa_column=sa.Column(sa.Numeric(14, 2), nullable=True)
    )
    case_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class InspectionAttachment(SQLModel, table=True):
    """Evidence (证据): a photo, recording or document exactly as received.

    Unlike a tipster's photo nothing is stripped: the metadata (time, place, device)
    is part of the record. `sha256` is on the audit chain, so a later change to the
    bytes shows. `finding_id` ties it to one finding (an `official_misconduct` one
    hides it as the finding is hidden)."""

    __tablename__ = "inspection_attachment"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id", index=True)
    finding_id: uuid.UUID | None = Field(default=None, foreign_key="finding.id")
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    note: str = Field(default="", max_length=500)
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    uploaded_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class InspectionInterview(SQLModel, table=True):
    """An inquiry record (询问笔录) of one person, taken by at least two inspectors."""

    __tablename__ = "inspection_interview"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id", index=True)
    finding_id: uuid.UUID | None = Field(default=None, foreign_key="finding.id")
    person_ref: str | None = Field(default=None, max_length=100)
    record: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    sha256: str = Field(max_length=64)
    interviewer_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    recorded_by: uuid.UUID = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
