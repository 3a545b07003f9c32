"""The inspection side of the statistics table, tallied as each inspection is sealed.

Counted live, a county's table joins a million findings to its campaign's inspections
on every request (bench/stats_bench.py). A signed inspection never changes, so its
figures are added once, in the transaction that seals it (`tally_sealed`):

- stats_finding_tally: findings by type, per campaign and place;
- stats_employer_tally: per campaign, place and employer, the latest counted inspection
  with its headcount, how many counted inspections found something, and the signatures
  on the signed originals.

The counting rules are stats_queries'. Sealing a signed amendment takes its original's
figures back out, unless another signed amendment had already replaced it.
`rebuild_tallies` derives the same rows from the inspections themselves, as migration
0010 did for the data before it; the tests hold the two to each other.

Trap: locks are taken in one order (the original, then finding rows, then employer rows,
each sorted) so that concurrent seals queue instead of deadlocking, and an employer's
latest inspection is looked up only once its row is locked, so it sees every seal
committed before.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.lifecycles import InspectionStatus
from app.models.inspections import Finding, Inspection, InspectionSignature
from app.models.stats import StatsEmployerTally, StatsFindingTally
from app.services.core import dialect

SIGNED = InspectionStatus.signed.value
HEADS = ("total", "local", "migrant", "minors_16_18", "children_under_16", "contracts_signed")
LATEST = ("inspection_id", "visited_on", "signed_at", *HEADS)
Slice = tuple[uuid.UUID, uuid.UUID, uuid.UUID]  # campaign, place, employer


def counted(i: Any) -> list[ColumnElement[bool]]:
    """`i` (Inspection or an alias of it) is in a campaign, signed, and not replaced."""
    later = aliased(Inspection)
    return [
        col(i.campaign_id).is_not(None),
        col(i.status) == SIGNED,
        ~sa.exists().where(
            col(later.amends_id).is_not(None),
            col(later.amends_id) == col(i.id),
            col(later.status) == SIGNED,
        ),
    ]


def _latest_of(i: Inspection) -> dict[str, Any]:
    return {
        "inspection_id": i.id,
        "visited_on": i.visited_on,
        "signed_at": i.signed_at,
        **{h: getattr(i, h) for h in HEADS},
    }


class _Changes:
    """What one seal adds to (and, for a replaced original, takes from) the tallies."""

    def __init__(self) -> None:
        self.findings: Counter[tuple[uuid.UUID, uuid.UUID, str]] = Counter()
        self.slices: dict[Slice, tuple[int, int, Inspection]] = {}

    async def count(self, session: AsyncSession, insp: Inspection, sign: int) -> None:
        assert insp.campaign_id is not None
        by_type = (
            await session.exec(
                select(Finding.violation_type, sa.func.count())
                .where(Finding.inspection_id == insp.id)
                .group_by(col(Finding.violation_type))
            )
        ).all()
        for code, n in by_type:
            self.findings[(insp.campaign_id, insp.jurisdiction_id, code)] += sign * n
        staff = 0
        if sign > 0 and insp.amends_id is None:
            staff = (
                await session.exec(
                    select(sa.func.count()).where(InspectionSignature.inspection_id == insp.id)
                )
            ).one()
        key = (insp.campaign_id, insp.jurisdiction_id, insp.employer_id)
        found, turnout, sample = self.slices.get(key, (0, 0, insp))
        self.slices[key] = (found + sign * bool(by_type), turnout + staff, sample)


async def _replaced(session: AsyncSession, insp: Inspection) -> Inspection | None:
    """The original this seal replaces in the figures, locked; None if nothing is replaced."""
    if insp.amends_id is None:
        return None
    # NO KEY UPDATE: re-saving the amendment has already key-share locked its original
    # (the amends_id foreign key), so FOR UPDATE would deadlock two amendments sealed at once.
    original = (
        await session.exec(
            select(Inspection)
            .where(Inspection.id == insp.amends_id)
            .with_for_update(key_share=True)
        )
    ).first()
    if original is None or original.status != SIGNED or original.campaign_id is None:
        return None
    already = (
        await session.exec(
            select(Inspection.id)
            .where(
                Inspection.amends_id == original.id,
                Inspection.id != insp.id,
                Inspection.status == SIGNED,
            )
            .limit(1)
        )
    ).first()
    return None if already is not None else original


async def _add_findings(
    session: AsyncSession, key: tuple[uuid.UUID, uuid.UUID, str], n: int
) -> None:
    t = StatsFindingTally
    stmt = dialect.insert(session, t).values(
        campaign_id=key[0], jurisdiction_id=key[1], violation_type=key[2], findings=n
    )
    await session.exec(
        stmt.on_conflict_do_update(
            index_elements=["campaign_id", "jurisdiction_id", "violation_type"],
            set_={"findings": t.findings + stmt.excluded.findings},
        )
    )


async def _add_slice(
    session: AsyncSession, key: Slice, found: int, turnout: int, sample: Inspection
) -> None:
    t = StatsEmployerTally
    where = (
        col(t.campaign_id) == key[0],
        col(t.jurisdiction_id) == key[1],
        col(t.employer_id) == key[2],
    )
    stmt = dialect.insert(session, t).values(
        campaign_id=key[0],
        jurisdiction_id=key[1],
        employer_id=key[2],
        **_latest_of(sample),
        with_findings=found,
        staff_turnout=turnout,
    )
    await session.exec(
        stmt.on_conflict_do_update(
            index_elements=["campaign_id", "jurisdiction_id", "employer_id"],
            set_={
                "with_findings": t.with_findings + stmt.excluded.with_findings,
                "staff_turnout": t.staff_turnout + stmt.excluded.staff_turnout,
            },
        )
    )
    i = Inspection
    latest = (
        await session.exec(
            select(i)
            .where(
                i.campaign_id == key[0],
                i.jurisdiction_id == key[1],
                i.employer_id == key[2],
                *counted(i),
            )
            .order_by(col(i.visited_on).desc(), col(i.signed_at).desc(), col(i.id).desc())
            .limit(1)
        )
    ).first()
    if latest is None:  # only if an amendment had moved to another place: nothing left here
        await session.exec(sa.delete(t).where(*where))
    else:
        await session.exec(sa.update(t).where(*where).values(**_latest_of(latest)))


async def tally_sealed(session: AsyncSession, insp: Inspection) -> None:
    """Add an inspection to the tallies; call in the transaction that seals it, after the
    flush that made it signed. Not in a campaign: nothing to tally."""
    if insp.campaign_id is None:
        return
    changes = _Changes()
    await changes.count(session, insp, +1)
    replaced = await _replaced(session, insp)
    if replaced is not None:
        await changes.count(session, replaced, -1)
    for key, n in sorted(changes.findings.items()):
        if n:
            await _add_findings(session, key, n)
    for slice_key, (found, turnout, sample) in sorted(changes.slices.items(), key=lambda kv: kv[0]):
        await _add_slice(session, slice_key, found, turnout, sample)


def _finding_rows() -> Any:
    i = Inspection
    return (
        select(
            col(i.campaign_id), col(i.jurisdiction_id), col(Finding.violation_type), sa.func.count()
        )
        .join(i, col(i.id) == col(Finding.inspection_id))
        .where(*counted(i))
        .group_by(col(i.campaign_id), col(i.jurisdiction_id), col(Finding.violation_type))
    )


def _employer_rows() -> Any:
    i, o = Inspection, aliased(Inspection)
    per = (col(i.campaign_id), col(i.jurisdiction_id), col(i.employer_id))
    found = sa.case((sa.exists().where(col(Finding.inspection_id) == col(i.id)), 1), else_=0)
    copied = (col(getattr(i, c)) for c in ("visited_on", "signed_at", *HEADS))
    rank = sa.func.row_number().over(
        partition_by=per,
        order_by=(col(i.visited_on).desc(), col(i.signed_at).desc(), col(i.id).desc()),
    )
    ranked = (
        select(
            *per,
            col(i.id).label("inspection_id"),
            *copied,  # type: ignore[call-overload]
            rank.label("rank"),
            sa.func.sum(found).over(partition_by=per).label("with_findings"),
        )
        .where(*counted(i))
        .subquery("ranked")
    )
    staff = (
        select(
            col(o.campaign_id).label("c"),
            col(o.jurisdiction_id).label("j"),
            col(o.employer_id).label("e"),
            sa.func.count().label("n"),
        )
        .select_from(InspectionSignature)
        .join(o, col(o.id) == col(InspectionSignature.inspection_id))
        .where(col(o.campaign_id).is_not(None), col(o.status) == SIGNED, col(o.amends_id).is_(None))
        .group_by(col(o.campaign_id), col(o.jurisdiction_id), col(o.employer_id))
        .subquery("staff")
    )
    r = ranked.c
    return (
        select(
            r.campaign_id,
            r.jurisdiction_id,
            r.employer_id,  # type: ignore[call-overload]
            *(r[c] for c in LATEST),
            r.with_findings,
            sa.func.coalesce(staff.c.n, 0),
        )
        .outerjoin(
            staff,
            sa.and_(
                staff.c.c == r.campaign_id,
                staff.c.j == r.jurisdiction_id,
                staff.c.e == r.employer_id,
            ),
        )
        .where(r.rank == 1)
    )


async def rebuild_tallies(session: AsyncSession) -> None:
    """Derive both tallies afresh from the signed inspections, their findings and signatures."""
    f, e = StatsFindingTally, StatsEmployerTally
    await session.exec(sa.delete(f))
    await session.exec(sa.delete(e))
    await session.exec(
        sa.insert(f).from_select(
            ["campaign_id", "jurisdiction_id", "violation_type", "findings"], _finding_rows()
        )
    )
    await session.exec(
        sa.insert(e).from_select(
            [
                "campaign_id",
                "jurisdiction_id",
                "employer_id",
                *LATEST,
                "with_findings",
                "staff_turnout",
            ],
            _employer_rows(),
        )
    )
