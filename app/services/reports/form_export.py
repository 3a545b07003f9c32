"""A report on the national form as files laid out like the paper form: a title, the
reporting place and period, the form's two header rows (groups merged over their
columns, lone columns over both rows), one row per site kind, 合计, and which places
below have not submitted. CSV (UTF-8 with a BOM) has the same rows without merges."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.domain.report_form import body_rows, header_rows
from app.domain.stats import defuse
from app.services.reports.submissions import ReportView

HEADER_TOP = 3  # rows 1-2: title and the reporting line


def _lines(view: ReportView) -> tuple[list[list[Any]], list[Any]]:
    t = view.form.template
    latest = view.latest
    state = (
        f"第{latest.version}版，{latest.frozen_by_name}于{latest.frozen_at:%Y-%m-%d %H:%M} UTC 报送"
        if latest
        else "未报送（预览）"
    )
    title = [defuse(f"{view.campaign.name} {t.name}")]
    info = [
        defuse(
            f"填报单位：{view.place.name}　截至：{view.period.end.isoformat()}"
            f"　报送期限：{view.period.due.isoformat()}　{state}"
        )
    ]
    headers, merges = header_rows(t, HEADER_TOP)
    rows: list[list[Any]] = [title, info, *headers, *body_rows(view.form)]
    if view.missing:
        rows.append(["未报送：" + "、".join(defuse(p["name"]) for p in view.missing)])
    return rows, merges


def form_csv(view: ReportView) -> bytes:
    buf = io.StringIO()
    rows, _ = _lines(view)
    csv.writer(buf).writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode()


def form_xlsx(view: ReportView) -> bytes:
    rows, merges = _lines(view)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "统计表"
    width = len(view.form.template.columns) + 1
    for row in rows:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for m in merges:
        sheet.merge_cells(
            start_row=m.first_row,
            start_column=m.first_col,
            end_row=m.last_row,
            end_column=m.last_col,
        )
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = center
    for r in (HEADER_TOP, HEADER_TOP + 1):
        for c in range(1, width + 1):
            sheet.cell(row=r, column=c).alignment = center
            sheet.cell(row=r, column=c).font = Font(bold=True)
    for c in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 10
    sheet.column_dimensions["A"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def form_filename(view: ReportView, ext: str) -> str:
    zh = quote(f"{view.place.name}{view.period.end:%Y%m%d}统计表.{ext}")
    return f"attachment; filename=\"report.{ext}\"; filename*=UTF-8''{zh}"
