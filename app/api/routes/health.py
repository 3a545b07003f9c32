"""Liveness, readiness and metrics, outside the versioned prefix."""

from __future__ import annotations

import hmac
import ipaddress

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import SettingsDep
from app.clock import today
from app.config import Settings
from app.errors import Forbidden, ServiceUnavailable
from app.services.registry import workdays

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


def may_read_metrics(request: Request, settings: Settings) -> bool:
    """The right bearer token (LABOURWATCH_METRICS_TOKEN) from anywhere, or a client
    address in LABOURWATCH_METRICS_ALLOW.

    A request that names a forwarded client while no proxy is trusted came through a
    proxy nobody configured: its peer address is the proxy's, so it is refused.
    """
    token = settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.get_secret_value().encode()
        ):
            return True
    if not settings.trusted_proxies and (
        "x-forwarded-for" in request.headers or "forwarded" in request.headers
    ):
        return False
    try:
        ip = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in settings.metrics_networks())


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics of this process, for the addresses and token configured."""
    if not may_read_metrics(request, settings):
        raise Forbidden(
            "Metrics are served to LABOURWATCH_METRICS_ALLOW addresses or with "
            "LABOURWATCH_METRICS_TOKEN only."
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
