"""Request and response bodies of the enforcement track: filing and extensions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.enforcement import MAX_EXTERNAL_NUMBER, ClockUnit


class FilingCreate(BaseModel):
    note: str = Field(default="", max_length=2000)
    external_number: str | None = Field(default=None, min_length=1,
                                        max_length=MAX_EXTERNAL_NUMBER)
    """The number your own case system gave it; labourwatch then issues none. Unique
    per agency (409 when already used)."""


class HandlingClockPublic(BaseModel):
    days: int
    unit: ClockUnit
    extension: int
    basis: str


class FilingPublic(BaseModel):
    assignment_id: uuid.UUID
    number: str
    external: bool
    filed_at: datetime
    investigate_by: date
    clock: HandlingClockPublic


class ExtensionCreate(BaseModel):
    working_days: int = Field(ge=1, le=30)
    """How many more days (working days for labour; calendar days where the law
    counts so): at most what the agency's clock allows."""
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecision(BaseModel):
    reason: str = Field(default="", max_length=2000)


class ExtensionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assignment_id: uuid.UUID
    days: int
    reason: str
    status: Literal["pending", "approved", "rejected"]
    requested_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    investigate_by_before: date | None
    investigate_by_after: date | None
