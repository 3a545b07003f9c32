"""create_app(): the internal API, the public tip-line, or both in one process.

Run together (the default), the tip-line app is mounted under the internal
one; each keeps its own OpenAPI document, CORS policy and error handling, and
they share one engine through the Runtime.
"""

from __future__ import annotations

import gc
from typing import Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from app.api.contract import describe, offline_app
from app.api.routes import internal_routers
from app.assembly import add_outer_middleware, lifespan_for
from app.config import Settings, get_settings
from app.errors import install_error_handlers
from app.runtime import Runtime
from app.tipline import build_public

Side = Literal["all", "internal", "public"]

DESCRIPTION = (
    "The case system of a campaign against illegal employment (整治非法用工打击违法犯罪专项行动): "
    "employers, signed inspections, routed cases and agency queues, tips, statistics. "
    "Errors are RFC 9457 application/problem+json."
)


def build_internal(runtime: Runtime, *, own_lifespan: bool = True) -> FastAPI:
    settings = runtime.settings
    app = offline_app(
        docs_prefix="",
        title="labourwatch internal API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan_for(runtime) if own_lifespan else None,
    )
    app.state.runtime = runtime
    for router in internal_routers():
        app.include_router(router)
    install_error_handlers(app)
    describe(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Link", "X-Request-ID", "Retry-After"],
        )
    add_outer_middleware(app, settings)
    return app


def create_app(
    settings: Settings | None = None, side: Side = "all", runtime: Runtime | None = None
) -> FastAPI:
    """`runtime` is for tests that bring their own engine; the lifespan then leaves it be."""
    settings = settings or get_settings()
    settings.resolved_secret()  # refuse to start without a usable key
    runtime = runtime or Runtime(settings)
    if side == "public":
        return build_public(runtime, own_lifespan=True)
    internal = build_internal(runtime, own_lifespan=True)
    if side == "internal":
        return internal
    public = build_public(runtime, own_lifespan=False)
    add_outer_middleware(public, settings)
    return Dispatcher(internal, public)  # type: ignore[return-value]


def settle_heap() -> None:
    """Once the app is built in a serving process: what start-up made (modules, routes,
    schemas, mappers: ~240,000 objects) leaves the garbage collector's view for good.

    Each full collection scans every tracked object, and an async server under load
    promotes enough to trigger one every few seconds: ~60-120 ms with the loop held,
    which every request in flight waits out (the p99 of every path, bench/README.md).
    Frozen (`gc.freeze`: moved to the permanent generation), those objects are never
    scanned again; what requests make is collected as before. The cost: a start-up
    object that later becomes part of unreachable cycle stays, once (not a growth).
    Not for the test process, which builds an app per test: its apps must be collectable."""
    gc.collect()
    gc.freeze()


PUBLIC_PREFIXES = ("/public/", "/form", "/status", "/static/")


class Dispatcher:
    """Both sides in one process: the tip-line's paths to the public app, the rest inside.

    A plain prefix split rather than a mount, so each app keeps its own 404/405
    answers, error handling and CORS policy.
    """

    def __init__(self, internal: FastAPI, public: FastAPI) -> None:
        self.internal = internal
        self.public = public

    def openapi(self) -> dict[str, object]:
        return self.internal.openapi()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.internal(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path == "/" or path.startswith(PUBLIC_PREFIXES):
            await self.public(scope, receive, send)
        else:
            await self.internal(scope, receive, send)
