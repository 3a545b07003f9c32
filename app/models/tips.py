"""Tips (举报) and what is said about them: replies, internal notes, follow-ups.

Neither the receipt nor the tipster's contact is ever stored in clear: the
receipt as a keyed hash (the key lives outside the database), the contact
AES-GCM-encrypted with the tip's id as associated data, so a blob copied onto
another tip does not decrypt.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.domain.lifecycles import TipStatus
from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.reporter_loop import FeedbackAsk

Channel = Literal["web", "phone", "letter", "visit", "mailbox"]
OperatorChannel = Literal["phone", "letter", "visit", "mailbox"]
Decision = Literal["open_case", "link_case", "reject", "duplicate"]
MessageKind = Literal["reply", "note", "followup"]


class Tip(SQLModel, table=True):
    """`scope_path` is the jurisdiction path the tip is visible under: its place's,
    or (no place given) the top coordinator office's, which can hand it down."""

    __table_args__ = (
        sa.Index("ix_tip_status_received", "status", "received_at", "id"),
        sa.Index(
            "ix_tip_scope_path", "scope_path", postgresql_ops={"scope_path": "text_pattern_ops"}
        ),
        sa.Index("uq_tip_external_ref", "external_system", "external_id", unique=True),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    receipt_hash: str = Field(max_length=64, unique=True, index=True)
    idempotency_hash: str | None = Field(default=None, max_length=64, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=16)
    kind: str = Field(
        default="report", max_length=16, sa_column_kwargs={"server_default": "report"}
    )
    """`report` (举报) or `complaint` (投诉, a worker's own: 5 working days to accept)."""
    status: str = Field(default="received", max_length=16)
    description: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    employer_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    jurisdiction_id: uuid.UUID | None = Field(default=None, foreign_key="jurisdiction.id")
    scope_path: str = Field(max_length=400)
    contact: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    received_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    triage_due_at: datetime = Field(sa_column=ts_column())
    triaged_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id", index=True)
    employer_id: uuid.UUID | None = Field(default=None, foreign_key="employer.id")
    duplicate_of: uuid.UUID | None = Field(default=None, foreign_key="tip.id")
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    needs_attention: bool = False
    contact_erased_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    external_system: str | None = Field(default=None, max_length=32)
    """Where the tip came from outside (a 12345 centre, a mini-program), with its id there:
    unique per system (`services/tipline/external_refs.py`)."""
    external_id: str | None = Field(default=None, max_length=64)
    public_status: str | None = Field(default=None, max_length=16)
    """The public status last told by the `tip.status_changed` webhook (`tip_events`)."""


class TipMessage(SQLModel, table=True):
    """`reply` is shown to the tipster, `note` never is, `followup` came from the tipster."""

    __tablename__ = "tip_message"
    __table_args__ = (sa.Index("ix_tip_message_tip_at", "tip_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    kind: str = Field(max_length=16)
    message: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    author_id: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    template_id: uuid.UUID | None = None
    """The reply template a reply was written from (app/models/reporter_loop.py)."""


# ---- schemas -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(_Strict):
    name: str | None = PField(default=None, max_length=100)
    phone: str | None = PField(default=None, max_length=40)


class TipKind(StrEnum):
    report = "report"  # 举报: about a workplace, by anyone
    complaint = "complaint"  # 投诉: a worker's own rights, accepted or refused in 5 working days


class TipSubmission(_Strict):
    """What anyone may send: the public body of a tip."""

    kind: TipKind = PField(
        default=TipKind.report,
        description="`report` (举报, the default) or `complaint` (投诉: a worker's own, "
        "accepted or refused within 5 working days).",
    )
    description: str = PField(min_length=1, max_length=5000)
    violation_types: list[str] = PField(default_factory=list, max_length=32)
    employer_name: str = PField(default="", max_length=200)
    address: str = PField(default="", max_length=300)
    jurisdiction_id: uuid.UUID | None = None
    contact: ContactIn | None = None


class ExternalRef(_Strict):
    """The tip's number in the system it came from, e.g. a 12345 work order."""

    system: str = PField(min_length=1, max_length=32, description='e.g. "12345"')
    id: str = PField(min_length=1, max_length=64, description="its number there (工单号)")


class TipCreate(TipSubmission):
    """A hotline call, letter, visit or mailbox note typed in by an operator, or a work
    order from another channel (`external_ref`)."""

    channel: OperatorChannel
    external_ref: ExternalRef | None = PField(
        default=None, description="Unique per system: a second tip with it is a 409."
    )


class TipReceipt(BaseModel):
    receipt: str = PField(description="回执码. Shown once: only a keyed hash is kept.")
    status: TipStatus = TipStatus.received


class TipCreated(TipReceipt):
    id: uuid.UUID
    channel: Channel
    triage_due_at: datetime
    external_ref: ExternalRef | None = None


class TipPublic(BaseModel):
    """A tip as the office sees it. The contact is never part of it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: Channel
    kind: TipKind = TipKind.report
    status: TipStatus
    description: str
    violation_types: list[str]
    employer_name: str
    address: str
    jurisdiction_id: uuid.UUID | None
    received_at: datetime
    triage_due_at: datetime
    overdue: bool = False
    needs_attention: bool
    triaged_at: datetime | None
    case_id: uuid.UUID | None
    employer_id: uuid.UUID | None
    duplicate_of: uuid.UUID | None
    reason: str | None
    external_ref: ExternalRef | None = None


class TipMessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: MessageKind
    message: str
    at: datetime
    template_id: uuid.UUID | None = None


class EmployerSuggestion(BaseModel):
    id: uuid.UUID
    name: str
    address: str
    score: float


class DuplicateSuggestion(BaseModel):
    id: uuid.UUID
    employer_name: str
    address: str
    received_at: datetime
    score: float


class TipDetail(TipPublic):
    messages: list[TipMessagePublic]
    likely_employers: list[EmployerSuggestion]
    likely_duplicates: list[DuplicateSuggestion]


class TriageIn(_Strict):
    decision: Decision
    employer_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    duplicate_of: uuid.UUID | None = None
    violation_types: list[str] | None = PField(default=None, max_length=32)
    reason: str | None = PField(default=None, max_length=2000)


class MessageIn(_Strict):
    message: str = PField(min_length=1, max_length=5000)


class ContactRevealIn(_Strict):
    reason: str = PField(min_length=5, max_length=1000)


class ContactOut(BaseModel):
    name: str | None = None
    phone: str | None = None
    erased_at: datetime | None = None


class AssignJurisdictionIn(_Strict):
    jurisdiction_id: uuid.UUID


class ReceiptIn(_Strict):
    receipt: str = PField(min_length=1, max_length=64)


class FollowupIn(ReceiptIn):
    message: str = PField(min_length=1, max_length=5000)
    violation_types: list[str] = PField(default_factory=list, max_length=32)


class FollowupReceived(BaseModel):
    status: Literal["received"] = "received"
    at: datetime


class PublicReply(BaseModel):
    at: datetime
    message: str


class TipNotice(BaseModel):
    """Something the tipster is told in plain words: the tip went to another office
    (`transferred`), or the handling period was extended (`extended`)."""

    at: datetime
    kind: Literal["transferred", "extended"]
    message: str
    expected_by: date | None = None


class TipStatusPublic(BaseModel):
    status: Literal["received", "investigating", "handled", "rejected"]
    status_label: str
    submitted_at: datetime
    replies: list[PublicReply]
    outcome: str | None
    feedback: FeedbackAsk = PField(
        default_factory=lambda: FeedbackAsk(asked=False),
        description="Once handled: are you satisfied? Answer at POST /public/v1/tips/feedback.",
    )
    notices: list[TipNotice] = []
