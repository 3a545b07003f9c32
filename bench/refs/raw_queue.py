"""Reference: an agency's queue page by keyset with raw asyncpg, no ORM, no auth.

The same page the app's GET /api/v1/queue answers (oldest first, each assignment
with its case and employer name, 50 a page), as one query on an asyncpg pool.
REF_DATABASE_URL (postgresql://…) and REF_AGENCY_ID choose the data.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import FastAPI
from fastapi.responses import Response

URL = os.environ.get("REF_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AGENCY = uuid.UUID(os.environ.get("REF_AGENCY_ID", str(uuid.UUID(int=0))))
PAGE = """
SELECT a.id, a.role, a.status, a.due_at, a.reason, a.violation_types, a.restricted,
       a.created_at, a.updated_at, c.id AS case_id, c.status AS case_status, c.severity,
       c.violation_types AS case_types, c.opened_at, e.id AS employer_id, e.name
FROM assignment a JOIN "case" c ON c.id = a.case_id JOIN employer e ON e.id = c.employer_id
WHERE a.agency_id = $1
ORDER BY a.created_at, a.id
LIMIT $2
"""
state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    state["pg"] = await asyncpg.create_pool(URL, min_size=10, max_size=10)
    yield
    await state["pg"].close()


app = FastAPI(lifespan=lifespan)


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


@app.get("/queue")
async def queue_page(limit: int = 50) -> Response:
    rows = await state["pg"].fetch(PAGE, AGENCY, limit + 1)
    items = [
        {
            "id": _plain(r["id"]),
            "role": r["role"],
            "status": r["status"],
            "due_at": _plain(r["due_at"]),
            "reason": r["reason"],
            "violation_types": json.loads(r["violation_types"]),
            "restricted": r["restricted"],
            "created_at": _plain(r["created_at"]),
            "updated_at": _plain(r["updated_at"]),
            "case": {
                "id": _plain(r["case_id"]),
                "status": r["case_status"],
                "severity": r["severity"],
                "violation_types": json.loads(r["case_types"]),
                "opened_at": _plain(r["opened_at"]),
                "employer": {"id": _plain(r["employer_id"]), "name": r["name"]},
            },
        }
        for r in rows[:limit]
    ]
    nxt = str(rows[limit]["id"]) if len(rows) > limit else None
    return Response(json.dumps({"items": items, "next_cursor": nxt}), media_type="application/json")
