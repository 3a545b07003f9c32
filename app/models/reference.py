"""Jurisdictions, agencies, violation types and routing rules: reference data."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow


class Jurisdiction(SQLModel, table=True):
    """A node of the tree province › city › county › township › village.

    `path` is the ids from the root down to this node, each followed by '/', so
    "this node and everything under it" is one indexed prefix match.
    """

    __table_args__ = (
        sa.Index("ix_jurisdiction_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        sa.UniqueConstraint("parent_id", "name", name="uq_jurisdiction_parent_name"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=100)
    level: str = Field(max_length=16)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="jurisdiction.id", index=True)
    path: str = Field(max_length=400)
    depth: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Agency(SQLModel, table=True):
    """A kind of body at one jurisdiction, e.g. 黄骅市公安局 = police @ Huanghua."""

    __table_args__ = (
        sa.UniqueConstraint("kind", "jurisdiction_id", name="uq_agency_kind_jurisdiction"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    jurisdiction_id: uuid.UUID = Field(foreign_key="jurisdiction.id", index=True)
    number_prefix: str | None = Field(default=None, max_length=32)
    """The short prefix of its numbers (e.g. 黄人社监立); unset, its name is used."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ViolationType(SQLModel, table=True):
    __tablename__ = "violation_type"

    code: str = Field(primary_key=True, max_length=64)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    category: str = Field(max_length=32)
    severity: str = Field(max_length=16)


class RoutingRule(SQLModel, table=True):
    """The rule in force for one violation type. Seeding never overwrites an edited one."""

    __tablename__ = "routing_rule"

    violation_type: str = Field(primary_key=True, foreign_key="violation_type.code", max_length=64)
    lead: str = Field(max_length=32)
    also: list[str] = Field(default_factory=list, sa_column=json_column())
    severity: str = Field(max_length=16)
    version: int = 1
    edited: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_by: uuid.UUID | None = None


class RoutingRuleVersion(SQLModel, table=True):
    """Every version a rule has had, so an assignment's `rule_version` can be read back."""

    __tablename__ = "routing_rule_version"

    violation_type: str = Field(primary_key=True, foreign_key="violation_type.code", max_length=64)
    version: int = Field(primary_key=True)
    lead: str = Field(max_length=32)
    also: list[str] = Field(default_factory=list, sa_column=json_column())
    severity: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    created_by: uuid.UUID | None = None
