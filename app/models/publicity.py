"""Publicity work (宣传发动): leaflets handed out, consultations given, meetings held, ….

The documents count it (发放宣传资料 份, 法律咨询 人次) and their summaries tell it
(设立举报信箱，公开举报电话 …); an entry is one such piece of work at one place.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from annotated_types import Interval
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.models.base import new_id, ts_column, utcnow
from app.models.common import MAX_COUNT, Day
from app.models.schemas import Strict


class PublicityKind(StrEnum):
    leaflets = "leaflets"  # 发放宣传资料 (份)
    consultation = "consultation"  # 法律咨询 (人次)
    media = "media"  # 广播、电视、报纸报道 (次)
    training = "training"  # 培训 (人次)
    meeting = "meeting"  # 动员会、座谈会 (次)
    signs = "signs"  # 标语、公开栏、举报箱 (处)


class Publicity(SQLModel, table=True):
    """`jurisdiction_path` is the place's materialised path: reads are scoped by prefix."""

    __table_args__ = (
        sa.Index("ix_publicity_campaign_path", "campaign_id", "jurisdiction_path"),
        sa.Index("ix_publicity_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaign.id")
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id")
    jurisdiction_path: str = Field(max_length=400)
    on: date
    kind: str = Field(max_length=16)
    count: int
    place: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class PublicityCreate(Strict):
    on: Day
    kind: PublicityKind
    count: Annotated[int, Interval(ge=1, le=MAX_COUNT)] = PField(
        description="份 of leaflets, 人次 of consultations and trainings, 次 of media reports "
        "and meetings, 处 of signs."
    )
    place: str = PField(default="", max_length=200, description="Where: 集市, 村委会, 砖窑厂 ….")
    note: str = PField(default="", max_length=2000)
    jurisdiction_id: uuid.UUID | None = PField(
        default=None, description="The place it was done for; defaults to your own."
    )


class PublicityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    jurisdiction_id: uuid.UUID
    on: date
    kind: PublicityKind
    count: int
    place: str
    note: str
    created_by: str
    created_at: datetime
