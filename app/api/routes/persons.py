"""Persons on a case (涉案人员): workers owed wages, children and vulnerable persons rescued."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import StreamingResponse

from app.api.deps import (
    MayCasesRead,
    MayInspectionsRead,
    MayPersonsReveal,
    MayPersonsWrite,
    SessionDep,
    SettingsDep,
    get_runtime,
)
from app.models.persons import (
    AftercareCreate,
    DocumentsReturned,
    HandoverCreate,
    PaymentCreate,
    PersonCreate,
    PersonList,
    PersonPublic,
    PersonReveal,
    PersonRevealed,
    PersonRole,
    PersonUpdate,
    RosterResult,
)
from app.runtime import Runtime
from app.services.cases import (
    person_ledger,
    person_payments,
    person_views,
    persons,
    roster_import,
)
from app.services.inspections import inspection_roster

router = APIRouter(prefix="/api/v1", tags=["persons"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/cases/{case_id}/persons", status_code=201, response_model=PersonPublic)
async def add_person(
    case_id: uuid.UUID,
    body: PersonCreate,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayPersonsWrite,
) -> PersonPublic:
    """Record a worker, child or vulnerable person on the case (201). The ID number is
    checked (GB 11643 check character; 422 `id_number` when wrong) and gives the birth
    date, sex and home province; an age under 16 — from the ID number, the birth date or
    the estimated `age` — makes the person `role: "child"` whatever was sent
    (`flagged_child: true` then). The ID number and phone are stored encrypted and shown
    masked. 409 if the person is on the case already (same ID number, or same name and
    birth date). Agencies on the case that do not work with people get 404."""
    person = await persons.add_person(session, actor, settings=settings, case_id=case_id, data=body)
    return await person_views.person_public(session, person)


@router.get("/cases/{case_id}/persons", response_model=PersonList)
async def list_persons(
    case_id: uuid.UUID,
    session: SessionDep,
    actor: MayCasesRead,
    role: PersonRole | None = None,
) -> PersonList:
    """The persons on the case, identity masked, each with owed, paid and outstanding, and
    the case's totals (owed, paid by source, outstanding, not yet handed over). Seen by
    the office and by labour, civil affairs, police and union on the case; any other
    agency gets 404."""
    return await person_views.list_persons(session, actor, case_id, role=role)


@router.post(
    "/cases/{case_id}/persons/import",
    response_model=RosterResult,
    form_limits={"max_files": 1, "max_fields": 8},
)
async def import_roster(
    case_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayPersonsWrite,
    file: Annotated[
        UploadFile,
        File(description="CSV (UTF-8 or GBK) or XLSX; the first row names the columns."),
    ],
) -> RosterResult:
    """Import a worker roster (花名册), one person a row. Columns: 姓名 (required),
    身份证号, 人员类别 (工人/童工/需救助人员), 性别, 出生日期, 年龄, 籍贯, 联系电话,
    欠薪金额, 欠薪期间, 备注. Checked like a single person; rows that fail come back in
    `rejected` with their row number (the header is row 1) and reasons, the rest go in.
    A rerun adds no one twice (same ID number, or same name and birth date → `unchanged`).
    Empty → 422; not CSV/XLSX → 415; too large → 413, nothing written."""
    return await roster_import.import_roster(
        session, actor, settings=settings, case_id=case_id, file=file.file
    )


@router.post(
    "/inspections/{inspection_id}/persons/import",
    response_model=RosterResult,
    form_limits={"max_files": 1, "max_fields": 8},
)
async def import_inspection_roster(
    inspection_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayPersonsWrite,
    file: Annotated[
        UploadFile,
        File(description="CSV (UTF-8 or GBK) or XLSX; the first row names the columns."),
    ],
) -> RosterResult:
    """The inspection's roster (逐人核查), by its inspector or team while it is open (409
    once signed); columns and rules as for a case's roster. When signing files the
    inspection's case, its persons join that case."""
    return await inspection_roster.import_inspection_roster(
        session, actor, settings=settings, inspection_id=inspection_id, file=file.file
    )


@router.get("/inspections/{inspection_id}/persons", response_model=PersonList)
async def list_inspection_persons(
    inspection_id: uuid.UUID, session: SessionDep, actor: MayInspectionsRead
) -> PersonList:
    """The inspection's roster, identity masked: for the office, the inspection's own
    inspector and team, and labour, civil affairs, police and union; others get 404."""
    return await inspection_roster.list_inspection_persons(session, actor, inspection_id)


@router.get(
    "/ledger/persons",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
async def export_person_ledger(
    session: SessionDep,
    actor: MayCasesRead,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    format: Literal["csv", "xlsx"] = "csv",
    case_id: uuid.UUID | None = None,
) -> Response:
    """The wage-clearance ledger (工资清算台账): one row per person on the cases whose
    persons you see (or on `case_id`), with owed, paid by the employer, the advance fund
    (财政垫付) and the wage guarantee, outstanding and why, hand-over and ID documents
    returned. ID numbers and phones masked. CSV is UTF-8 with a BOM and streamed; cells
    starting with = + - @ are prefixed with ' so a spreadsheet does not run them."""
    name = quote("工资清算台账") + f".{format}"
    disposition = f"attachment; filename=\"wage-ledger.{format}\"; filename*=UTF-8''{name}"
    if format == "xlsx":
        data = await person_ledger.ledger_xlsx(session, actor, case_id)
        return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
    assert runtime.sessionmaker is not None
    return StreamingResponse(
        person_ledger.stream_ledger_csv(runtime.sessionmaker, actor, case_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.get("/persons/{person_id}", response_model=PersonPublic)
async def get_person(
    person_id: uuid.UUID, session: SessionDep, actor: MayCasesRead
) -> PersonPublic:
    """One person, identity masked, with payments and aftercare."""
    person, _ = await persons.get_person(session, actor, person_id)
    return await person_views.person_public(session, person)


@router.patch("/persons/{person_id}", response_model=PersonPublic)
async def update_person(
    person_id: uuid.UUID, body: PersonUpdate, session: SessionDep, actor: MayPersonsWrite
) -> PersonPublic:
    """Correct the amount owed, or record `outstanding_reason`: why wages still
    outstanding need not hold up closing the site (employer absconded, transferred to
    the police, advance fund applied for); `""` clears it."""
    person = await persons.update_person(session, actor, person_id, data=body)
    return await person_views.person_public(session, person)


@router.post("/persons/{person_id}/reveal", response_model=PersonRevealed)
async def reveal_person(
    person_id: uuid.UUID,
    body: PersonReveal,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayPersonsReveal,
) -> PersonRevealed:
    """The person's ID number and phone in clear. The reason (at least 5 characters) and
    who asked are kept in the audit log; the numbers are not."""
    return await persons.reveal_person(
        session, actor, settings=settings, person_id=person_id, reason=body.reason
    )


@router.post("/persons/{person_id}/payments", status_code=201, response_model=PersonPublic)
async def record_payment(
    person_id: uuid.UUID, body: PaymentCreate, session: SessionDep, actor: MayPersonsWrite
) -> PersonPublic:
    """Wages paid to the person (labour or the office): `source` employer, advance_fund
    (财政垫付) or guarantee (工资保证金). Paying past the amount owed → 409."""
    await person_payments.record_payment(session, actor, person_id, data=body)
    person, _ = await persons.get_person(session, actor, person_id)
    return await person_views.person_public(session, person)


@router.post("/persons/{person_id}/handover", response_model=PersonPublic)
async def record_handover(
    person_id: uuid.UUID, body: HandoverCreate, session: SessionDep, actor: MayPersonsWrite
) -> PersonPublic:
    """Hand-over of a rescued person (civil affairs, police, labour or the office): to a
    guardian, a rescue station, escorted home or collected home; `to` whom, `on` which
    day. Once per person (409 after). A child or vulnerable person without one blocks
    closing the case."""
    person = await person_payments.record_handover(session, actor, person_id, data=body)
    return await person_views.person_public(session, person)


@router.post("/persons/{person_id}/documents-returned", response_model=PersonPublic)
async def record_documents_returned(
    person_id: uuid.UUID, body: DocumentsReturned, session: SessionDep, actor: MayPersonsWrite
) -> PersonPublic:
    """The person's ID card and other documents were given back (劳动合同法 第84条)."""
    person = await person_payments.record_documents_returned(session, actor, person_id, on=body.on)
    return await person_views.person_public(session, person)


@router.post("/persons/{person_id}/aftercare", status_code=201, response_model=PersonPublic)
async def record_aftercare(
    person_id: uuid.UUID, body: AftercareCreate, session: SessionDep, actor: MayPersonsWrite
) -> PersonPublic:
    """Aftercare (善后安置) by the agency that gives it: medical (civil affairs, union),
    legal_aid (labour, union, civil affairs), job_placement (labour), union_follow_up
    (union); the office may record any."""
    await person_payments.record_aftercare(session, actor, person_id, data=body)
    person, _ = await persons.get_person(session, actor, person_id)
    return await person_views.person_public(session, person)
