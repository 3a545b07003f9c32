"""The committed contract files in openapi/, and the code that writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.config import Settings
from app.main import create_app

DOCUMENTS = {"internal.json": "internal", "public.json": "public"}


def documents(settings: Settings) -> dict[str, dict[str, Any]]:

    return {
        name: create_app(settings, side=side).openapi()  # type: ignore[arg-type]
        for name, side in DOCUMENTS.items()
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_documents(out: Path, settings: Settings) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, doc in documents(settings).items():
        path = out / name
        path.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written
