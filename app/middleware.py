"""Request ids, structured access logs and Prometheus metrics, as one pure ASGI layer.

No client address is logged or kept anywhere: the tip-line promises anonymity,
and the internal API gains nothing from it that the audit log lacks.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id_var

log = logging.getLogger("labourwatch.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REQUESTS = Counter(
    "labourwatch_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
LATENCY = Histogram(
    "labourwatch_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


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
        # Kept in the scope too: a 500 is rendered outside this middleware, after the reset.
        scope.setdefault("state", {})["request_id"] = rid
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
        except RecursionError:
            # A body nested thousands deep overflows any recursive parser: the
            # client's fault (400), not ours, as long as nothing was sent yet.
            if status != 500:
                raise
            status = 400
            await _problem(
                send_with_id, 400, "Bad request", "The request body is nested too deeply."
            )
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "request_id": rid,
                        "method": scope["method"],
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                    },
                )
            request_id_var.reset(token)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length runs over the limit.

    An HTTPException, so FastAPI's body reader lets it through to the problem handler.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")


def _path_pattern(path: str) -> re.Pattern[str]:
    """`/a/{id}/b` → a pattern where `{id}` matches any one path segment."""
    return re.compile("^" + re.sub(r"\\\{[^/]*\\\}", "[^/]+", re.escape(path)) + "$")


class BodyLimit:
    """Refuse request bodies over a limit with 413 problem+json, before reading them.

    Upload paths (imports, tips with attachments, evidence) get their own, larger limit;
    a path's `{name}` segment stands for any one segment (an id).
    """

    def __init__(
        self, app: ASGIApp, *, default: int, uploads: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.uploads = {p: n for p, n in (uploads or {}).items() if "{" not in p}
        self.patterns = [(_path_pattern(p), n) for p, n in (uploads or {}).items() if "{" in p]

    def limit_for(self, path: str) -> int:
        if path in self.uploads:
            return self.uploads[path]
        return next((n for pattern, n in self.patterns if pattern.match(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _problem(
                send,
                413,
                "Request body too large",
                f"The request body is over the limit of {limit} bytes.",
            )
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
