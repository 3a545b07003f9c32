"""What an employer write is, whichever path makes it: an edit through the API
(`employers.py`) or a row of an imported list (`employer_import.py`).

Both file the same audit entry — `employer.create` or `employer.update`, the
`snapshot` of the employer before and after (its `FIELDS` and its licences), under
its place's path — and draw the same consequences from a change
(`EmployerChange`): agency queues show the employer's name, so a rename changes
their pages and ETags (`queue.bump_employer_queues`); a move to another place
takes the employer's open case with it (`cases.follow_employer`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor
from app.models.employers import Licence, LicenceIn

FIELDS = ("name", "uscc", "industry", "jurisdiction_id", "address", "workers", "lat", "lon")
"""The employer's own fields, in the order its audit entries show them."""

Held = tuple[str, str, date | None]
"""A licence as the audit log shows it: kind, number, valid until."""


def fields_of(employer: Any) -> dict[str, Any]:
    """`FIELDS` read off an `Employer` or a row of its table."""
    return {k: getattr(employer, k) for k in FIELDS}


def licences_of(licences: Iterable[Licence | LicenceIn]) -> list[Held]:
    return [(str(lic.kind), lic.number, lic.valid_until) for lic in licences]


def snapshot(fields: Mapping[str, Any], licences: Iterable[Held]) -> dict[str, Any]:
    """The audited picture of an employer: its fields, then its licences by kind."""
    return {
        **{k: fields[k] for k in FIELDS},
        "licences": [
            {"kind": kind, "number": number, "valid_until": until}
            for kind, number, until in sorted(licences, key=lambda held: held[0])
        ],
    }


@dataclass(frozen=True, slots=True)
class EmployerChange:
    """One write of an employer: its `snapshot` before (None when it was created) and after."""

    employer_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any]

    @property
    def changed(self) -> set[str]:
        """The fields (and `licences`) the write changed; all of them for a new employer."""
        if self.before is None:
            return set(self.after)
        return {k for k, v in self.after.items() if self.before[k] != v}

    @property
    def renamed(self) -> bool:
        """Agency queues show the name: their pages (and ETags) change with it."""
        return self.before is not None and self.before["name"] != self.after["name"]

    @property
    def moved_from(self) -> uuid.UUID | None:
        """The place the employer left, if it moved: its open case follows it to the new
        one (`cases.follow_employer`)."""
        if self.before is None or self.before["jurisdiction_id"] == self.after["jurisdiction_id"]:
            return None
        old: uuid.UUID = self.before["jurisdiction_id"]
        return old

    def audit(self, session: AsyncSession, actor: Actor, jurisdiction_path: str | None) -> None:
        """The entry of this write, filed under the path of the employer's (new) place."""
        auditlog.record(
            session,
            actor,
            "employer.update" if self.before is not None else "employer.create",
            "employer",
            self.employer_id,
            before=self.before,
            after=self.after,
            jurisdiction_path=jurisdiction_path,
        )
