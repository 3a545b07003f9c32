"""Schemas of the audit log's read side."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.models.schemas import ActorKind


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor_type: ActorKind
    actor_id: str | None
    agency_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None
