"""Reference: a bare FastAPI endpoint, the ceiling any endpoint of ours is measured against."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
