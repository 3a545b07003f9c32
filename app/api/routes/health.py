"""Liveness, readiness and metrics, outside the versioned prefix."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, str]:
    """The database answers. 503 while it does not."""
    try:
        engine = request.app.state.runtime.engine
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
