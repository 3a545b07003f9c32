"""Employers (用人单位) and their licences: the registry inspectors work from."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status

from app.api.deps import MayEmployersRead, MayEmployersWrite, SessionDep
from app.api.idempotency import IdempotencyDep
from app.api.paging import page_of
from app.domain.employer_flags import EmployerFlag
from app.domain.taxonomy import Industry
from app.models.common import Page
from app.models.employers import EmployerCreate, EmployerPublic, EmployerUpdate, ImportResult
from app.services.employers import employer_import, employers

router = APIRouter(prefix="/api/v1", tags=["employers"])

Limit = Annotated[int, Query(ge=1, le=200)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/employers/import/template",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def download_import_template(
    actor: MayEmployersRead, format: Literal["csv", "xlsx"] = "csv"
) -> Response:
    """The employer list template with its Chinese headers (单位名称, 统一社会信用代码, 行业,
    所属辖区, 地址, 用工人数, 营业执照号, 营业执照有效期至, 安全生产许可证号,
    安全生产许可证有效期至). CSV is UTF-8 with a BOM so spreadsheets show the Chinese."""
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        employer_import.import_template(format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="employers-template.{format}"'},
    )


@router.post(
    "/employers/import", response_model=ImportResult, form_limits={"max_files": 1, "max_fields": 8}
)
async def import_employers(
    session: SessionDep,
    actor: MayEmployersWrite,
    file: Annotated[
        UploadFile,
        File(
            description="CSV (UTF-8 or GBK) or XLSX, told by its bytes; "
            "the first row names the columns."
        ),
    ],
) -> ImportResult:
    """Create or update employers from a list, one employer a row.

    An employer is matched on its USCC, or on name + address + 所属辖区 when it
    has none, so importing the same file again creates nothing. 所属辖区 is a
    jurisdiction id or the name of a place in your area; 行业 an industry code or
    its Chinese name (砖窑厂, 煤矿, 矿山, 小作坊, 施工队, 冶炼厂, 物流, 家具厂,
    制造业, 其他). Blank optional cells leave stored values alone. Rows that fail
    are listed in `rejected` with their row number (the header is row 1) and
    reasons; the others are written. Empty file → 422; not CSV/XLSX → 415; more
    than 200,000 rows or an XLSX unpacking past 200 MiB → 413, nothing written."""
    return await employer_import.import_employers(session, actor, file=file.file)


@router.post("/employers", status_code=status.HTTP_201_CREATED, response_model=EmployerPublic)
async def create_employer(
    body: EmployerCreate,
    session: SessionDep,
    actor: MayEmployersWrite,
    idem: IdempotencyDep,
) -> Response:
    """Register an employer in a place of your area. A USCC is optional (a black kiln has
    none); when given it must pass the GB 32100-2015 check (422) and be new: one already
    registered → 409 with `existing_id`. Accepts `Idempotency-Key`."""
    return await idem.respond(201, await employers.create_employer(session, actor, data=body))


@router.get("/employers", response_model=Page[EmployerPublic])
async def list_employers(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayEmployersRead,
    q: Annotated[str | None, Query(max_length=100)] = None,
    uscc: Annotated[str | None, Query(max_length=40)] = None,
    industry: Industry | None = None,
    jurisdiction_id: uuid.UUID | None = None,
    flag: EmployerFlag | None = None,
    not_inspected_in: Annotated[
        uuid.UUID | None,
        Query(description="A campaign id: only employers it has not yet visited."),
    ] = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> Page[EmployerPublic]:
    """Employers in your area, oldest first. `q`: part of the name; `jurisdiction_id`: that
    place and everything under it; `flag`: employers showing that flag today;
    `not_inspected_in`: those the campaign (run in your area or above it; else 404) has not
    visited — no enforcement or follow-up inspection of it submitted or signed (地毯式:
    who is left). Per township and flagged first: `GET /campaigns/{id}/coverage`."""
    rows, nxt = await employers.list_employers(
        session,
        actor,
        q=q,
        uscc=uscc,
        industry=industry,
        jurisdiction_id=jurisdiction_id,
        flag=flag,
        not_inspected_in=not_inspected_in,
        cursor=cursor,
        limit=limit,
    )
    return page_of(EmployerPublic, rows, nxt, request, response)


@router.get("/employers/{employer_id}", response_model=EmployerPublic)
async def get_employer(
    employer_id: uuid.UUID, session: SessionDep, actor: MayEmployersRead
) -> EmployerPublic:
    """One employer with its licences and flags; 404 outside your area."""
    return await employers.view_employer(session, actor, employer_id)


@router.patch("/employers/{employer_id}", response_model=EmployerPublic)
async def update_employer(
    employer_id: uuid.UUID,
    body: EmployerUpdate,
    session: SessionDep,
    actor: MayEmployersWrite,
) -> EmployerPublic:
    """Change the fields sent; `licences`, when sent, replaces the whole set. A new USCC is
    checked like on creation (422, 409)."""
    return await employers.update_employer(session, actor, employer_id, changes=body)
