"""The audit log: entries waiting to be chained, the hash chain, and its one-row head.

A write records its entries in `audit_pending`, in its own transaction and
without any shared lock. The sealer (app/auditlog.py) moves them, in batches and
in id order, onto the end of the append-only, hash-chained `audit_entry`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, ts_column, utcnow


class AuditEntry(SQLModel, table=True):
    """One write, chained. `seq` follows sealing order; `hash` covers the entry and `prev_hash`."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_entity", "entity_type", "entity_id"),
        sa.Index("ux_audit_entry_pending_id", "pending_id", unique=True),
    )

    seq: int = Field(
        primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False}
    )
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
    pending_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    """The `audit_pending` row it was sealed from: that row may be deleted only once
    this entry exists (a trigger checks), so no waiting entry vanishes unsealed."""


class AuditHead(SQLModel, table=True):
    """Serialises sealing: a sealer updates this row first, so the chain cannot fork."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: str = Field(default="0" * 64, max_length=64)


class AuditPending(SQLModel, table=True):
    """An entry written by a committed transaction, not yet on the chain.

    The database refuses UPDATE here too; only the sealer deletes, in the same
    transaction that appends the entries to `audit_entry`.
    """

    __tablename__ = "audit_pending"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused: see pending_id

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    )
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=64)
    agency_id: uuid.UUID | None = None
    jurisdiction_path: str | None = Field(default=None, max_length=400)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
