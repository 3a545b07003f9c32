"""Tips as the office sees them: operator intake, the triage queue, decisions, replies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import (
    MayTipsContact,
    MayTipsRead,
    MayTipsTriage,
    MayTipsWrite,
    SessionDep,
    SettingsDep,
)
from app.api.idempotency import IdempotencyKey
from app.api.paging import page_of
from app.domain.lifecycles import TipStatus
from app.models.common import Page
from app.models.reporter_loop import ReplyIn
from app.models.tips import (
    AssignJurisdictionIn,
    ContactOut,
    ContactRevealIn,
    DuplicateSuggestion,
    EmployerSuggestion,
    ExternalRef,
    MessageIn,
    Tip,
    TipCreate,
    TipCreated,
    TipDetail,
    TipMessagePublic,
    TipPublic,
    TriageIn,
)
from app.services.core import idempotency
from app.services.tipline import external_refs, reply_templates, tip_contacts, tip_triage, tips

router = APIRouter(prefix="/api/v1", tags=["tips"])


def ref_pair(ref: ExternalRef | None) -> tuple[str, str] | None:
    return (ref.system, ref.id) if ref is not None else None


def tip_view(tip: Tip) -> TipPublic:
    view = TipPublic.model_validate(tip)
    view.overdue = tips.overdue(tip)
    view.external_ref = external_refs.ref_of(tip)
    return view


@router.post("/tips", status_code=201, response_model=TipCreated)
async def create_tip(
    body: TipCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayTipsWrite,
    _declared: IdempotencyKey = None,
) -> JSONResponse:
    """Enter a hotline call, letter, visit or mailbox note. Read the `receipt` out to the
    tipster: it is in this response only. Without `jurisdiction_id` the tip is placed in
    your own area. Accepts `Idempotency-Key` (same key and body → same receipt).

    A work order from another channel (a 12345 centre, a mini-program) names itself in
    `external_ref {system, id}`: unique per system, a second one is a 409 whose
    `existing_id` is the tip that has it. The `tip.status_changed` webhook carries it."""
    key = request.headers.get("idempotency-key")
    keyed = None
    if key is not None:  # a keyed tip, not a stored response (core/idempotency.py)
        keyed = idempotency.KeyedRequest(
            idempotency.principal_of(actor), idempotency.read_key(key), await request.body()
        )
    done = await tips.submit_tip(
        session,
        actor,
        settings=settings,
        channel=body.channel,
        description=body.description,
        violation_types=body.violation_types,
        employer_name=body.employer_name,
        address=body.address,
        jurisdiction_id=body.jurisdiction_id,
        contact=body.contact.model_dump() if body.contact else None,
        kind=body.kind,
        keyed=keyed,
        external_ref=ref_pair(body.external_ref),
    )
    payload = TipCreated(
        id=done.tip.id,
        receipt=done.receipt,
        status=done.tip.status,
        channel=done.tip.channel,
        triage_due_at=done.tip.triage_due_at,
        external_ref=external_refs.ref_of(done.tip),
    )
    return JSONResponse(
        payload.model_dump(mode="json"),
        status_code=201,
        headers={"Idempotent-Replayed": "true"} if done.replayed else None,
    )


@router.get("/tips", response_model=Page[TipPublic])
async def list_tips(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: MayTipsRead,
    status: TipStatus | None = None,
    needs_attention: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[TipPublic]:
    """The triage queue of your area, oldest first, each with `triage_due_at` and `overdue`
    (有报必查). `needs_attention` marks closed tips the tipster has added to since."""
    rows, nxt = await tips.list_tips(
        session, actor, status=status, cursor=cursor, needs_attention=needs_attention, limit=limit
    )
    page = page_of(TipPublic, rows, nxt, request, response)
    for item, row in zip(page.items, rows, strict=True):
        item.overdue = tips.overdue(row)
        item.external_ref = external_refs.ref_of(row)
    return page


@router.get("/tips/{tip_id}", response_model=TipDetail)
async def get_tip(tip_id: uuid.UUID, session: SessionDep, actor: MayTipsRead) -> TipDetail:
    """One tip with its replies, internal notes and the tipster's follow-ups, and
    suggestions: the likely employer and likely duplicate tips in the same county."""
    tip = await tips.get_tip(session, actor, tip_id)
    found = await tip_triage.suggest(session, actor, tip)
    messages = await tips.list_messages(session, tip)
    return TipDetail(
        **tip_view(tip).model_dump(),
        messages=[TipMessagePublic.model_validate(m) for m in messages],
        likely_employers=[
            EmployerSuggestion(id=e.id, name=e.name, address=e.address, score=s)
            for e, s in found.employers
        ],
        likely_duplicates=[
            DuplicateSuggestion(
                id=t.id,
                employer_name=t.employer_name,
                address=t.address,
                received_at=t.received_at,
                score=s,
            )
            for t, s in found.duplicates
        ],
    )


@router.post("/tips/{tip_id}/triage", response_model=TipPublic)
async def triage_tip(
    tip_id: uuid.UUID, body: TriageIn, session: SessionDep, actor: MayTipsTriage
) -> TipPublic:
    """Decide a received tip: `open_case` (needs `employer_id`; the case is routed at
    once), `link_case` (needs `case_id`), `duplicate` (needs `duplicate_of`, another tip)
    or `reject` (needs `reason`, which the tipster reads). `case_id` is in the answer."""
    tip = await tip_triage.triage_tip(
        session,
        actor,
        tip_id=tip_id,
        decision=body.decision,
        employer_id=body.employer_id,
        case_id=body.case_id,
        duplicate_of=body.duplicate_of,
        violation_types=body.violation_types,
        reason=body.reason,
    )
    return tip_view(tip)


@router.post("/tips/{tip_id}/assign-jurisdiction", response_model=TipPublic)
async def assign_tip_jurisdiction(
    tip_id: uuid.UUID,
    body: AssignJurisdictionIn,
    session: SessionDep,
    actor: MayTipsTriage,
) -> TipPublic:
    """Hand a tip down to a place in your area; that place's office then sees it."""
    tip = await tips.assign_jurisdiction(
        session, actor, tip_id=tip_id, jurisdiction_id=body.jurisdiction_id
    )
    return tip_view(tip)


@router.post("/tips/{tip_id}/replies", status_code=201, response_model=TipMessagePublic)
async def reply_to_tip(
    tip_id: uuid.UUID, body: ReplyIn, session: SessionDep, actor: MayTipsTriage
) -> TipMessagePublic:
    """A reply the tipster reads when looking the tip up by receipt: `message`, or one of
    your office's reply templates (`template_id`) rendered for the tip; the reply then
    records `template_id`."""
    msg = await reply_templates.send_reply(
        session, actor, tip_id=tip_id, message=body.message, template_id=body.template_id
    )
    return TipMessagePublic.model_validate(msg)


@router.post("/tips/{tip_id}/notes", status_code=201, response_model=TipMessagePublic)
async def note_on_tip(
    tip_id: uuid.UUID, body: MessageIn, session: SessionDep, actor: MayTipsTriage
) -> TipMessagePublic:
    """An internal note; never shown to the tipster."""
    msg = await tips.add_message(session, actor, tip_id=tip_id, kind="note", message=body.message)
    return TipMessagePublic.model_validate(msg)


@router.post("/tips/{tip_id}/contact", response_model=ContactOut)
async def reveal_tip_contact(
    tip_id: uuid.UUID,
    body: ContactRevealIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayTipsContact,
) -> ContactOut:
    """The tipster's contact details, for a coordinator who states why (≥ 5 characters).
    The reveal and the reason are in the audit log. Both fields are null for an anonymous
    tip or once the contact was erased (`erased_at`)."""
    found = await tip_contacts.reveal_contact(
        session, actor, settings=settings, tip_id=tip_id, reason=body.reason
    )
    return ContactOut(name=found.name, phone=found.phone, erased_at=found.erased_at)
