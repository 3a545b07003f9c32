"""The statistics table's rules that the API tests do not show: defusing, exact money,
draft amendments, and sign-off through the service."""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import transaction
from app.domain.permissions import Actor
from app.domain.stats import COLUMN_KEYS, defuse, from_json, roll_up, to_json
from app.domain.taxonomy import AgencyKind, Role
from app.errors import Conflict, NotFound
from app.models.inspections import Inspection
from app.models.stats import StatsEmployerTally, StatsFindingTally
from app.services.inspections.stats_tally import rebuild_tallies
from app.services.reports.stats import compute_stats, sign_off_stats
from tests.factories import World
from tests.services.stats_world import build_stats_world, expected


@pytest.mark.parametrize(
    ("cell", "out"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("黄骅镇", "黄骅镇"),
        ("", ""),
        (12, 12),
        (Decimal("-3.50"), Decimal("-3.50")),
    ],
)
def test_text_a_spreadsheet_would_run_is_defused(cell: object, out: object) -> None:
    assert defuse(cell) == out


def test_money_survives_freezing_exactly_and_rows_roll_up() -> None:
    a = from_json({"fines_amount": "0.10", "fines": 1})
    b = from_json({"fines_amount": "0.20", "fines": 2})
    total = roll_up([a, b])
    assert total["fines_amount"] == Decimal("0.30") and total["fines"] == 3
    frozen = to_json(total)
    assert frozen["fines_amount"] == "0.30" and set(frozen) == set(COLUMN_KEYS)
    assert from_json(frozen) == total


def _coordinator(world: World) -> Actor:
    home = world.places["home"]
    return Actor(
        kind="user",
        id=str(world.user(Role.coordinator).id),
        name="协调员",
        role=Role.coordinator,
        agency_id=world.agency(AgencyKind.coordinator).id,
        agency_kind=AgencyKind.coordinator,
        jurisdiction_id=home.id,
        jurisdiction_path=home.path,
    )


async def test_a_draft_amendment_does_not_replace_what_was_signed(world: World) -> None:
    sw = await build_stats_world(world)
    async with transaction(world.db.sessionmaker) as s:
        signed = await s.get(Inspection, sw.inspections["a2"])
        assert signed is not None
        s.add(
            Inspection(
                **{
                    **signed.model_dump(exclude={"id", "status", "signed_at"}),
                    "amends_id": signed.id,
                    "status": "draft",
                    "total": 99,
                    "local": 99,
                }
            )
        )
    async with transaction(world.db.sessionmaker) as s:
        table = await compute_stats(s, _coordinator(world), campaign_id=sw.campaign_id)
    assert table.place.id == world.places["home"].id  # the actor's own by default
    assert table.total == expected()["合计"]


async def test_sign_off_through_the_service_is_once_per_period(world: World) -> None:
    sw = await build_stats_world(world)
    actor = _coordinator(world)
    async with transaction(world.db.sessionmaker) as s:
        table = await sign_off_stats(s, actor, campaign_id=sw.campaign_id)
    assert table.signed_off is not None and table.signed_off["by"] == "协调员"
    async with transaction(world.db.sessionmaker) as s:
        with pytest.raises(Conflict):
            await sign_off_stats(s, actor, campaign_id=sw.campaign_id)
    async with transaction(world.db.sessionmaker) as s:
        with pytest.raises(NotFound):
            await compute_stats(
                s, actor, campaign_id=sw.campaign_id, jurisdiction_id=world.places["foreign"].id
            )


def _migration_0010() -> Any:
    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob("*_0010_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _fill_as_migration_0010_did(session: AsyncSession) -> None:
    migration = _migration_0010()
    await session.exec(sa.delete(StatsFindingTally))
    await session.exec(sa.delete(StatsEmployerTally))
    for sql in (migration.FILL_FINDINGS, migration.FILL_EMPLOYERS):
        await session.exec(sa.text(sql))  # type: ignore[call-overload]


async def _tallies(session: AsyncSession) -> tuple[list[Any], list[Any]]:
    findings = (
        await session.exec(select(StatsFindingTally).where(StatsFindingTally.findings != 0))
    ).all()
    employers = (await session.exec(select(StatsEmployerTally))).all()
    return (
        sorted(f.model_dump_json() for f in findings),
        sorted(e.model_dump_json() for e in employers),
    )


@pytest.mark.parametrize(
    "rebuild",
    [rebuild_tallies, _fill_as_migration_0010_did],
    ids=["rebuild_tallies", "migration_0010"],
)
async def test_tallies_rebuilt_from_the_inspections_match_those_kept_at_each_seal(
    world: World, rebuild: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    sw = await build_stats_world(world)  # tallied seal by seal, amendment included
    async with transaction(world.db.sessionmaker) as s:
        kept = await _tallies(s)
        await rebuild(s)
    async with transaction(world.db.sessionmaker) as s:
        assert await _tallies(s) == kept
        assert len(kept[1]) == 5  # a1, a2, b1, b2 and the foreign county's f1
        table = await compute_stats(s, _coordinator(world), campaign_id=sw.campaign_id)
    assert table.total == expected()["合计"]
