"""Submit, sign (谁检查、谁签字、谁负责) and amend inspections.

Submitting fixes who must sign: the team members present (all members unless
`present_member_ids` names some), or the sole inspector without a team. An
enforcement inspection or a follow-up needs at least two of them (劳动保障监察条例
第16条: 调查、检查不得少于2人; 422 at submit otherwise); a self-check (自查自纠) may
have one. The
last of those signatures makes the inspection `signed` and immutable, files its
findings on the employer's open case through the case service, and adds it to the
statistics tallies (stats_tally) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.checklist import missing_signers, too_few_signers
from app.domain.lifecycles import INSPECTION, InspectionStatus, transition
from app.domain.permissions import Actor, Permission
from app.errors import Conflict, Forbidden, unprocessable
from app.models.base import utcnow
from app.models.inspection_schemas import Checklist, FindingCreate, Headcount
from app.models.inspections import Finding, Inspection, InspectionSignature
from app.services.cases import cases
from app.services.core import access
from app.services.inspections import campaigns, stats_tally
from app.services.inspections.inspections import (
    HEADCOUNT_COLUMNS,
    InspectionDetail,
    check_headcount,
    get_inspection_row,
    inspection_detail,
    new_finding,
    plain_checklist,
    require_draft,
    require_participant,
)


async def _required_signers(
    session: AsyncSession, insp: Inspection, present: Sequence[uuid.UUID] | None
) -> list[str]:
    if insp.team_id is None:
        if present is not None and list(present) != [insp.inspector_id]:
            raise unprocessable(
                ["body", "present_member_ids"], "Without a team the inspector alone signs."
            )
        return [str(insp.inspector_id)]
    members = await campaigns.team_member_ids(session, insp.team_id)
    if present is None:
        return [str(m) for m in members]
    for i, uid in enumerate(present):
        if uid not in members:
            raise unprocessable(["body", "present_member_ids", i], f"{uid} is not on the team.")
    return [str(u) for u in dict.fromkeys(present)]


async def submit_inspection(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    present_member_ids: Sequence[uuid.UUID] | None = None,
) -> InspectionDetail:
    access.require(actor, Permission.inspections_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    await require_participant(session, actor, insp)
    require_draft(insp)
    before = auditlog.snapshot(insp)
    signers = await _required_signers(session, insp, present_member_ids)
    if too_few_signers(insp.kind, signers):
        raise unprocessable(
            ["body", "present_member_ids"],
            "An enforcement inspection is carried out and signed by at least two "
            "inspectors (劳动保障监察条例 第16条: 不得少于2人); inspect as a team "
            "and name who was present.",
        )
    insp.required_signer_ids = signers
    insp.status = transition(INSPECTION, insp.status, "submit")
    insp.submitted_at = insp.updated_at = utcnow()
    session.add(insp)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "inspection.submit",
        "inspection",
        insp.id,
        before=before,
        after=auditlog.snapshot(insp),
    )
    return await inspection_detail(session, insp)


async def _carried_over(
    session: AsyncSession, insp: Inspection, findings: list[Finding]
) -> list[Finding]:
    """An amendment's findings its original already filed keep that case; the rest are new."""
    old = (
        await session.exec(
            select(Finding.violation_type, Finding.description, Finding.case_id).where(
                Finding.inspection_id == insp.amends_id
            )
        )
    ).all()
    known = {(v, d): c for v, d, c in old}
    fresh = []
    for f in findings:
        filed = known.get((f.violation_type, f.description))
        if filed is None:
            fresh.append(f)
        else:
            f.case_id = insp.case_id = filed
            session.add(f)
    return fresh


async def _file_case(session: AsyncSession, actor: Actor, insp: Inspection) -> None:
    findings = list(
        (
            await session.exec(
                select(Finding)
                .where(Finding.inspection_id == insp.id)
                .order_by(col(Finding.created_at))
            )
        ).all()
    )
    if insp.amends_id is not None:
        findings = await _carried_over(session, insp, findings)
    if not findings:
        return

    sources = [
        cases.CaseSource(
            kind="finding",
            id=f.id,
            violation_types=(f.violation_type,),
            summary=f.description,
            workers_affected=f.workers_affected,
            amount_owed=f.amount_owed,
        )
        for f in findings
    ]
    # The team's inspection was authorised for this employer when it was opened; the last
    # signer's own area need not hold the employer (a township member of a county team).
    case = await cases.file_case(
        session, actor, employer_id=insp.employer_id, sources=sources, employer_checked=True
    )
    insp.case_id = case.id
    for f in findings:
        f.case_id = case.id
        session.add(f)


async def sign_inspection(
    session: AsyncSession, actor: Actor, inspection_id: str | uuid.UUID
) -> InspectionDetail:
    """The caller signs; the last required signature seals it and files its case."""
    access.require(actor, Permission.inspections_write)
    insp = await get_inspection_row(session, actor, inspection_id, for_update=True)
    if insp.status == InspectionStatus.signed.value:
        raise Conflict("This inspection is signed and cannot change; file an amendment.")
    if insp.status != InspectionStatus.submitted.value:
        raise Conflict("Submit the inspection before signing it.")
    uid = str(await require_participant(session, actor, insp))
    if uid not in insp.required_signer_ids:
        raise Forbidden("You were not recorded as present at this inspection.")
    signed = [
        str(u)
        for u in (
            await session.exec(
                select(InspectionSignature.user_id).where(
                    InspectionSignature.inspection_id == insp.id
                )
            )
        ).all()
    ]
    if uid in signed:
        raise Conflict("You have signed this inspection already.")
    sig = InspectionSignature(inspection_id=insp.id, user_id=uuid.UUID(uid))
    try:
        async with session.begin_nested():
            session.add(sig)
            await session.flush()
    except IntegrityError:
        raise Conflict("You have signed this inspection already.") from None
    auditlog.record(
        session,
        actor,
        "inspection.sign",
        "inspection",
        insp.id,
        after={"user_id": uid, "signed_at": sig.signed_at},
    )
    if not missing_signers(insp.required_signer_ids, [*signed, uid]):
        before = auditlog.snapshot(insp)
        insp.status = transition(INSPECTION, insp.status, "sign")
        insp.signed_at = insp.updated_at = utcnow()
        await _file_case(session, actor, insp)
        session.add(insp)
        await session.flush()
        await stats_tally.tally_sealed(session, insp)
        auditlog.record(
            session,
            actor,
            "inspection.seal",
            "inspection",
            insp.id,
            before=before,
            after=auditlog.snapshot(insp),
        )
    return await inspection_detail(session, insp)


async def amend_inspection(
    session: AsyncSession,
    actor: Actor,
    inspection_id: str | uuid.UUID,
    *,
    reason: str,
    headcount: Headcount | None = None,
    checklist: Checklist | None = None,
    findings: Sequence[FindingCreate] | None = None,
) -> InspectionDetail:
    """A new draft that corrects a signed inspection; the original stays as it was signed."""
    access.require(actor, Permission.inspections_write)
    orig = await get_inspection_row(session, actor, inspection_id)
    uid = await require_participant(session, actor, orig)
    if orig.status != InspectionStatus.signed.value:
        raise Conflict("Only a signed inspection is amended; change the draft itself.")
    counts = (
        check_headcount(headcount, ["body", "headcount"])
        if headcount is not None
        else {f: getattr(orig, f) for f in HEADCOUNT_COLUMNS}
    )
    amendment = Inspection(
        employer_id=orig.employer_id,
        jurisdiction_id=orig.jurisdiction_id,
        campaign_id=orig.campaign_id,
        team_id=orig.team_id,
        inspector_id=uid,
        kind=orig.kind,
        visited_on=orig.visited_on,
        lat=orig.lat,
        lon=orig.lon,
        amends_id=orig.id,
        amendment_reason=reason,
        checklist={**orig.checklist, **plain_checklist(checklist)},
        **counts,
    )
    session.add(amendment)
    await session.flush()
    if findings is None:
        old = (await session.exec(select(Finding).where(Finding.inspection_id == orig.id))).all()
        findings = [
            FindingCreate(
                violation_type=f.violation_type,
                description=f.description,
                workers_affected=f.workers_affected,
                amount_owed=f.amount_owed,
            )
            for f in old
        ]
    for i, f in enumerate(findings):
        await new_finding(
            session,
            amendment,
            violation_type=f.violation_type,
            description=f.description,
            workers_affected=f.workers_affected,
            amount_owed=f.amount_owed,
            loc=["body", "findings", i],
        )
    auditlog.record(
        session,
        actor,
        "inspection.amend",
        "inspection",
        amendment.id,
        after={**auditlog.snapshot(amendment), "amends_id": orig.id},
    )
    return await inspection_detail(session, amendment)
