"""Case notes: what reaches the agencies on a case besides the routing — today, what a
tipster adds by receipt after the tip was filed on the case (补充举报).

Read like the case itself: an agency reads the notes of a case it has a share of
(`cases.get_case`, 404 otherwise), and a restricted note — one that came with a
protective-umbrella (保护伞) allegation — only if it sees the case whole
(`case_visibility.sees_restricted`), as the restricted share itself.
Writing a note bumps the queue of every agency that may read it (their ETag
changes) and sends them the `case.note_added` webhook.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.errors import NotFound
from app.models.base import utcnow
from app.models.case_notes import CaseNote
from app.models.cases import Assignment, Case
from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.models.tip_media import TipAttachment
from app.services.cases import cases, queue
from app.services.core import access, case_visibility

EVENT = "case.note_added"
MAX_NOTES = 500


def readers(note_restricted: bool, shares: Sequence[Assignment]) -> set[uuid.UUID]:
    """The agencies on the case that may read a note: all of them, or for a restricted
    note those holding a restricted share."""
    return {a.agency_id for a in shares if a.restricted or not note_restricted}


async def add_case_note(
    session: AsyncSession,
    actor: Actor,
    case: Case,
    *,
    kind: str,
    message: str,
    tip_id: uuid.UUID | None = None,
    attachments: Sequence[TipAttachment] = (),
    violation_types: Sequence[str] = (),
    restricted: bool = False,
) -> CaseNote:
    """Store the note, bump the readers' queues and queue their webhooks. The caller has
    made sure `message` names nobody who must stay unnamed."""
    now = utcnow()
    note = CaseNote(
        case_id=case.id,
        kind=kind,
        tip_id=tip_id,
        message=message,
        attachment_ids=[str(a.id) for a in attachments],
        violation_types=list(violation_types),
        restricted=restricted,
        created_at=now,
    )
    session.add(note)
    await session.flush()
    shares = (await session.exec(select(Assignment).where(Assignment.case_id == case.id))).all()
    agencies = readers(restricted, shares)
    await queue.bump_queues(session, sorted(agencies))
    auditlog.record(
        session,
        actor,
        "case_note.create",
        "case_note",
        note.id,
        after={
            "case_id": case.id,
            "kind": kind,
            "tip_id": tip_id,
            "attachments": note.attachment_ids,
            "violation_types": note.violation_types,
            "restricted": restricted,
        },
        jurisdiction_path=case.jurisdiction_path,
    )
    await _enqueue(session, note, attachments, agencies)
    return note


def _data(note: CaseNote, attachments: Sequence[TipAttachment]) -> dict[str, object]:
    return {
        "id": str(note.id),
        "case_id": str(note.case_id),
        "kind": note.kind,
        "message": note.message,
        "violation_types": list(note.violation_types),
        "attachments": [
            {"id": str(a.id), "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in attachments
        ],
        "created_at": note.created_at.isoformat(),
    }


async def _enqueue(
    session: AsyncSession,
    note: CaseNote,
    attachments: Sequence[TipAttachment],
    agencies: set[uuid.UUID],
) -> None:
    if not agencies:
        return
    endpoints = (
        await session.exec(
            select(WebhookEndpoint.id).where(
                col(WebhookEndpoint.agency_id).in_(agencies),
                col(WebhookEndpoint.deleted_at).is_(None),
            )
        )
    ).all()
    now = utcnow()
    payload = {"type": EVENT, "timestamp": now.isoformat(), "data": _data(note, attachments)}
    for endpoint_id in endpoints:
        session.add(
            WebhookOutbox(
                endpoint_id=endpoint_id,
                event_id=f"msg_{uuid.uuid4().hex}",
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await session.flush()


async def _readable_case(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str
) -> tuple[Case, bool]:
    access.require(actor, Permission.cases_read)
    case = await cases.get_case(session, actor, case_id)
    shares = (await session.exec(select(Assignment).where(Assignment.case_id == case.id))).all()
    return case, case_visibility.sees_restricted(actor, case, shares)


def _shown(whole: bool) -> sa.ColumnElement[bool]:
    return sa.true() if whole else col(CaseNote.restricted).is_(False)


async def list_case_notes(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID | str
) -> list[tuple[CaseNote, list[TipAttachment]]]:
    """The notes the actor may read, oldest first, each with its attachments (no bytes)."""
    case, whole = await _readable_case(session, actor, case_id)
    notes = list(
        (
            await session.exec(
                select(CaseNote)
                .where(CaseNote.case_id == case.id, _shown(whole))
                .order_by(col(CaseNote.created_at), col(CaseNote.id))
                .limit(MAX_NOTES)
            )
        ).all()
    )
    wanted = {uuid.UUID(i) for n in notes for i in n.attachment_ids}
    files: dict[uuid.UUID, TipAttachment] = {}
    if wanted:
        files = {
            a.id: a
            for a in (
                await session.exec(
                    select(TipAttachment)
                    .options(defer(TipAttachment.data))  # type: ignore[arg-type]
                    .where(col(TipAttachment.id).in_(wanted))
                )
            ).all()
        }
    return [
        (n, [files[uuid.UUID(i)] for i in n.attachment_ids if uuid.UUID(i) in files]) for n in notes
    ]


async def get_note_attachment(
    session: AsyncSession,
    actor: Actor,
    *,
    case_id: uuid.UUID | str,
    note_id: uuid.UUID | str,
    attachment_id: uuid.UUID | str,
) -> TipAttachment:
    """A photo of a note, to a reader of the note; 404 for anything else."""
    case, whole = await _readable_case(session, actor, case_id)
    nid = access.as_uuid(note_id, "note")
    aid = access.as_uuid(attachment_id, "attachment")
    note = (
        await session.exec(
            select(CaseNote).where(CaseNote.id == nid, CaseNote.case_id == case.id, _shown(whole))
        )
    ).first()
    if note is None or str(aid) not in note.attachment_ids:
        raise NotFound(f"No attachment {aid} on note {nid}.")
    found = await session.get(TipAttachment, aid)
    if found is None:
        raise NotFound(f"No attachment {aid} on note {nid}.")
    return found
