"""Liveness, readiness and metrics, outside the versioned prefix."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.clock import today
from app.errors import ServiceUnavailable
from app.services import workdays

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, str]:
    """The database answers (503 while it does not). `calendar` is `ok`, or a warning
    naming this year or the next when nobody has described its working days yet
    (deadlines then count Monday to Friday): set it with PUT /api/v1/calendar/{year}."""
    runtime = request.app.state.runtime
    try:
        async with runtime.sessionmaker() as session:
            await (await session.connection()).execute(sa.text("SELECT 1"))
            warning = await workdays.calendar_warning(session, today())
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    return {"status": "ok", "database": "ok", "calendar": warning or "ok"}


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
