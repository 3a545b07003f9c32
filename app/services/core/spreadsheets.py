"""Ledger files: CSV streamed in batches (UTF-8 with BOM) and XLSX built write-only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from openpyxl import Workbook
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker

Rows = AsyncIterator[Sequence[Sequence[Any]]]


async def stream_csv_on_own_session(
    sessionmaker: SessionMaker, headers: Sequence[str], rows: Callable[[AsyncSession], Rows]
) -> AsyncIterator[bytes]:
    """A streamed CSV read on its own session (the request's has committed by now),
    the connection handed back to the pool before each batch leaves: a client reading
    a long download slowly then holds none (on SQLite the process has one). The next
    batch starts a new read; keyset pages need no more."""
    async with sessionmaker() as session:

        async def released() -> Rows:
            async for batch in rows(session):
                session.expunge_all()  # loaded values stay readable; nothing is written
                await session.rollback()
                yield batch

        async for chunk in stream_csv(headers, released()):
            yield chunk


async def stream_csv(headers: Sequence[str], batches: Rows) -> AsyncIterator[bytes]:
    """UTF-8 with BOM, so Excel opens the Chinese right; one chunk per batch of rows."""
    yield "\ufeff".encode()
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    async for batch in batches:
        writer.writerows(batch)
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
    if buf.getvalue():
        yield buf.getvalue().encode()


async def build_xlsx(sheet_name: str, headers: Sequence[str], batches: Rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(headers))
    async for batch in batches:
        for row in batch:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
