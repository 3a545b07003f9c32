"""Reference: validate a ~600-byte tip and INSERT it with a raw driver, nothing else.

PostgreSQL through an asyncpg pool, or SQLite through aiosqlite, chosen by
REF_DATABASE_URL (postgresql://… or sqlite:///path). This is the floor of what
a tip intake must do; ours is measured as a ratio of it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

URL = os.environ.get("REF_DATABASE_URL", "sqlite:///./ref.db")
DDL = """CREATE TABLE IF NOT EXISTS ref_tip (id TEXT PRIMARY KEY, description TEXT NOT NULL,
         violation_types TEXT NOT NULL, employer_name TEXT, address TEXT)"""


class TipIn(BaseModel):
    description: str = Field(min_length=1, max_length=5000)
    violation_types: list[str] = Field(default_factory=list, max_length=10)
    employer_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)


state: dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if URL.startswith("postgresql"):
        import asyncpg

        pool = await asyncpg.create_pool(URL, min_size=10, max_size=10)
        await pool.execute(DDL)
        state["pg"] = pool
        yield
        await pool.close()
    else:
        import aiosqlite

        conn = await aiosqlite.connect(URL.split("///", 1)[1])
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(DDL)
        state["lite"] = conn
        yield
        await conn.close()


app = FastAPI(lifespan=lifespan)


@app.post("/tips", status_code=201)
async def create_tip(tip: TipIn) -> dict[str, str]:
    tid = str(uuid.uuid4())
    args = (tid, tip.description, ",".join(tip.violation_types), tip.employer_name, tip.address)
    if "pg" in state:
        await state["pg"].execute("INSERT INTO ref_tip VALUES ($1, $2, $3, $4, $5)", *args)
    else:
        conn = state["lite"]
        await conn.execute("INSERT INTO ref_tip VALUES (?, ?, ?, ?, ?)", args)
        await conn.commit()
    return {"id": tid, "status": "received"}
