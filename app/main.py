"""create_app(): the internal API, the public tip-line, or both in one process.

Run together (the default), the tip-line app is mounted under the internal
one; each keeps its own OpenAPI document, CORS policy and error handling, and
they share one engine through the Runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.routes import internal_routers
from app.config import Settings, get_settings
from app.errors import install_error_handlers
from app.middleware import RequestContext
from app.runtime import Runtime

Side = Literal["all", "internal", "public"]

DESCRIPTION = (
    "The case system of a campaign against illegal employment (整治非法用工打击违法犯罪专项行动): "
    "employers, signed inspections, routed cases and agency queues, tips, statistics. "
    "Errors are RFC 9457 application/problem+json."
)


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    return lifespan


def build_internal(runtime: Runtime, *, own_lifespan: bool = True) -> FastAPI:
    settings = runtime.settings
    app = FastAPI(title="labourwatch internal API", version="1.0.0", description=DESCRIPTION,
                  lifespan=_lifespan(runtime) if own_lifespan else None,
                  max_body_size=settings.max_body_bytes)
    app.state.runtime = runtime
    for router in internal_routers():
        app.include_router(router)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=False, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["ETag", "Link", "X-Request-ID", "Retry-After"])
    app.add_middleware(RequestContext)
    return app


def create_app(settings: Settings | None = None, side: Side = "all",
               runtime: Runtime | None = None) -> FastAPI:
    """`runtime` is for tests that bring their own engine; the lifespan then leaves it be."""
    settings = settings or get_settings()
    settings.resolved_secret()  # refuse to start without a usable key
    runtime = runtime or Runtime(settings)
    from app.tipline import build_public

    if side == "public":
        return build_public(runtime, own_lifespan=True)
    app = build_internal(runtime, own_lifespan=True)
    if side == "all":
        app.mount("/", build_public(runtime, own_lifespan=False))
    return app
