"""The public tip-line's routers (no auth), collected automatically."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import collect

# Matched first: a flood of tips is the tip-line's heaviest load, and FastAPI tries each
# request against every route included before its own (twice: to match, then to handle).
HOT = ("tips",)


def public_routers() -> list[APIRouter]:
    return collect(__name__, __path__, HOT)
