"""Issuing documents (文书) on an assignment, serving them (送达), and reading them back.

A document is numbered from its agency's gap-free sequence for the year and kind
(`filing.next_number`) or carries the agency system's own number, is rendered once as
PDF and Word, and is stored with the PDF's SHA-256, which the audit entry
`document.issue` puts on the hash chain: a paper handed to an employer can be checked
against the record years later. Rules on kinds: `app/domain/documents.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.clock import now as clock_now
from app.config import Settings
from app.domain.chinatime import china_date
from app.domain.documents import (
    KINDS,
    DocumentKind,
    ServiceMethod,
    body_of,
    document_number,
    document_prefix,
    hearing_right,
    is_organisation,
    yuan,
)
from app.domain.lifecycles import OPEN_STATES
from app.domain.permissions import Actor
from app.errors import Conflict, NotFound, unprocessable
from app.models.cases import Assignment, Case
from app.models.documents import Document
from app.models.employers import Employer
from app.models.reference import Agency
from app.services.cases import cases, filing
from app.services.cases.assignments import get_own_assignment
from app.services.cases.document_render import (
    Paper,
    cut_face,
    paper_text,
    render_docx,
    render_pdf,
)
from app.services.core import access, case_visibility

EVERY_DIGIT = "0123456789"
FACE_CUTTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cut-face")
"""Faces are cut here, one at a time (fontTools holds the GIL): on asyncio's default pool
a burst of cuts queued ahead of the renders of papers already numbered, whose agency's
sequence stays locked until they commit."""


def _check(
    kind: DocumentKind,
    a: Assignment,
    case: Case,
    deadline: date | None,
    fine: Decimal | None,
    today: date,
) -> None:
    rule = KINDS[kind]
    if case.status not in OPEN_STATES:
        raise Conflict(f"The case is {case.status}; no more documents can be issued on it.")
    if a.status != "accepted":
        raise Conflict(f"The assignment is {a.status}; accept it before issuing documents.")
    if rule.filed_first and a.case_number is None:
        raise Conflict(
            f"File the assignment (立案) before issuing a {rule.title} (行政处罚法 第54条)."
        )
    if rule.needs_deadline and deadline is None:
        raise unprocessable(["body", "deadline"], f"A {rule.title} needs a deadline.")
    if deadline is not None and deadline < today:
        raise unprocessable(["body", "deadline"], "The deadline is already past.")
    if rule.needs_fine and fine is None:
        raise unprocessable(["body", "fine_amount"], f"A {rule.title} needs the fine.")


async def _served(
    session: AsyncSession, assignment_id: uuid.UUID, kind: DocumentKind
) -> list[Document]:
    return list(
        (
            await session.exec(
                select(Document)
                .where(
                    Document.assignment_id == assignment_id,
                    Document.kind == kind,
                    col(Document.served_on).is_not(None),
                )
                .order_by(col(Document.issued_at))
            )
        ).all()
    )


async def _check_decision(session: AsyncSession, a: Assignment, fine: Decimal) -> None:
    """No decision without a served notice (第62条), nor heavier than it (第45条)."""
    notices = await _served(session, a.id, DocumentKind.penalty_notice)
    if not notices:
        raise Conflict(
            "Serve a 行政处罚事先告知书 (penalty_notice) before the decision (行政处罚法 第62条)."
        )
    proposed = notices[-1].fine_amount
    if proposed is not None and fine > proposed:
        raise Conflict(
            f"The notice {notices[-1].number} proposed {yuan(proposed)}; the "
            "decision may not be heavier (行政处罚法 第45条)."
        )


async def issue_document(
    session: AsyncSession,
    actor: Actor,
    assignment_id: uuid.UUID | str,
    *,
    kind: DocumentKind,
    facts: str,
    legal_basis: list[str],
    settings: Settings | None = None,
    deadline: date | None = None,
    fine_amount: Decimal | None = None,
    external_number: str | None = None,
    action_id: uuid.UUID | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> Document:
    """Issue, number, render and store a document of your agency's assignment, dated
    `today` (China's date of `now` unless given: an order's own day)."""
    now = now or clock_now()
    issued_on = today or china_date(now)
    a, case = await get_own_assignment(session, actor, assignment_id)
    _check(kind, a, case, deadline, fine_amount, issued_on)
    if kind is DocumentKind.penalty_decision and fine_amount is not None:
        await _check_decision(session, a, fine_amount)
    agency = await session.get(Agency, a.agency_id)
    employer = await session.get(Employer, case.employer_id)
    if agency is None or employer is None:  # foreign keys make this impossible
        raise NotFound(f"No assignment {a.id} for your agency.")
    if kind is DocumentKind.penalty_notice and settings is None:
        raise ValueError("a penalty notice needs the hearing thresholds of the settings")
    hearing = (
        settings is not None
        and kind is DocumentKind.penalty_notice
        and hearing_right(
            fine_amount,
            organisation=is_organisation(employer.uscc),
            person_threshold=settings.hearing_fine_person,
            organisation_threshold=settings.hearing_fine_organisation,
        )
    )
    prefix = document_prefix(agency.number_prefix, agency.name)
    external = external_number is not None
    party = "公安机关" if kind is DocumentKind.transfer else employer.name
    paper = Paper(
        agency=agency.name,
        title=KINDS[kind].title,
        number=external_number.strip()
        if external_number is not None
        else document_number(prefix, kind, issued_on.year, 0),
        party=party,
        paragraphs=body_of(
            kind,
            facts=facts,
            legal_basis=legal_basis,
            deadline=deadline,
            fine=fine_amount,
            hearing=hearing,
        ),
        issued_on=issued_on,
    )
    # The face is cut before the number is taken (any number: every digit is in it): from
    # the number to the commit the agency's sequence is locked for every other issuer of
    # the kind, and a cut reads the face (~0.3 s, the process's first paper) and converts
    # the glyphs no earlier paper used (~1 ms each; bench/numbering_bench.py).
    face = await asyncio.get_running_loop().run_in_executor(
        FACE_CUTTER, cut_face, paper_text(paper) + EVERY_DIGIT
    )
    if not external:
        n = await filing.next_number(session, agency.id, issued_on.year, f"doc:{kind}")
        paper = replace(paper, number=document_number(prefix, kind, issued_on.year, n))
    pdf, docx = await asyncio.gather(
        asyncio.to_thread(render_pdf, paper, face), asyncio.to_thread(render_docx, paper)
    )
    number = paper.number
    doc = Document(
        assignment_id=a.id,
        case_id=case.id,
        agency_id=agency.id,
        action_id=action_id,
        kind=kind,
        number=number,
        number_external=external,
        issued_on=issued_on,
        issued_at=now,
        issued_by=actor.id[:64],
        party=party,
        facts=facts,
        legal_basis=legal_basis,
        deadline=deadline,
        fine_amount=fine_amount,
        hearing_right=hearing,
        pdf=pdf,
        docx=docx,
        sha256=hashlib.sha256(pdf).hexdigest(),
        docx_sha256=hashlib.sha256(docx).hexdigest(),
    )
    session.add(doc)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            f"Your agency already has a {KINDS[kind].title} numbered {number}."
        ) from None
    auditlog.record(
        session,
        actor,
        "document.issue",
        "document",
        doc.id,
        after=_audited(doc),
        jurisdiction_path=case.jurisdiction_path,
    )
    return doc


def _audited(doc: Document) -> dict[str, object]:
    return {k: v for k, v in auditlog.snapshot(doc).items() if k not in ("pdf", "docx")}


async def serve_document(
    session: AsyncSession,
    actor: Actor,
    document_id: uuid.UUID | str,
    *,
    served_on: date,
    method: ServiceMethod,
    recipient: str,
    today: date | None = None,
) -> Document:
    """Record service (送达) once, by the issuing agency; not before issue nor in the future."""
    did = access.as_uuid(document_id, "document")
    doc = await session.get(Document, did, with_for_update=True)
    if doc is None or not access.is_own_agency(actor, doc.agency_id):
        raise NotFound(f"No document {did} of your agency.")
    if doc.served_on is not None:
        raise Conflict(f"{doc.number} was served already, on {doc.served_on}.")
    if served_on < doc.issued_on or served_on > (today or china_date(clock_now())):
        raise unprocessable(
            ["body", "served_on"], "Service falls between the day of issue and today."
        )
    case = await session.get(Case, doc.case_id)
    before = _audited(doc)
    doc.served_on, doc.service_method = served_on, method
    doc.service_recipient, doc.served_by = recipient, actor.id[:64]
    session.add(doc)
    await session.flush()
    auditlog.record(
        session,
        actor,
        "document.serve",
        "document",
        doc.id,
        before=before,
        after=_audited(doc),
        jurisdiction_path=case.jurisdiction_path if case else None,
    )
    return doc


async def _share_shown(
    session: AsyncSession, actor: Actor, case_id: uuid.UUID, assignment_id: uuid.UUID
) -> bool:
    try:
        case = await cases.get_case(session, actor, case_id)
    except NotFound:
        return False
    shares = (await session.exec(select(Assignment).where(Assignment.case_id == case.id))).all()
    return any(
        a.id == assignment_id for a in case_visibility.sight(actor, case, shares).assignments
    )


async def read_document(
    session: AsyncSession, actor: Actor, document_id: uuid.UUID | str
) -> Document:
    """Who may read the case may read its documents, except those of a share the umbrella
    rule hides from them (`case_visibility`): 404 for everyone else."""
    did = access.as_uuid(document_id, "document")
    doc = await session.get(Document, did)
    if doc is None or not await _share_shown(session, actor, doc.case_id, doc.assignment_id):
        raise NotFound(f"No document {did} in your area.")
    return doc


async def list_documents(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID | str
) -> list[Document]:
    """An assignment's documents in the order issued, by the rule of `read_document`."""
    aid = access.as_uuid(assignment_id, "assignment")
    a = await session.get(Assignment, aid)
    if a is None or not await _share_shown(session, actor, a.case_id, a.id):
        raise NotFound(f"No assignment {aid} in your area.")
    return list(
        (
            await session.exec(
                select(Document)
                .where(Document.assignment_id == a.id)
                .order_by(col(Document.issued_at))
            )
        ).all()
    )


async def require_served_decision(
    session: AsyncSession, assignment_id: uuid.UUID, amount: Decimal
) -> Document:
    """A fine is recorded only on a served 行政处罚决定书 of the same amount."""
    decisions = (
        await session.exec(
            select(Document).where(
                Document.assignment_id == assignment_id,
                Document.kind == DocumentKind.penalty_decision,
            )
        )
    ).all()
    for doc in decisions:
        if doc.served_on is not None and doc.fine_amount == amount:
            return doc
    issued = "; ".join(
        f"{d.number} for {yuan(d.fine_amount or Decimal(0))}, "
        + ("served" if d.served_on else "not served")
        for d in decisions
    )
    raise Conflict(
        f"A fine of {yuan(amount)} needs a served 行政处罚决定书 (penalty_decision) "
        "of that amount on this assignment; "
        + (f"there is {issued}." if issued else "none is issued.")
    )
