"""Request and response bodies of the enforcement track: filing, extensions, transfers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.enforcement import MAX_EXTERNAL_NUMBER, ClockUnit


class FilingCreate(BaseModel):
    note: str = Field(default="", max_length=2000)
    external_number: str | None = Field(default=None, min_length=1, max_length=MAX_EXTERNAL_NUMBER)
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


MAX_TRANSFER_DOCUMENTS = 20
TransferState = Literal["pending_approval", "rejected", "approved", "sent", "filed", "not_filed"]


class TransferCreate(BaseModel):
    facts: str = Field(min_length=1, max_length=20000)
    """The suspected crime as found: who, what, when, the evidence (移送书's 涉嫌犯罪事实)."""
    document_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_TRANSFER_DOCUMENTS)
    """The case's documents sent with it (inquiry records, the 涉嫌犯罪案件移送书)."""


class TransferReject(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class TransferSend(BaseModel):
    note: str = Field(default="", max_length=2000)


class TransferFilingDecision(BaseModel):
    filed: bool
    reason: str = Field(default="", max_length=2000)
    """Required when not filed (第8条: the police tell the transferring agency why)."""


class TransferPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    assignment_id: uuid.UUID
    agency_id: uuid.UUID
    police_assignment_id: uuid.UUID | None
    police_agency_id: uuid.UUID | None
    restricted: bool
    status: TransferState
    facts: str
    document_ids: list[uuid.UUID]
    due_at: datetime | None
    """The deadline of the step it waits for (approval, sending, the police decision)."""
    overdue: bool = False
    requested_at: datetime
    approve_by: datetime
    decided_at: datetime | None
    rejection_reason: str | None
    send_by: datetime | None
    sent_at: datetime | None
    decide_by: datetime | None
    filed: bool | None
    filing_decided_at: datetime | None
    filing_reason: str | None
    basis: str
