"""How a document is answered: its number and state, never its bytes."""

from __future__ import annotations

from app.domain.documents import DocumentKind, ServiceMethod
from app.models.documents import Document, DocumentPublic, ServicePublic


def document_public(doc: Document) -> DocumentPublic:
    service = None
    if doc.served_on is not None and doc.service_method is not None:
        service = ServicePublic(
            served_on=doc.served_on,
            method=ServiceMethod(doc.service_method),
            recipient=doc.service_recipient or "",
        )
    return DocumentPublic(
        id=doc.id,
        assignment_id=doc.assignment_id,
        number=doc.number,
        kind=DocumentKind(doc.kind),
        issued_on=doc.issued_on,
        sha256=doc.sha256,
        hearing_right=doc.hearing_right,
        fine_amount=doc.fine_amount,
        deadline=doc.deadline,
        service=service,
    )
