"""Attachments of a tip, kept in the database once cleaned (`app/services/core/media.py`).

`attach_files` stores the cleaned files with the tip, `list_attachments`/`get_attachment`
let the office read them under the tip's own scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.errors import NotFound
from app.models.tip_media import TipAttachment
from app.models.tips import Tip
from app.services.core import access
from app.services.core.media import Prepared
from app.services.tipline import tips


async def attach_files(
    session: AsyncSession, actor: Actor, *, tip: Tip, files: Sequence[Prepared], start: int = 0
) -> list[TipAttachment]:
    """Store prepared files with a tip (one audit entry per file); `start`: the position
    of the first, after the files the tip has already (a follow-up's)."""
    rows = []
    for position, f in enumerate(files, start):
        row = TipAttachment(
            tip_id=tip.id,
            position=position,
            content_type=f.content_type,
            size=len(f.data),
            sha256=f.sha256,
            data=f.data,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    for row in rows:
        auditlog.record(
            session,
            actor,
            "tip.attachment.create",
            "tip_attachment",
            row.id,
            after={
                "tip_id": tip.id,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
            },
            jurisdiction_path=tip.scope_path,
        )
    return rows


async def list_attachments(
    session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str
) -> list[TipAttachment]:
    """A tip's attachments (bytes not loaded), in the order sent; 404 outside the scope."""
    access.require(actor, Permission.tips_read)
    tip = await tips.get_tip(session, actor, tip_id)
    return list(
        (
            await session.exec(
                select(TipAttachment)
                .options(defer(TipAttachment.data))  # type: ignore[arg-type]
                .where(TipAttachment.tip_id == tip.id)
                .order_by(col(TipAttachment.position))
            )
        ).all()
    )


async def get_attachment(
    session: AsyncSession, actor: Actor, *, tip_id: uuid.UUID | str, attachment_id: uuid.UUID | str
) -> TipAttachment:
    access.require(actor, Permission.tips_read)
    tip = await tips.get_tip(session, actor, tip_id)
    aid = access.as_uuid(attachment_id, "attachment")
    row = (
        await session.exec(
            select(TipAttachment).where(TipAttachment.id == aid, TipAttachment.tip_id == tip.id)
        )
    ).first()
    if row is None:
        raise NotFound(f"No attachment {aid} on tip {tip.id}.")
    return row
