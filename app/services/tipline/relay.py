"""Follow-ups reach the work: what a tipster adds by receipt goes on to the case.

A follow-up (补充举报: text, and photos cleaned exactly as at intake) is kept on the tip
for the office as before (`tip_public.add_followup`), and when the tip is on a case it
is relayed to the agencies on that case as a case note (`cases/case_notes.py`): their
queues change and their webhooks are told. The note never says who the tipster is —
their name and phone, and any phone or ID number in the text, are masked
(`domain/redaction.py`; PIPL art. 6 and 28, and 劳动保障监察条例 第9条: the tipster's
identity is kept secret) — and the photos are the tip's cleaned copies.

Words or violation types in the follow-up that name a critical violation
(`domain/alarm_words.py`) count as if they had been reported fresh: a tip still
waiting for triage gets the 24-hour triage clock; an open case gets the new types,
which routes the agencies it lacks and raises its severity, and its pending
assignments get the shorter accept clock (`cases/urgency.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.domain import redaction
from app.domain.alarm_words import alarm_types
from app.domain.deadlines import as_aware
from app.domain.lifecycles import OPEN_STATES, TipStatus
from app.domain.permissions import PUBLIC_ACTOR, SYSTEM_ACTOR
from app.domain.routing import UMBRELLA_TYPE
from app.domain.taxonomy import CRITICAL_CODES
from app.models.base import utcnow
from app.models.case_notes import CaseNote
from app.models.cases import Case, CaseSourceRecord
from app.models.tip_media import TipAttachment
from app.models.tips import Tip, TipMessage
from app.services.cases import case_notes, cases, urgency
from app.services.core import media
from app.services.tipline import tip_media, tip_privacy, tip_public

WITHHELD = "（举报人补充了文字，其中含有无法去除的个人信息，已略去；请向专项行动办公室查询。）"
NOTE_PREFIX = "举报人补充："


def masked(settings: Settings, tip: Tip, message: str) -> str:
    """The follow-up as the agencies read it: the tipster's name and phone, and every
    phone and ID number, masked; the whole text withheld if masking leaves a trace."""
    contact = tip_privacy.open_contact(tip_privacy.keys_of(settings), tip.id, tip.contact)
    names, numbers = [contact["name"]], [contact["phone"]]
    text = redaction.redact(message, names, numbers, minor_ages=False)
    return WITHHELD if redaction.leaks(text, names, numbers) else text


async def _restricted(session: AsyncSession, tip: Tip, case_id: uuid.UUID) -> bool:
    """Did the tip (or the one it duplicates) come onto the case as an umbrella allegation?"""
    ids = [i for i in (tip.id, tip.duplicate_of) if i is not None]
    found = (
        await session.exec(
            select(CaseSourceRecord.id).where(
                CaseSourceRecord.case_id == case_id,
                col(CaseSourceRecord.source_id).in_(ids),
                col(CaseSourceRecord.restricted).is_(True),
            )
        )
    ).first()
    return found is not None


async def _hasten_tip(
    session: AsyncSession, settings: Settings, tip: Tip, types: Sequence[str]
) -> None:
    """A tip not yet triaged takes the new types, and the 24-hour clock if one is critical."""
    new = [t for t in types if t not in tip.violation_types]
    if not new:
        return
    before = {"violation_types": list(tip.violation_types), "triage_due_at": tip.triage_due_at}
    tip.violation_types = [*tip.violation_types, *new]
    if any(t in CRITICAL_CODES for t in new):
        due = utcnow() + timedelta(hours=settings.triage_critical_hours)
        if due < as_aware(tip.triage_due_at):
            tip.triage_due_at = due
    session.add(tip)
    await session.flush()
    auditlog.record(
        session,
        PUBLIC_ACTOR,
        "tip.followup_types",
        "tip",
        tip.id,
        before=before,
        after={"violation_types": tip.violation_types, "triage_due_at": tip.triage_due_at},
        jurisdiction_path=tip.scope_path,
    )


async def _add_types(
    session: AsyncSession, tip: Tip, case: Case, new: Sequence[str], summary: str, umbrella: bool
) -> Case:
    source = cases.CaseSource(kind="tip", id=tip.id, violation_types=tuple(new), summary=summary)
    grown = await cases.file_case(
        session,
        SYSTEM_ACTOR,
        employer_id=case.employer_id,
        sources=[source],
        umbrella=umbrella,
        employer_checked=True,
    )
    await urgency.hasten_pending(session, SYSTEM_ACTOR, grown)
    return grown


async def relay_to_case(
    session: AsyncSession,
    settings: Settings,
    *,
    tip: Tip,
    message: str,
    types: Sequence[str],
    attachments: Sequence[TipAttachment] = (),
) -> CaseNote | None:
    """The follow-up as a note on the tip's case (None if the tip is on no case), with
    new critical types added to the case while it is open."""
    if tip.case_id is None:
        return None
    case = await session.get(Case, tip.case_id)
    if case is None:
        return None
    restricted = await _restricted(session, tip, case.id)
    text = masked(settings, tip, message)
    new = [t for t in types if t not in case.violation_types]
    if new and case.status in OPEN_STATES:
        umbrella = restricted or UMBRELLA_TYPE in new
        case = await _add_types(session, tip, case, new, (NOTE_PREFIX + text)[:500], umbrella)
    else:
        new = []
    return await case_notes.add_case_note(
        session,
        SYSTEM_ACTOR,
        case,
        kind="tipster_followup",
        message=text,
        tip_id=tip.id,
        attachments=attachments,
        violation_types=new,
        restricted=restricted or UMBRELLA_TYPE in types,
    )


async def add_followup(
    session: AsyncSession,
    *,
    settings: Settings,
    receipt: str,
    message: str,
    violation_types: Sequence[str] = (),
    files: Sequence[media.Prepared] = (),
) -> TipMessage:
    """Record what the tipster adds (text and cleaned files) and relay it to the case."""
    msg = await tip_public.add_followup(
        session, settings=settings, receipt=receipt, message=message
    )
    tip = await session.get(Tip, msg.tip_id)
    assert tip is not None  # just found by its receipt
    attached: list[TipAttachment] = []
    if files:
        taken = (
            await session.exec(
                select(func.count())
                .select_from(TipAttachment)
                .where(TipAttachment.tip_id == tip.id)
            )
        ).one()
        attached = await tip_media.attach_files(
            session, PUBLIC_ACTOR, tip=tip, files=files, start=int(taken)
        )
    named = list(dict.fromkeys([*violation_types, *alarm_types(message)]))
    if tip.status == TipStatus.received:
        await _hasten_tip(session, settings, tip, named)
    await relay_to_case(
        session, settings, tip=tip, message=message, types=named, attachments=attached
    )
    return msg
