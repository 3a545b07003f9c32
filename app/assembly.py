"""What both apps are assembled from: the lifespan that starts and stops the runtime (and
the audit sealer), and the outer middleware every answer passes through.

Shared by `app.main` (the internal API, or both sides in one process) and `app.tipline`
(the public tip-line alone), so neither imports the other's assembly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from app import auditlog
from app.config import Settings
from app.middleware import BodyLimit, RequestContext
from app.runtime import Runtime

# Paths whose bodies may be as large as an upload (`max_upload_bytes`); every other path
# is held to `max_body_bytes`.
UPLOAD_PATHS = (
    "/api/v1/employers/import",
    "/public/v1/tips",
    "/public/v1/tips/with-attachments",
    "/form",
    "/api/v1/inspections/{id}/attachments",
)


def lifespan_for(runtime: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        sealer = None
        if not runtime.external and runtime.engine is not None:
            sealer = auditlog.Sealer(runtime.engine, runtime.settings.audit_seal_seconds)
            sealer.start()
        try:
            yield
        finally:
            if sealer is not None:
                await sealer.stop()
            await runtime.stop()

    return lifespan


def add_outer_middleware(app: FastAPI, settings: Settings) -> None:
    """Body limits inside, request ids and metrics outermost (they see every answer)."""
    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        uploads={path: settings.max_upload_bytes for path in UPLOAD_PATHS},
    )
    app.add_middleware(RequestContext)
