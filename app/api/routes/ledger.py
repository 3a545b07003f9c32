"""Ledger exports (台帐): cases with their assignments, actions and rectifications."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from app.api.deps import MayCasesRead, ReportSessionDep, ReportSessionmakerDep
from app.models.common import Day
from app.services.cases import case_ledger
from app.services.cases.case_ledger import LedgerFilters

router = APIRouter(prefix="/api/v1", tags=["ledger"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/ledger/cases",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def export_case_ledger(
    session: ReportSessionDep,
    actor: MayCasesRead,
    reports: ReportSessionmakerDep,
    format: Literal["csv", "xlsx"] = "csv",
    status: str | None = None,
    opened_from: Annotated[Day | None, Query(alias="from")] = None,
    opened_to: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """The case ledger (案件台帐) as a file with Chinese headers, oldest case first.

    One row per assignment and action, with the rectification an order created
    on the order's row. Scoped exactly like GET /cases (a local agency sees the
    cases it holds a share of, without protective-umbrella shares); `from`/`to`
    bound the day a case was opened (China time). No tipster data is included.
    CSV is UTF-8 with a BOM and streamed; cells starting with = + - @ are
    prefixed with ' so a spreadsheet does not run them. Read from the streaming
    replica when one is configured (`X-Read-From`, `X-Replica-Lag`)."""
    filters = LedgerFilters(status=status, opened_from=opened_from, opened_to=opened_to)
    case_ledger.check_filters(actor, filters)
    name = quote("案件台帐") + f".{format}"
    disposition = f"attachment; filename=\"cases.{format}\"; filename*=UTF-8''{name}"
    if format == "xlsx":
        data = await case_ledger.ledger_xlsx(session, actor, filters)
        return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
    return StreamingResponse(
        case_ledger.stream_ledger_csv(reports, actor, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
