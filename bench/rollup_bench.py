"""The periodic-report roll-up for a province of 100 counties, on PostgreSQL: < 1 s a step.

    .venv/bin/python bench/rollup_bench.py [--counties N] [--database URL]

What POST and GET /stats/reports and GET /stats/submissions do
(`services/reports/submissions.py`), as each place's coordinator, on a throwaway
database (bench/harness.py pg_database()), migrated. A national campaign of 2026
(1 July – 31 December) reports every ten days (8th, 18th, 28th): 15 periods up to
28 November, the period measured. Two provinces of N counties (default 100):

- 河北省, 10 cities of N/10 counties each: every county has frozen its report for every
  period (1 in 10 with a correction, a second version), but 3 counties per city not yet
  for the period measured. Each city then freezes its roll-up of its counties (timed,
  the median of the 10 cities); the province then opens its roll-up of the 10 cities
  (GET /stats/reports, not frozen: what would be frozen now) and its submissions list.
- 海南省, the same N counties' reports directly under the province (省直管县: no city
  level), so the province's roll-up sums N forms at once: it opens that roll-up and its
  submissions list.

Each GET figure is the median of 3 calls after a warm-up, each call on a session of its
own, as a request has. The county reports are made with the form's own `fill` (random
figures on the national template) and COPYed in, not frozen through the API.

Reference: one county opening its own frozen report (one form read back, no roll-up).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import SessionMaker, transaction
from app.domain.report_form import DEFAULT_TEMPLATE, fill
from app.domain.report_periods import periods
from app.domain.taxonomy import JurisdictionLevel, Role
from app.models.inspections import Campaign
from app.models.reference import Jurisdiction
from app.services.reports.form_template import collected
from app.services.reports.submissions import freeze_report, list_submissions, read_report
from bench.harness import run_on_a_database
from bench.world import actor, dsn, migrated, ms, places, timed

STARTS, ENDS = date(2026, 7, 1), date(2026, 12, 31)
RHYTHM = {"kind": "ten_days"}
MEASURED = date(2026, 11, 28)
INDUSTRY_VALUES = ("brick_kiln", "coal_mine", "mine", "workshop", "logistics", "other")


def county_figures(rnd: random.Random) -> dict[str, Any]:
    """A county's frozen figures as `freeze_report` stores them, the form filled by
    `fill` from random figures by industry."""
    t = DEFAULT_TEMPLATE
    by_column = {
        c.key: (
            {i: rnd.randint(0, 400) * (100 if c.money else 1) for i in INDUSTRY_VALUES}
            if collected(c)
            else None
        )
        for c in t.columns
    }
    form = fill(t, by_column)
    return {"template": t.as_json(), **form.as_json(), "included": [], "missing": []}


async def _generate(url: str, maker: SessionMaker, n: int) -> None:
    (root,) = await places(maker, None, [("全国", JurisdictionLevel.national)])
    hebei, hainan = await places(
        maker,
        root,
        [("河北省", JurisdictionLevel.province), ("海南省", JurisdictionLevel.province)],
    )
    cities = await places(
        maker, hebei, [(f"第{c + 1}市", JurisdictionLevel.city) for c in range(10)]
    )
    counties: list[tuple[Jurisdiction, bool]] = []
    for c, city in enumerate(cities):
        found = await places(
            maker,
            city,
            [(f"第{c + 1}市{k + 1}县", JurisdictionLevel.county) for k in range(n // 10)],
        )
        counties += [(k, i >= 3) for i, k in enumerate(found)]  # 3 a city not yet in
    found = await places(
        maker, hainan, [(f"直管第{k + 1}县", JurisdictionLevel.county) for k in range(n)]
    )
    counties += [(k, i % 10 >= 1) for i, k in enumerate(found)]  # 1 in 10 not yet in
    started = time.perf_counter()
    campaign = uuid.uuid4()
    rnd = random.Random(2007)
    ends = [p for p in periods(STARTS, ENDS, RHYTHM) if p.end <= MEASURED]
    rows = []
    for county, submitted in counties:
        for p in ends:
            if p.end == MEASURED and not submitted:
                continue
            at = datetime(p.end.year, p.end.month, p.end.day, 6, tzinfo=UTC)
            for version in (1, 2) if rnd.random() < 0.1 else (1,):
                rows.append(
                    (
                        uuid.uuid4(),
                        campaign,
                        county.id,
                        county.path,
                        p.end,
                        p.due,
                        version,
                        DEFAULT_TEMPLATE.version,
                        json.dumps(county_figures(rnd), ensure_ascii=False),
                        "更正：补报遗漏数据" if version == 2 else None,
                        "bench",
                        "县统计员",
                        at + timedelta(hours=version),
                    )
                )
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute(
            "INSERT INTO campaign (id, name, jurisdiction_id, starts_on, ends_on, created_by, "
            "created_at, reporting) VALUES ($1, '专项行动', $2, $3, $4, 'bench', now(), $5)",
            campaign,
            root.id,
            STARTS,
            ENDS,
            json.dumps(RHYTHM),
        )
        await conn.copy_records_to_table(
            "stats_report",
            records=rows,
            columns=[
                "id",
                "campaign_id",
                "jurisdiction_id",
                "jurisdiction_path",
                "period_end",
                "due_on",
                "version",
                "template_version",
                "figures",
                "reason",
                "frozen_by",
                "frozen_by_name",
                "frozen_at",
            ],
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    print(
        f"generated {len(rows):,} frozen county reports ({len(ends)} periods) in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


async def run(url: str, args: argparse.Namespace) -> None:
    engine, maker = await migrated(url)
    async with maker() as session:
        if (await session.exec(select(sa.func.count()).select_from(Campaign))).one() == 0:
            await _generate(url, maker, args.counties)  # a database kept with --database: once
        campaign = (await session.exec(select(Campaign.id))).one()

        async def place(name: str) -> Jurisdiction:
            return (await session.exec(select(Jurisdiction).where(Jurisdiction.name == name))).one()

        hebei, hainan, county = (
            await place("河北省"),
            await place("海南省"),
            await place("第1市4县"),
        )
        cities = (
            await session.exec(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id == hebei.id)
                .order_by(Jurisdiction.name)
            )
        ).all()
    n = args.counties

    # the cities freeze their roll-ups (a second run on a kept database corrects them)
    freezes = []
    for city in cities:
        started = time.perf_counter()
        async with transaction(maker) as session:
            await freeze_report(
                session,
                actor(Role.coordinator, city),
                campaign_id=campaign,
                jurisdiction_id=city.id,
                period_end=MEASURED,
                reason="bench rerun" if args.database else None,
            )
        freezes.append(time.perf_counter() - started)

    async def opened(who: Jurisdiction) -> Any:
        async with maker() as session:
            return await read_report(
                session,
                actor(Role.coordinator, who),
                campaign_id=campaign,
                jurisdiction_id=who.id,
                period_end=MEASURED,
            )

    async def submissions(who: Jurisdiction) -> Any:
        async with maker() as session:
            return await list_submissions(
                session, actor(Role.coordinator, who), campaign_id=campaign, period_end=MEASURED
            )

    ref, ref_times = await timed(lambda: opened(county))
    hebei_open, hebei_times = await timed(lambda: opened(hebei))
    hebei_subs, hebei_sub_times = await timed(lambda: submissions(hebei))
    hainan_open, hainan_times = await timed(lambda: opened(hainan))
    hainan_subs, hainan_sub_times = await timed(lambda: submissions(hainan))
    view = await opened(hainan)
    *_, listed = await submissions(hainan)
    await engine.dispose()
    print(
        f"海南省 roll-up: {len(view.included)} counties included, {len(view.missing)} missing, "
        f"total workers {view.form.total.get('workers')}; submissions listed {len(listed)}"
    )
    print(
        f"reference: a county opens its frozen report: median of 3 {ref * 1000:.0f} ms "
        f"(runs: {ms(ref_times)} ms; first is warm-up)"
    )
    print(
        f"a city freezes its roll-up of {n // 10} counties: median of {len(freezes)} "
        f"{statistics.median(freezes) * 1000:.0f} ms (runs: {ms(freezes)} ms)"
    )
    print(
        f"河北省 submissions, 10 cities: median of 3 {hebei_subs * 1000:.0f} ms "
        f"(runs: {ms(hebei_sub_times)} ms; first is warm-up)"
    )
    print(
        f"河北省 opens its roll-up of 10 cities ({n} counties): median of 3 "
        f"{hebei_open * 1000:.0f} ms (runs: {ms(hebei_times)} ms; first is warm-up)"
    )
    print(
        f"海南省 submissions, {n} counties: median of 3 {hainan_subs * 1000:.0f} ms "
        f"(runs: {ms(hainan_sub_times)} ms; first is warm-up)"
    )
    print(
        f"海南省 opens its roll-up of {n} counties: median of 3 {hainan_open * 1000:.0f} ms "
        f"(runs: {ms(hainan_times)} ms; first is warm-up)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    run_on_a_database(parser, run)
