"""The statistics table as files: CSV (UTF-8 with BOM) and XLSX, with the Chinese headers."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from openpyxl import Workbook

from app.domain.stats import spreadsheet_rows
from app.services.reports.stats import StatsTable


def _rows(table: StatsTable) -> list[list[object]]:
    names = [f"{r.name}（本级）" if r.own else r.name for r in table.rows]
    return spreadsheet_rows(names, [r.figures for r in table.rows], table.total, table.hidden)


def stats_csv(table: StatsTable) -> bytes:
    """UTF-8 with a BOM so a spreadsheet reads the Chinese; formula-like cells defused."""
    buf = io.StringIO()
    csv.writer(buf).writerows(_rows(table))
    return ("\ufeff" + buf.getvalue()).encode()


def stats_xlsx(table: StatsTable) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("统计表")
    for row in _rows(table):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stats_filename(table: StatsTable, ext: str) -> str:
    """A Content-Disposition value: an ASCII name plus the Chinese one (RFC 6266)."""
    zh = quote(f"{table.place.name}{table.campaign.starts_on:%Y%m%d}统计表.{ext}")
    return f"attachment; filename=\"stats.{ext}\"; filename*=UTF-8''{zh}"
