"""Staff users and integration service accounts; each belongs to one agency."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from app.models.base import json_column, new_id, ts_column, utcnow


def _version_column() -> Column[int]:
    return Column(Integer, nullable=False, server_default="0")


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    is_active: bool = True
    token_version: int = Field(default=0, sa_column=_version_column())
    """Raised by a deactivation or password change: tokens naming an older one are refused."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ServiceAccount(SQLModel, table=True):
    """An agency system's OAuth2 client; the secret is stored hashed and shown once."""

    __tablename__ = "service_account"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=100)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=255)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    scopes: list[str] = Field(default_factory=list, sa_column=json_column())
    is_active: bool = True
    token_version: int = Field(default=0, sa_column=_version_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
