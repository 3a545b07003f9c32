"""Files sent with a tip: photos (re-encoded, metadata stripped), PDFs, short videos.

Kept in the database next to the tip, so a backup holds them and a tip is
never left pointing at a missing file. The type was decided by the content,
never by the name or the declared type; the name is not kept at all (it may
carry the tipster's name or phone model).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from app.models.base import new_id, ts_column, utcnow


class TipAttachment(SQLModel, table=True):
    __tablename__ = "tip_attachment"
    __table_args__ = (
        sa.UniqueConstraint("tip_id", "position", name="uq_tip_attachment_tip_position"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    position: int
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class TipAttachmentPublic(BaseModel):
    """An attachment as the office lists it; download it from `/attachments/{id}`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    content_type: str
    size: int
    sha256: str
    created_at: datetime
