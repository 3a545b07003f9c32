"""The public tip-line's routers (no auth), listed.

The order is the order FastAPI tries them: tips first (a flood of tips is the
tip-line's heaviest load, and each request is tried against every route included
before its own), then by name.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.public import disclosures, feedback, form, reference, tips


def public_routers() -> list[APIRouter]:
    return [tips.router, disclosures.router, feedback.router, form.router, reference.router]
