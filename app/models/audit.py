"""The append-only, hash-chained audit log and its one-row head."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, ts_column, utcnow


class AuditEntry(SQLModel, table=True):
    """One write. `seq` follows commit order; `hash` covers the entry and `prev_hash`."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    seq: int = Field(primary_key=True, sa_type=sa.BigInteger,
                     sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=64)
    agency_id: uuid.UUID | None = None
    jurisdiction_path: str | None = Field(default=None, max_length=400, index=True)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """Serialises appends: every writer updates this row first.

    So `seq` and the chain follow commit order, and the chain cannot fork.
    """

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: str = Field(default="0" * 64, max_length=64)
