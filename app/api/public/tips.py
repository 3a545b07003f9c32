"""The public tip-line API: send a tip, look it up by receipt, add information.

Bodies are validated here rather than by FastAPI so that every validation
message reads in Chinese for the reporting forms that show them to the public.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError, field_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api.deps import SessionDep, SettingsDep, runtime_of
from app.api.public.uploads import is_form, read_multipart, submission_from_fields
from app.config import Settings
from app.db import transaction
from app.domain.permissions import PUBLIC_ACTOR
from app.domain.taxonomy import VIOLATION_CODES
from app.errors import BadRequest, Unprocessable
from app.models.tips import (
    FollowupIn,
    FollowupReceived,
    PublicReply,
    ReceiptIn,
    TipNotice,
    TipReceipt,
    TipStatusPublic,
    TipSubmission,
)
from app.services.core import idempotency, media, ratelimit
from app.services.core.media import Upload
from app.services.core.ratelimit import TipRateLimits
from app.services.tipline import relay, satisfaction, tip_media, tip_privacy, tip_public, tips

M = TypeVar("M", bound=BaseModel)


class PublicTipSubmission(TipSubmission):
    @field_validator("violation_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in VIOLATION_CODES]
        if unknown:
            raise ValueError(f"未知的违法类型：{'、'.join(unknown)}")
        return value


def _zh(error: Any) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", "填写有误"))
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length", 1) <= 1 else f"至少 {ctx['min_length']} 个字"
    messages = {
        "missing": "必须填写",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字",
        "too_long": f"最多 {ctx.get('max_length')} 项",
        "string_type": "应为文字",
        "list_type": "应为列表",
        "uuid_parsing": "编号格式不正确",
        "uuid_type": "编号格式不正确",
        "extra_forbidden": "不支持这一项",
        "model_type": "格式不正确",
        "model_attributes_type": "格式不正确",
        "dict_type": "格式不正确",
    }
    return messages.get(kind, "填写有误")


def _invalid(exc: ValidationError) -> Unprocessable:
    errors = [{"loc": ["body", *e.get("loc", ())], "msg": _zh(e)} for e in exc.errors()]
    return Unprocessable("提交的内容有误，请按提示修改。", errors=errors)


async def json_body(request: Request) -> Any:
    """The request's body read as JSON (400 when it is not)."""
    return json_of(await request.body())


def validate_zh(model: type[M], data: Any) -> M:
    """`model` validated from `data`; errors as a 422 with zh-CN messages (no input echoed)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def parse_zh(model: type[M], raw: bytes) -> M:
    """`model` validated straight from the body's bytes (no dict in between); answers as
    `validate_zh(model, json_of(raw))` does. What pydantic's parser refuses as JSON (or
    where `json` would read it otherwise, as a lone surrogate escape) goes that way."""
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as exc:
        if not any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
            raise _invalid(exc) from None
    return validate_zh(model, json_of(raw))


def json_of(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("请求内容不是有效的 JSON。The body is not valid JSON.") from None


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its $defs inlined, for `openapi_extra`."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return dict(inline(schema))


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_of(model)}},
        }
    }


def rate_limits(request: Request) -> TipRateLimits:
    runtime = request.app.state.runtime
    return ratelimit.limits_for(runtime.extras, runtime.settings)


def keyed_request(request: Request, principal: str, raw: bytes) -> idempotency.KeyedRequest | None:
    """The tip's Idempotency-Key: a keyed tip, not a stored response (core/idempotency.py)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    return idempotency.KeyedRequest(principal, idempotency.read_key(key, zh=True), raw)


def client_address(request: Request) -> str | None:
    """The peer, or behind a trusted proxy the client it names in X-Forwarded-For
    (uvicorn reads it from LABOURWATCH_TRUSTED_PROXIES only; see `labourwatch serve`).
    Only ever handed to the rate limiter, which keeps a keyed hash of it in memory."""
    return request.client.host if request.client else None


def _principal(settings: Settings, request: Request) -> str:
    return idempotency.public_principal(tip_privacy.keys_of(settings), client_address(request))


async def accept_public_tip(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    body: PublicTipSubmission,
    *,
    channel: str = "web",
    keyed: idempotency.KeyedRequest | None = None,
    uploads: Sequence[Upload] = (),
) -> tips.Submitted:
    """Shared by the JSON API and the HTML form. Files are checked and cleaned (in a
    bounded worker thread) before anything is written."""
    await rate_limits(request).check_intake(client_address(request))
    files = (
        await media.prepare_bounded(request.app.state.runtime.extras, settings, uploads)
        if uploads
        else []
    )
    done = await _submit(session, settings, body, channel=channel, keyed=keyed, alone=not files)
    if files and not done.replayed:
        await tip_media.attach_files(session, PUBLIC_ACTOR, tip=done.tip, files=files)
    return done


async def _submit(
    session: AsyncSession,
    settings: Settings,
    body: PublicTipSubmission,
    *,
    channel: str = "web",
    keyed: idempotency.KeyedRequest | None,
    alone: bool,
) -> tips.Submitted:
    return await tips.submit_tip(
        session,
        PUBLIC_ACTOR,
        settings=settings,
        channel=channel,
        description=body.description,
        violation_types=body.violation_types,
        employer_name=body.employer_name,
        address=body.address,
        jurisdiction_id=body.jurisdiction_id,
        contact=body.contact.model_dump() if body.contact else None,
        kind=body.kind,
        keyed=keyed,
        alone=alone,
    )


def multipart_doc() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": ["description"],
        "properties": {
            "description": text,
            "violation_types": {"type": "array", "items": text},
            "employer_name": text,
            "address": text,
            "jurisdiction_id": {**text, "format": "uuid"},
            "contact_name": text,
            "contact_phone": text,
            "attachments": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": "Photos (JPEG, PNG, WebP, GIF), PDFs, videos (MP4, "
                "MOV, 3GP); type told by content; metadata "
                "is stripped.",
            },
        },
    }


def multipart_body_doc() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"title": "TipWithAttachments", **multipart_doc()}
                }
            },
        }
    }


IDEMPOTENCY_DOC = (
    "Send the same key again with the same body to retry safely: the same "
    "receipt comes back and no second tip is stored (1–200 characters)."
)


class _TipRoute(APIRoute):
    """A JSON tip (the common request of a flood) is taken without FastAPI's dependency
    solving and without a unit of work (`tips.submit_alone`); a form, a multipart body,
    and every other route of this router take their route as before."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        full = super().get_route_handler()
        if self.name != "submit_public_tip":
            return full

        async def handler(request: Request) -> Response:
            if is_form(request):
                return await full(request)
            return await _json_tip(request)

        return handler


router = APIRouter(prefix="/public/v1", tags=["public"], route_class=_TipRoute)


async def _json_tip(request: Request) -> Response:
    """`submit_public_tip` for a JSON body, step for step: validation (zh-CN), the
    Idempotency-Key, the rate limits, then the tip."""
    runtime = runtime_of(request)
    settings = runtime.settings
    raw = await request.body()
    body = parse_zh(PublicTipSubmission, raw)
    keyed = keyed_request(request, _principal(settings, request), raw)
    await rate_limits(request).check_intake(client_address(request))
    done = None
    if body.jurisdiction_id is None and runtime.engine is not None:
        done = await tips.submit_alone(
            runtime.engine,
            PUBLIC_ACTOR,
            settings=settings,
            channel="web",
            description=body.description,
            violation_types=body.violation_types,
            employer_name=body.employer_name,
            address=body.address,
            contact=body.contact.model_dump() if body.contact else None,
            kind=body.kind,
            keyed=keyed,
        )
    if done is None:  # a place to look up, a complaint, a retried key: the unit of work
        assert runtime.sessionmaker is not None, "the app's lifespan has not started"
        async with transaction(runtime.sessionmaker) as session:
            done = await _submit(session, settings, body, keyed=keyed, alone=True)
    return receipt_response(done)


def receipt_response(done: tips.Submitted) -> Response:
    """201 with the receipt, as `JSONResponse` writes it (the receipt is [0-9A-Z-] only)."""
    body = b'{"receipt":"' + done.receipt.encode() + b'","status":"received"}'
    headers = {"Idempotent-Replayed": "true"} if done.replayed else None
    return Response(body, status_code=201, media_type="application/json", headers=headers)


# One handler, two documented operations: POST /tips takes JSON and a form alike (API.md),
# but a generated client needs one body type per operation, so the document describes
# JSON on /tips and multipart on /tips/with-attachments, which answers exactly the same.
WITH_ATTACHMENTS = "/tips/with-attachments"


@router.post(
    WITH_ATTACHMENTS,
    status_code=201,
    response_model=TipReceipt,
    openapi_extra=multipart_body_doc(),
    summary="Send a tip with photos or documents (multipart/form-data)",
)
@router.post(
    "/tips",
    status_code=201,
    response_model=TipReceipt,
    openapi_extra=body_doc(PublicTipSubmission),
    summary="Send a tip",
)
async def submit_public_tip(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY_DOC)
    ] = None,
) -> Response:
    """Send a tip (举报), anonymously if you wish: `contact` is optional and encrypted.

    The answer holds the receipt (回执码) — keep it: it is shown only this once and
    is the only way to follow the tip. Send `Idempotency-Key` when you may retry:
    the same key and body from the same client within `LABOURWATCH_IDEMPOTENCY_HOURS`
    returns the same receipt and never a second tip; a key is yours alone.
    Validation messages are in Chinese. 429 with `Retry-After` under a flood, or when
    one source sends too many.

    As `multipart/form-data` (or a plain urlencoded form), here or at
    `/public/v1/tips/with-attachments`, the same fields come flat
    (`violation_types` repeated, `contact_name`, `contact_phone`) with up to 5
    `attachments` (10 MiB each, 25 MiB together by default): 415 names a file whose
    content is not an accepted type, 413 one too large, 422 one that does not parse
    as its type or an image over 50 megapixels. Photos are re-encoded without their
    metadata (GPS, camera), PDFs lose their author/creator and XMP, videos their
    location and tags.
    """
    uploads: list[Upload] = []
    if is_form(request):
        sent = await read_multipart(request, settings)
        body = validate_zh(PublicTipSubmission, submission_from_fields(sent.fields))
        raw, uploads = sent.canonical, sent.uploads
    else:
        raw = await request.body()
        body = parse_zh(PublicTipSubmission, raw)
    done = await accept_public_tip(
        request,
        session,
        settings,
        body,
        uploads=uploads,
        keyed=keyed_request(request, _principal(settings, request), raw),
    )
    return receipt_response(done)


@router.post("/tips/lookup", response_model=TipStatusPublic, openapi_extra=body_doc(ReceiptIn))
async def lookup_public_tip(
    request: Request, session: SessionDep, settings: SettingsDep
) -> TipStatusPublic:
    """What happened to a tip: its status in plain words and the office's replies;
    `notices` — that another office now handles it (转办), or that the time to handle it
    was extended (延期) — each with the date to expect (`expected_by`). Once it is handled,
    `feedback` asks whether you are satisfied (answer at `POST /public/v1/tips/feedback`)
    and says what became of a re-handling you asked for.

    An unknown receipt is a 404. Lookups are rate-limited per receipt, per client and
    overall (429 with `Retry-After`).
    """
    body = parse_zh(ReceiptIn, await request.body())
    await rate_limits(request).check_lookup(
        tip_public.receipt_key(settings, body.receipt), client_address(request)
    )
    found = await tip_public.lookup_tip(session, settings=settings, receipt=body.receipt)
    return TipStatusPublic.model_validate(
        {
            "status": found.status,
            "status_label": found.status_label,
            "submitted_at": found.submitted_at,
            "outcome": found.outcome,
            "replies": [PublicReply(at=at, message=m) for at, m in found.replies],
            "feedback": await satisfaction.feedback_ask(
                session, settings=settings, receipt=body.receipt
            ),
            "notices": [TipNotice(**asdict(n)) for n in found.notices],
        }
    )


FOLLOWUP_FIELDS = ("receipt", "message", "violation_types")


def followup_multipart_doc() -> dict[str, Any]:
    text = {"type": "string"}
    schema = {
        "title": "FollowupWithAttachments",
        "type": "object",
        "required": ["receipt", "message"],
        "properties": {
            "receipt": text,
            "message": text,
            "violation_types": {"type": "array", "items": text},
            "attachments": multipart_doc()["properties"]["attachments"],
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


class PublicFollowup(FollowupIn):
    @field_validator("violation_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return PublicTipSubmission._known(value)


@router.post(
    "/tips/followups/with-attachments",
    status_code=201,
    response_model=FollowupReceived,
    openapi_extra=followup_multipart_doc(),
    summary="Add information and photos to your tip (multipart/form-data)",
)
@router.post(
    "/tips/followups",
    status_code=201,
    response_model=FollowupReceived,
    openapi_extra=body_doc(PublicFollowup),
)
async def add_public_followup(
    request: Request, session: SessionDep, settings: SettingsDep
) -> FollowupReceived:
    """Add information to your tip; the office sees it, and a tip it had closed is
    flagged for attention again. Rate-limited like lookups.

    When the tip is on a case, what you add reaches the agencies handling it (never your
    name or phone: they are masked). Naming a grave violation — in `violation_types` or
    in words (children, people locked in, beatings …) — makes it as urgent as a new
    report. As `multipart/form-data`, here or at `/public/v1/tips/followups/with-attachments`,
    send `receipt`, `message`, `violation_types` (repeated) and up to 5 `attachments`,
    checked and cleaned exactly as with a new tip (413, 415, 422 name the file)."""
    uploads: list[Upload] = []
    if is_form(request):
        sent = await read_multipart(request, settings, text_fields=FOLLOWUP_FIELDS)
        fields = sent.fields
        data: Any = {
            "receipt": (fields.get("receipt") or [""])[0],
            "message": (fields.get("message") or [""])[0],
            "violation_types": [v for v in fields.get("violation_types", []) if v],
        }
        uploads = sent.uploads
    else:
        data = await json_body(request)
    body = validate_zh(PublicFollowup, data)
    await rate_limits(request).check_followup(
        tip_public.receipt_key(settings, body.receipt), client_address(request)
    )
    files = (
        await media.prepare_bounded(request.app.state.runtime.extras, settings, uploads)
        if uploads
        else []
    )
    msg = await relay.add_followup(
        session,
        settings=settings,
        receipt=body.receipt,
        message=body.message,
        violation_types=body.violation_types,
        files=files,
    )
    return FollowupReceived(at=msg.at)
