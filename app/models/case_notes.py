"""Notes on a case for the agencies on it: what a tipster added later (补充举报).

A note never holds who the tipster is: the text is masked (their name, phone
numbers, ID numbers) before it is stored, and photos are the tip's cleaned copies.
`restricted` notes come from a protective-umbrella (保护伞) allegation and are read
only by those who see the case whole (`services/core/case_visibility.py`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow

NoteKind = Literal["tipster_followup"]


class CaseNote(SQLModel, table=True):
    __tablename__ = "case_note"
    __table_args__ = (sa.Index("ix_case_note_case_at", "case_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id")
    kind: str = Field(max_length=32)
    tip_id: uuid.UUID | None = Field(default=None, foreign_key="tip.id")
    message: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    attachment_ids: list[str] = Field(default_factory=list, sa_column=json_column())
    violation_types: list[str] = Field(default_factory=list, sa_column=json_column())
    """Types the note named that the case did not have yet (added to it)."""
    restricted: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class CaseNoteAttachment(BaseModel):
    id: uuid.UUID
    content_type: str
    size: int
    sha256: str


class CaseNotePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    case_id: uuid.UUID
    kind: NoteKind
    tip_id: uuid.UUID | None
    message: str
    violation_types: list[str]
    attachments: list[CaseNoteAttachment] = []
    created_at: datetime
