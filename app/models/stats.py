"""Signed-off statistics (统计表 签字确认): figures frozen for a campaign, place and period;
and the tallies of signed inspections the live table is read from.

Also the indexes the statistics queries need on other resources' tables; they
are declared here so the models and the 0006 revision stay in step.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.domain.taxonomy import JurisdictionLevel
from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.inspections import Inspection
from app.models.schemas import Strict
from app.models.tips import Tip


class StatsSignoff(SQLModel, table=True):
    """Once signed, GET /stats serves `figures` (rows, total, columns) instead of live numbers."""

    __tablename__ = "stats_signoff"
    __table_args__ = (
        sa.UniqueConstraint(
            "campaign_id",
            "jurisdiction_id",
            "period_start",
            "period_end",
            name="uq_stats_signoff_period",
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", index=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    period_start: date
    period_end: date
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    signed_by: str = Field(max_length=64)
    signed_by_name: str = Field(max_length=200)
    signed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class StatsEmployerTally(SQLModel, table=True):
    """One employer's counted inspections in a campaign and a place, tallied as each is sealed.

    Counted means signed and not replaced by a signed amendment. The latest of them (by
    visit, then signature time, then id) is copied with its headcount: a signed inspection
    never changes. Kept by `services/inspections/stats_tally.py`, never written anywhere else.
    """

    __tablename__ = "stats_employer_tally"

    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", primary_key=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", primary_key=True)
    employer_id: uuid.UUID = Field(foreign_key="employer.id", primary_key=True)
    inspection_id: uuid.UUID = Field(foreign_key="inspection.id")
    visited_on: date
    signed_at: datetime = Field(sa_column=ts_column())
    total: int
    local: int
    migrant: int
    minors_16_18: int
    children_under_16: int
    contracts_signed: int
    with_findings: int  # counted inspections with at least one finding
    staff_turnout: int  # signatures on the signed originals (an amendment is not a visit)


class StatsFindingTally(SQLModel, table=True):
    """Findings of the counted inspections, by campaign, place and violation type."""

    __tablename__ = "stats_finding_tally"

    campaign_id: uuid.UUID = Field(foreign_key="campaign.id", primary_key=True)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", primary_key=True)
    violation_type: str = Field(foreign_key="violation_type.code", primary_key=True, max_length=64)
    findings: int


# The statistics read inspections by campaign and tips by date window: over years of
# campaigns and tips these are small slices. (Findings, actions and rectifications are
# reached through the existing per-inspection and per-case indexes.)
sa.Index(
    "ix_inspection_campaign_status",
    Inspection.campaign_id,  # type: ignore[arg-type]
    Inspection.status,
    Inspection.jurisdiction_id,  # type: ignore[arg-type]
)
sa.Index("ix_tip_received", Tip.received_at)  # type: ignore[arg-type]


# ---- schemas -------------------------------------------------------------------------------


class StatsSignoffIn(Strict):
    campaign_id: uuid.UUID
    jurisdiction_id: uuid.UUID | None = PField(
        default=None, description="Defaults to your own jurisdiction."
    )


class StatsColumnPublic(BaseModel):
    key: str
    label_zh: str


class StatsPlace(BaseModel):
    id: uuid.UUID
    name: str
    level: JurisdictionLevel


class StatsCampaign(BaseModel):
    id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date


class StatsRowPublic(BaseModel):
    jurisdiction: StatsPlace
    own: bool = PField(description="True for what lies on the place itself, not in a child.")
    figures: dict[str, int | str]


class SignedOff(BaseModel):
    by: str
    by_id: str
    at: datetime


class StatsTablePublic(BaseModel):
    """Money figures are strings with two decimals (exact); every other figure is an int."""

    campaign: StatsCampaign
    jurisdiction: StatsPlace
    rows: list[StatsRowPublic]
    total: dict[str, int | str]
    columns: list[StatsColumnPublic]
    signed_off: SignedOff | None
