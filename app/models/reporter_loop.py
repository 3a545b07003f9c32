"""The reporter's loop (回访、评价、重办) and the office's reply templates.

A reporter's answer is one row per tip (`tip_feedback`), changed in place within the
window; every callback the office makes is its own row; an unsatisfied answer opens a
`rehandling_request` that the office decides (reopen or answer with reasons).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow

FeedbackSource = Literal["web", "callback"]
RehandlingStatus = Literal["open", "reopened", "answered", "withdrawn"]


class TipFeedback(SQLModel, table=True):
    """Whether the reporter is satisfied with how the tip was handled. `closed_at` is the
    case's closing the answer was about: a case closed again after re-handling asks anew."""

    __tablename__ = "tip_feedback"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id", unique=True)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id", index=True)
    satisfied: bool
    comment: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    source: str = Field(max_length=16)
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    answered_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class TipCallback(SQLModel, table=True):
    """A callback (回访) the office made to a phone reporter, reached or not."""

    __tablename__ = "tip_callback"
    __table_args__ = (sa.Index("ix_tip_callback_tip_at", "tip_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    reached: bool
    satisfied: bool | None = None
    note: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    recorded_by: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class RehandlingRequest(SQLModel, table=True):
    """A request to handle a tip again (重办), opened by an unsatisfied answer. `scope_path`
    is the tip's, so the office of its area sees it."""

    __tablename__ = "rehandling_request"
    __table_args__ = (
        sa.Index(
            "ix_rehandling_scope_path",
            "scope_path",
            postgresql_ops={"scope_path": "text_pattern_ops"},
        ),
        sa.Index("ix_rehandling_status_due", "status", "due_on"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id", index=True)
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id")
    source: str = Field(max_length=16)
    comment: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    scope_path: str = Field(max_length=400)
    due_on: date
    asked_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    decided_by: str | None = Field(default=None, max_length=64)
    decision_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    reopened_agency_ids: list[str] = Field(default_factory=list, sa_column=json_column())


class ReplyTemplate(SQLModel, table=True):
    """An office's reply template: `{receipt_date}`, `{agency}`, `{expected_date}` filled in."""

    __tablename__ = "reply_template"
    __table_args__ = (sa.UniqueConstraint("agency_id", "name", name="uq_reply_template_name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=100)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    active: bool = True
    created_by: str = Field(max_length=64)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# ---- schemas -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FeedbackIn(_Strict):
    receipt: str = PField(min_length=1, max_length=64)
    satisfied: bool
    comment: str | None = PField(default=None, max_length=1000)


class FeedbackRecorded(BaseModel):
    satisfied: bool
    answered_at: datetime
    changeable_until: datetime
    rehandling: bool = PField(
        description="True when the answer asked the office to handle the tip again (重办)."
    )


class FeedbackAsk(BaseModel):
    """On the status page of a handled tip: the question, and the answer once given."""

    asked: bool = PField(description="True once the tip is handled: are you satisfied?")
    satisfied: bool | None = None
    changeable_until: datetime | None = None
    rehandling: RehandlingStatus | None = PField(
        default=None, description="The re-handling your answer asked for, if any."
    )


class CallbackIn(_Strict):
    reached: bool
    satisfied: bool | None = None
    note: str = PField(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _reached_to_answer(self) -> CallbackIn:
        if self.satisfied is not None and not self.reached:
            raise ValueError("satisfied only when the reporter was reached")
        return self


class CallbackPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tip_id: uuid.UUID
    reached: bool
    satisfied: bool | None
    note: str
    at: datetime
    rehandling_id: uuid.UUID | None = None


class CallbackDue(BaseModel):
    tip_id: uuid.UUID
    case_id: uuid.UUID
    channel: str
    closed_at: datetime
    due_on: date
    overdue: bool
    attempts: int = PField(description="Callbacks made since the case closed, none reaching.")


class RehandlingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tip_id: uuid.UUID
    case_id: uuid.UUID | None
    source: FeedbackSource
    comment: str
    status: RehandlingStatus
    due_on: date
    overdue: bool = False
    asked_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    reopened_agency_ids: list[uuid.UUID]


class RehandlingReopenIn(_Strict):
    reason: str = PField(min_length=1, max_length=2000)
    agency_ids: list[uuid.UUID] | None = PField(
        default=None,
        max_length=32,
        description="The agencies to handle it again; default every agency that concluded.",
    )


class RehandlingAnswerIn(_Strict):
    message: str | None = PField(default=None, min_length=1, max_length=5000)
    template_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _something(self) -> RehandlingAnswerIn:
        if self.message is None and self.template_id is None:
            raise ValueError("give the message or a template_id")
        return self


class ReplyIn(RehandlingAnswerIn):
    """A reply: the text, or a template rendered for the tip (`message` wins if both)."""


class ReplyTemplateCreate(_Strict):
    name: str = PField(min_length=1, max_length=100)
    body: str = PField(min_length=1, max_length=5000)
    active: bool = True


class ReplyTemplateUpdate(_Strict):
    name: str | None = PField(default=None, min_length=1, max_length=100)
    body: str | None = PField(default=None, min_length=1, max_length=5000)
    active: bool | None = None


class ReplyTemplatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    body: str
    active: bool
    placeholders: list[str] = PField(default_factory=list)
    created_at: datetime
    updated_at: datetime


class SatisfactionRow(BaseModel):
    agency_id: uuid.UUID
    agency_name: str
    kind: str
    jurisdiction_id: uuid.UUID
    answered: int
    satisfied: int
    unsatisfied: int
    rate: float | None = PField(description="satisfied / answered; null when none answered")
    rehandling_requests: int


class SatisfactionStats(BaseModel):
    jurisdiction_id: uuid.UUID | None
    since: date | None
    until: date | None
    offices: list[SatisfactionRow]
    agencies: list[SatisfactionRow]
