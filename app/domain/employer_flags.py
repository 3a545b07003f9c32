"""What an inspector should check first at an employer, derived from its licences.

The same three rules are written as SQL conditions in `services/employers/employers.py`
for the `flag=` search; both read their sets from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from app.domain.taxonomy import Industry, LicenceKind


class EmployerFlag(StrEnum):
    """Named like the violation types they point to."""

    no_business_licence = "no_business_licence"
    licence_expired = "licence_expired"
    no_safety_permit = "no_safety_permit"


# Only where the law requires a work-safety permit (安全生产许可证条例 第2条: mines,
# construction, hazardous chemicals, fireworks, civil explosives); kilns and smelters
# need none, so they are not flagged for lacking one.
SAFETY_PERMIT_INDUSTRIES: frozenset[Industry] = frozenset(
    {
        Industry.coal_mine,
        Industry.mine,
        Industry.construction_team,
    }
)


def employer_flags(
    industry: str, licences: Iterable[tuple[str, date | None]], today: date
) -> list[EmployerFlag]:
    """Flags in declaration order. A licence without `valid_until` never expires.

    An expired safety licence is no safety permit: it is flagged both as expired
    and, where the industry needs one, as missing.
    """
    held = list(licences)
    kinds = {kind for kind, _ in held}
    flags: list[EmployerFlag] = []
    if LicenceKind.business.value not in kinds:
        flags.append(EmployerFlag.no_business_licence)
    if any(until is not None and until < today for _, until in held):
        flags.append(EmployerFlag.licence_expired)
    if industry in SAFETY_PERMIT_INDUSTRIES and not any(
        kind == LicenceKind.safety.value and (until is None or until >= today)
        for kind, until in held
    ):
        flags.append(EmployerFlag.no_safety_permit)
    return flags
