"""The internal API's routers, one module per resource, collected automatically."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def collect(package: str, path: list[str]) -> list[APIRouter]:
    routers = []
    for mod in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{mod.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


def internal_routers() -> list[APIRouter]:
    return collect(__name__, __path__)
