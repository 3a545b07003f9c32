"""Request ids, structured access logs and Prometheus metrics, as one pure ASGI layer.

No client address is logged or kept anywhere: the tip-line promises anonymity,
and the internal API gains nothing from it that the audit log lacks.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import request_id_var

log = logging.getLogger("labourwatch.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUESTS = Counter("labourwatch_http_requests_total", "HTTP requests",
                   ["method", "route", "status"])
LATENCY = Histogram("labourwatch_http_request_seconds", "HTTP request latency",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode() for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={"request_id": rid, "method": scope["method"],
                                           "route": template, "status": status,
                                           "ms": round(elapsed * 1000, 1)})
            request_id_var.reset(token)
