"""The public tip-line: its own ASGI app, facing the internet, built on the same services.

Cross-origin posts are allowed from anywhere without credentials, so any
third-party reporting form can send tips; nothing here sets a cookie.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api.contract import describe, offline_app
from app.api.public import public_routers
from app.assembly import add_outer_middleware, lifespan_for
from app.errors import install_error_handlers
from app.runtime import Runtime

DESCRIPTION = (
    "举报 — the public tip-line of the campaign against illegal employment. Anyone may report, "
    "anonymously if they wish; the receipt (回执码) is the only key to the report."
)


def build_public(runtime: Runtime, *, own_lifespan: bool) -> FastAPI:
    app = offline_app(
        docs_prefix="/public",
        title="labourwatch public tip-line",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan_for(runtime) if own_lifespan else None,
        openapi_url="/public/openapi.json",
    )
    app.state.runtime = runtime
    for router in public_routers():
        app.include_router(router)
    install_error_handlers(app)
    describe(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Idempotency-Key"],
    )
    if own_lifespan:
        add_outer_middleware(app, runtime.settings)
    return app
