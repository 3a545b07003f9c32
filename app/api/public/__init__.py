"""The public tip-line's routers (no auth), collected automatically."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import collect


def public_routers() -> list[APIRouter]:
    return collect(__name__, __path__)
