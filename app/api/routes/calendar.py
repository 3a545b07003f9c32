"""The working-day calendar the legal clocks count over (holidays and 调休)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam

from app.api.deps import MayReferenceRead, MayReferenceWrite, SessionDep
from app.models.calendar import CalendarPublic, CalendarUpdate
from app.services.registry import workdays

router = APIRouter(prefix="/api/v1", tags=["calendar"])

Year = Annotated[int, PathParam(ge=2000, le=2100, description="A year, 2000–2100.")]


@router.get("/calendar/{year}", response_model=CalendarPublic)
async def get_calendar(year: Year, session: SessionDep, actor: MayReferenceRead) -> CalendarPublic:
    """The year's statutory holidays and weekend working days, and where they come from:
    `admin` (set with PUT), `library` (the State Council's notices as packaged), or
    `weekdays` when nobody has described the year yet (Monday to Friday, no holidays)."""
    return await workdays.get_calendar(session, actor, year)


@router.put("/calendar/{year}", response_model=CalendarPublic)
async def set_calendar(
    year: Year,
    body: CalendarUpdate,
    session: SessionDep,
    actor: MayReferenceWrite,
) -> CalendarPublic:
    """Replace the year's holidays and weekend working days; every working-day clock
    computed afterwards counts over them. Dates must lie in the year and working
    weekends must be Saturdays or Sundays (422 otherwise). National: an admin of the
    national (root) jurisdiction only (403 for an admin lower down)."""
    return await workdays.set_calendar(session, actor, year, body)
