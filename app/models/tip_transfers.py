"""Transfers of a tip from one office to another (转办), sideways or upward.

The tip's own `scope_path` is what decides who sees it; a transfer row is the record
of who handed it on, to whom and why, and what the tipster is told.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.models.base import new_id, ts_column, utcnow


class TipTransfer(SQLModel, table=True):
    __tablename__ = "tip_transfer"
    __table_args__ = (sa.Index("ix_tip_transfer_tip_at", "tip_id", "transferred_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    from_jurisdiction_id: uuid.UUID | None = Field(default=None, foreign_key="jurisdiction.id")
    from_path: str = Field(max_length=400)
    to_jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    to_path: str = Field(max_length=400)
    to_office: str = Field(max_length=200)
    """The receiving office's name, as the tipster reads it."""
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    transferred_by: str = Field(max_length=64)
    transferred_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    triage_due_at: datetime = Field(sa_column=ts_column())


class TipTransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction_id: uuid.UUID
    reason: str = PField(min_length=2, max_length=2000)


class TipTransferPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tip_id: uuid.UUID
    from_jurisdiction_id: uuid.UUID | None
    to_jurisdiction_id: uuid.UUID
    to_office: str
    reason: str
    transferred_at: datetime
    triage_due_at: datetime
