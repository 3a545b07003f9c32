"""An administrator's description of one year's working days (overrides the library)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from app.domain.workdays import CalendarSource
from app.models.base import json_column, ts_column, utcnow
from app.models.common import Day

MAX_DAYS_LISTED = 366


class WorkCalendarYear(SQLModel, table=True):
    """Dates are stored as ISO strings in a JSON list, read back by the service."""

    __tablename__ = "work_calendar_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: list[str] = Field(default_factory=list, sa_column=json_column())
    working_weekends: list[str] = Field(default_factory=list, sa_column=json_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_by: str = Field(default="", max_length=64)


class CalendarUpdate(BaseModel):
    holidays: list[Day] = PydanticField(default_factory=list, max_length=MAX_DAYS_LISTED)
    """Days off (statutory holidays); weekend days inside a holiday may be listed too."""
    working_weekends: list[Day] = PydanticField(default_factory=list, max_length=MAX_DAYS_LISTED)
    """Saturdays and Sundays that are working days (调休)."""


class CalendarPublic(BaseModel):
    year: int
    holidays: list[date]
    working_weekends: list[date]
    source: CalendarSource
    """`library` (the State Council's notices, as packaged), `admin` (set here), or
    `weekdays` (nobody has described this year yet: Monday to Friday, no holidays)."""
