"""The change feed, webhook endpoints and the delivery outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.domain.lifecycles import AssignmentStatus, CaseStatus
from app.domain.routing import Role as AssignmentRole
from app.domain.taxonomy import Severity
from app.models.base import json_column, new_id, ts_column, utcnow
from app.models.schemas import Strict

ChangeKind = Literal[
    "created",
    "accepted",
    "declined",
    "concluded",
    "rerouted",
    "action",
    "transfer",
    "updated",
    "due_soon",
]


class FeedHead(SQLModel, table=True):
    """One row: the last sequence number given out. Updated first when a transaction
    writes feed entries, so its row lock orders the writers and seq follows commit order."""

    __tablename__ = "feed_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))


class AssignmentChange(SQLModel, table=True):
    """Append-only: one row per change to one agency's assignment, `seq` in commit order."""

    __tablename__ = "assignment_change"
    __table_args__ = (sa.Index("ix_assignment_change_agency_seq", "agency_id", "seq"),)

    seq: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", index=True)
    case_id: uuid.UUID = Field(foreign_key="case.id")
    change: str = Field(max_length=16)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    secret: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    """The signing secret, encrypted with the webhook key."""
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    deleted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class WebhookOutbox(SQLModel, table=True):
    """A message waiting for, or done with, delivery. Written in the transaction that made
    the change, so a change is announced if and only if it committed."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (sa.Index("ix_webhook_outbox_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id", index=True)
    event_id: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    delivered_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class WebhookCreate(Strict):
    url: str = PField(min_length=8, max_length=2000)
    description: str = PField(default="", max_length=500)


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    url: str
    description: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str
    """`whsec_…`: shown once; verify each delivery's `webhook-signature` with it."""


class ChangeAssignment(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    role: AssignmentRole
    status: AssignmentStatus
    due_at: datetime
    violation_types: list[str]
    restricted: bool
    reason: str
    employer_name: str
    case_status: CaseStatus
    severity: Severity
    updated_at: datetime
    owner_id: uuid.UUID | None = None


class ChangePublic(BaseModel):
    seq: int
    assignment_id: uuid.UUID
    case_id: uuid.UUID
    change: ChangeKind
    at: datetime
    assignment: ChangeAssignment


class ChangeFeed(BaseModel):
    items: list[ChangePublic]
    next_since: int
    """Send it back as `since` for the next page; equal to `since` when nothing is new."""
