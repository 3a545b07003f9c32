"""Your agency's webhook endpoints: new and changed assignments, pushed and signed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import MayQueueWrite, SessionDep, SettingsDep
from app.models.integration import WebhookCreate, WebhookCreated, WebhookPublic
from app.services.integration import webhooks

router = APIRouter(prefix="/api/v1", tags=["webhooks"])


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    body: WebhookCreate,
    session: SessionDep,
    settings: SettingsDep,
    actor: MayQueueWrite,
) -> WebhookCreated:
    """Register an endpoint for your agency. The answer carries the signing `secret`
    (`whsec_…`) once: keep it. Each event (`assignment.created`, `assignment.updated`,
    and `assignment.due_soon` with its `clock` and `deadline_at` before a deadline) is
    POSTed as JSON with the Standard Webhooks headers `webhook-id`,
    `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
    `{id}.{timestamp}.{body}` keyed with the base64-decoded part after `whsec_`).
    Answer 2xx within 5 s; otherwise it is retried with growing delays (30 s doubling,
    at most 6 h apart, 12 attempts). Redirects are not followed. URLs whose host
    resolves to a loopback, private, link-local or reserved address → 422."""
    endpoint, secret = await webhooks.create_webhook(
        session, actor, settings=settings, url=body.url, description=body.description
    )
    return WebhookCreated(**WebhookPublic.model_validate(endpoint).model_dump(), secret=secret)


@router.get("/webhooks", response_model=list[WebhookPublic])
async def list_webhooks(session: SessionDep, actor: MayQueueWrite) -> list[WebhookPublic]:
    """Your agency's endpoints (the secrets are never shown again)."""
    return [WebhookPublic.model_validate(e) for e in await webhooks.list_webhooks(session, actor)]


@router.delete("/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: str, session: SessionDep, actor: MayQueueWrite) -> Response:
    """Stop deliveries to an endpoint; messages still waiting for it are dropped."""
    await webhooks.delete_webhook(session, actor, webhook_id)
    return Response(status_code=204)
