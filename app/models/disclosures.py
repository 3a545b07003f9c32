"""Published results (公开): a closed case the office approved for the public, redacted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.schemas import Strict

_ACTIVE = "withdrawn_at IS NULL"


class Disclosure(SQLModel, table=True):
    """What the public sees of one closed case; everything is copied at approval time,
    already redacted, so later edits to the case never leak through. At most one
    approved, not withdrawn, disclosure per case (partial unique index)."""

    __table_args__ = (
        sa.Index(
            "uq_disclosure_active_case",
            "case_id",
            unique=True,
            sqlite_where=sa.text(_ACTIVE),
            postgresql_where=sa.text(_ACTIVE),
        ),
        sa.Index("ix_disclosure_approved", "approved_at", "id"),
        sa.Index(
            "ix_disclosure_path",
            "jurisdiction_path",
            postgresql_ops={"jurisdiction_path": "text_pattern_ops"},
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    employer_name: str = Field(max_length=200)
    township_id: uuid.UUID | None = Field(default=None, foreign_key="jurisdiction.id")
    jurisdiction_path: str = Field(max_length=400)
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    violation_codes: str = Field(default=",", max_length=2000)
    """The codes as ",a,b," so one LIKE filters on both backends."""
    summary_public: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    closed_on: date
    approved_by: str = Field(max_length=64)
    approved_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    withdrawn_by: str | None = Field(default=None, max_length=64)
    withdrawn_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))


class DisclosureCreate(Strict):
    summary_public: str = PField(min_length=1, max_length=4000)
    """What was found and done, in the office's words; redacted again before publishing."""
    approve: bool


class DisclosureWithdraw(Strict):
    reason: str = PField(default="", max_length=1000)


class DisclosureOutcome(BaseModel):
    fines: int = 0
    fines_amount: Decimal = Decimal("0")
    suspensions: int = 0
    licences_revoked: int = 0
    sites_closed: int = 0
    criminal_cases_filed: int = 0
    wages_recovered_amount: Decimal = Decimal("0")
    wages_recovered_workers: int = 0
    children_rescued: int = 0
    persons_repatriated: int = 0


class ViolationTypeName(BaseModel):
    code: str
    name_zh: str


class PlaceRef(BaseModel):
    id: uuid.UUID
    name: str


class DisclosurePublished(BaseModel):
    """One published result as the public sees it."""

    id: uuid.UUID
    employer_name: str
    township: PlaceRef | None
    violation_types: list[ViolationTypeName]
    summary: str
    outcome: DisclosureOutcome
    closed_on: date
    published_at: datetime


DisclosureStatus = Literal["published", "withdrawn"]


class DisclosurePublic(DisclosurePublished):
    """The office's view: the public one plus who approved it and, once withdrawn, who
    took it down and why. `approved_by` / `withdrawn_by` are account ids; the `_name`
    fields are the account's display name (null when the account is gone)."""

    model_config = ConfigDict(from_attributes=True)

    case_id: uuid.UUID
    status: DisclosureStatus
    approved_by: str
    approved_by_name: str | None = None
    approved_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_by_name: str | None = None
    withdrawn_reason: str | None = None
