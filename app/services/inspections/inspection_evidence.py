"""Evidence on an inspection: files kept exactly as received, and interview records.

An inspection's photos, recordings and documents are official records
(劳动保障监察条例 第15条: 调查、检查时可以采取录音、录像、照相或者复制等方式收集有关
情况和资料). Unlike a tipster's photo (`core/media.py`, which strips who and where) nothing
is changed: the time, place and device a photo carries are part of what it proves.
The type is decided by the file's first bytes, never by its name or declared type;
what is not a photo, recording, video or PDF is refused (415). Each file's SHA-256
is written into its audit entry, so the chained audit log shows any later change.

Interviews (逐人询问) are inquiry records (询问笔录) of one person each, taken by at
least two inspectors of the inspection (第16条: 不得少于2人), each named.

Who adds evidence: a participant (the inspector or a member of the team), while the
inspection is a draft or awaiting signatures; once signed, 409 — it is sealed with
what it had (an amendment carries new evidence). Who reads it: whoever reads the
inspection; evidence tied to an `official_misconduct` finding is hidden from whom
`case_visibility` keeps that finding from (404 for its download).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.lifecycles import InspectionStatus
from app.domain.permissions import Actor, Permission
from app.errors import Conflict, NotFound, UnsupportedMediaType, unprocessable
from app.models.inspections import Finding, Inspection, InspectionAttachment, InspectionInterview
from app.models.reference import Jurisdiction
from app.services.core import access, case_visibility, media
from app.services.inspections import campaigns
from app.services.inspections.inspections import get_inspection_row, require_participant

AUDIO_TYPES = ("audio/mpeg", "audio/mp4", "audio/wav", "audio/amr", "audio/ogg")


def sniff_evidence(data: bytes) -> str | None:
    """The content type told by the magic bytes: the tip line's photos, PDFs and videos,
    and the recordings phones make (MP3, M4A, WAV, AMR, Ogg)."""
    if data[4:12] in (b"ftypM4A ", b"ftypM4B "):
        return "audio/mp4"
    kind = media.sniff(data)
    if kind is not None:
        return kind
    if data.startswith(b"ID3") or (
        len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06 != 0
    ):
        return "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"#!AMR"):
        return "audio/amr"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    return None


def require_open(insp: Inspection) -> None:
    if insp.status == InspectionStatus.signed.value:
        raise Conflict("This inspection is signed and its evidence sealed; file an amendment.")


async def _place_path(session: AsyncSession, insp: Inspection) -> str:
    return (
        await session.exec(select(Jurisdiction.path).where(Jurisdiction.id == insp.jurisdiction_id))
    ).one()


async def _finding_on(
    session: AsyncSession, insp: Inspection, finding_id: uuid.UUID | None, loc: Sequence[str]
) -> uuid.UUID | None:
    if finding_id is None:
        return None
    found = (
        await session.exec(
            select(Finding.id).where(Finding.id == finding_id, Finding.inspection_id == insp.id)
        )
    ).first()
    if found is None:
        raise unprocessable(list(loc), f"No finding {finding_id} on this inspection.")
    return found


async def add_attachment(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    data: bytes,
    note: str = "",
    finding_id: uuid.UUID | None = None,
) -> InspectionAttachment:
    access.require(actor, Permission.inspections_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    uid = await require_participant(session, actor, insp)
    require_open(insp)
    if not data:
        raise unprocessable(["body", "file"], "The file is empty.")
    kind = sniff_evidence(data)
    if kind is None:
        raise UnsupportedMediaType(
            "Evidence is a photo (JPEG, PNG, WebP, GIF), a PDF, a video (MP4, MOV, 3GP) "
            "or a recording (MP3, M4A, WAV, AMR, Ogg); this file is none of them.",
            errors=[{"loc": ["body", "file"], "msg": "unsupported type"}],
        )
    row = InspectionAttachment(
        inspection_id=insp.id,
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        note=note,
        data=data,
        uploaded_by=uid,
        finding_id=await _finding_on(session, insp, finding_id, ["body", "finding_id"]),
    )
    session.add(row)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "inspection.evidence.create",
        "inspection_attachment",
        row.id,
        after={
            "inspection_id": insp.id,
            "finding_id": row.finding_id,
            "content_type": kind,
            "size": row.size,
            "sha256": row.sha256,
            "note": note,
        },
        jurisdiction_path=await _place_path(session, insp),
    )
    return row


async def _hidden_findings(session: AsyncSession, actor: Actor, insp: Inspection) -> set[uuid.UUID]:
    """The inspection's findings `actor` may not see (protective-umbrella secrecy)."""
    if insp.id in await case_visibility.inspections_seen_whole(session, actor, [insp]):
        return set()
    findings = (await session.exec(select(Finding).where(Finding.inspection_id == insp.id))).all()
    return {f.id for f in findings if case_visibility.restricted_finding(f)}


async def list_attachments(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID
) -> list[InspectionAttachment]:
    """Oldest first, bytes not loaded."""
    access.require(actor, Permission.inspections_read)
    insp = await get_inspection_row(session, actor, inspection_id)
    hidden = await _hidden_findings(session, actor, insp)
    rows = (
        await session.exec(
            select(InspectionAttachment)
            .options(defer(InspectionAttachment.data))  # type: ignore[arg-type]
            .where(InspectionAttachment.inspection_id == insp.id)
            .order_by(col(InspectionAttachment.created_at), col(InspectionAttachment.id))
        )
    ).all()
    return [r for r in rows if r.finding_id not in hidden]


async def get_attachment(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    attachment_id: str | uuid.UUID,
) -> InspectionAttachment:
    access.require(actor, Permission.inspections_read)
    insp = await get_inspection_row(session, actor, inspection_id)
    aid = access.as_uuid(attachment_id, "attachment")
    row = (
        await session.exec(
            select(InspectionAttachment).where(
                InspectionAttachment.id == aid, InspectionAttachment.inspection_id == insp.id
            )
        )
    ).first()
    if row is None or row.finding_id in await _hidden_findings(session, actor, insp):
        raise NotFound(f"No attachment {aid} on inspection {insp.id}.")
    return row


async def _participants(session: AsyncSession, insp: Inspection) -> set[uuid.UUID]:
    people = {insp.inspector_id}
    if insp.team_id is not None:
        people |= set(await campaigns.team_member_ids(session, insp.team_id))
    return people


async def add_interview(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    record: str,
    interviewer_ids: Sequence[uuid.UUID],
    person_ref: str | None = None,
    finding_id: uuid.UUID | None = None,
) -> InspectionInterview:
    """An inquiry record of one person. Its interviewers are at least two distinct
    participants of the inspection (第16条), else 422 naming the entry."""
    access.require(actor, Permission.inspections_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    uid = await require_participant(session, actor, insp)
    require_open(insp)
    people = await _participants(session, insp)
    for i, who in enumerate(interviewer_ids):
        if who not in people:
            raise unprocessable(
                ["body", "interviewer_ids", i], f"{who} is not an inspector on this inspection."
            )
    named = list(dict.fromkeys(interviewer_ids))
    if len(named) < 2:
        raise unprocessable(
            ["body", "interviewer_ids"],
            "An inquiry is made by at least two inspectors (劳动保障监察条例 第16条: 不得少于2人).",
        )
    row = InspectionInterview(
        inspection_id=insp.id,
        person_ref=person_ref,
        record=record,
        sha256=hashlib.sha256(record.encode()).hexdigest(),
        interviewer_ids=[str(u) for u in named],
        recorded_by=uid,
        finding_id=await _finding_on(session, insp, finding_id, ["body", "finding_id"]),
    )
    session.add(row)
    await session.flush()
    # The record's text stays out of the audit log (it names workers); its hash is there.
    auditlog.record(
        session,
        actor,
        "inspection.interview.create",
        "inspection_interview",
        row.id,
        after={
            "inspection_id": insp.id,
            "finding_id": row.finding_id,
            "interviewer_ids": row.interviewer_ids,
            "sha256": row.sha256,
        },
        jurisdiction_path=await _place_path(session, insp),
    )
    return row


async def list_interviews(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID
) -> list[InspectionInterview]:
    access.require(actor, Permission.inspections_read)
    insp = await get_inspection_row(session, actor, inspection_id)
    hidden = await _hidden_findings(session, actor, insp)
    rows = (
        await session.exec(
            select(InspectionInterview)
            .where(InspectionInterview.inspection_id == insp.id)
            .order_by(col(InspectionInterview.created_at), col(InspectionInterview.id))
        )
    ).all()
    return [r for r in rows if r.finding_id not in hidden]
