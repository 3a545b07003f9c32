"""Stored first responses of retried writes (Idempotency-Key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.base import json_column, ts_column, utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    principal: str = Field(primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: Any = Field(default=None, sa_column=json_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(index=True))
