"""Coverage for a county with 100,000 employers, on PostgreSQL: target < 1 s a page.

    .venv/bin/python bench/coverage_bench.py [--employers N] [--explain]

What GET /campaigns/{id}/coverage does (`coverage.campaign_coverage`), called as the
county office (黄骅市's coordinator) on a throwaway database (bench/harness.py
pg_database()), migrated: the counts per township (registered, visited, self-checked,
flagged not visited) and the first page of 50 employers not yet visited, flagged first;
then the next page, from the first page's cursor. Each the median of 3 calls after a
warm-up, each call on a session of its own, as a request has.

Seeded set-based: 10 townships × 10 villages; N employers (default 100,000), 97% in
villages, 2% on a township, 1% on the county itself (the `own` row); a business licence
for 6 in 7 of them (1 in 13 of those expired), a safety permit for two thirds of those in
the industries that need one; the county's campaign of 2026 with ~40% of the employers
visited (signed), ~7% submitted and awaiting signatures, 5% draft (not a visit), 2%
visited twice (a follow-up), 10% self-checked. So ~64,000 inspections.

Reference: the bare scan the counts cannot beat, on a raw asyncpg connection: the
area's employers counted per place (`SELECT path, count(*) … GROUP BY path`).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.taxonomy import AgencyKind, JurisdictionLevel, Role
from app.models.employers import Employer
from app.models.inspections import Campaign
from app.models.reference import Jurisdiction
from app.services.reports.coverage import campaign_coverage
from bench.harness import run_on_a_database
from bench.world import HEBEI, actor, agency, bulk, chain, dsn, migrated, ms, places, timed

EMPLOYERS = """
INSERT INTO employer (id, name, uscc, industry, jurisdiction_id, address, created_at, updated_at)
SELECT md5('e' || g)::uuid, '黄骅市第' || g || '号企业', NULL,
       (ARRAY['brick_kiln', 'coal_mine', 'mine', 'workshop', 'construction_team', 'smelter',
              'logistics', 'furniture', 'manufacturing', 'other'])[1 + g % 10],
       CASE WHEN g % 100 = 0 THEN $2::uuid
            WHEN g % 100 IN (1, 2) THEN (SELECT array_agg(id ORDER BY path) FROM jurisdiction
                                          WHERE level = 'township')[1 + g % 10]
            ELSE v.ids[1 + g % 100] END,
       '第' || g || '号', now() - make_interval(secs => $1 - g), now()
FROM generate_series(1, $1::int) g,
     (SELECT array_agg(id ORDER BY path) ids FROM jurisdiction WHERE level = 'village') v
"""
LICENCES = """
INSERT INTO licence (id, employer_id, kind, number, valid_until)
SELECT md5('lb' || g)::uuid, md5('e' || g)::uuid, 'business', 'B' || g,
       CASE WHEN g % 13 = 1 THEN CURRENT_DATE - 30 WHEN g % 3 = 0 THEN CURRENT_DATE + 400 END
FROM generate_series(1, $1::int) g WHERE g % 7 <> 0
"""
SAFETY = """
INSERT INTO licence (id, employer_id, kind, number, valid_until)
SELECT md5('ls' || g)::uuid, md5('e' || g)::uuid, 'safety', 'S' || g, CURRENT_DATE + 200
FROM generate_series(1, $1::int) g WHERE g % 10 IN (0, 1, 2, 5) AND g % 3 <> 0
"""
INSPECTOR = """
INSERT INTO app_user (id, username, display_name, password_hash, role, agency_id, is_active,
                      created_at)
VALUES ($1, 'inspector', '检查员', 'x', 'inspector', $2, true, now())
"""
CAMPAIGN = """
INSERT INTO campaign (id, name, jurisdiction_id, starts_on, ends_on, created_by, created_at)
VALUES ($1, '专项行动', $2, DATE '2026-07-01', DATE '2026-12-31', 'bench', now())
"""
INSPECTIONS = """
INSERT INTO inspection (id, employer_id, jurisdiction_id, campaign_id, inspector_id, kind,
    status, visited_on, total, local, migrant, female, minors_16_18, children_under_16,
    contracts_signed, checklist, required_signer_ids, created_at, updated_at, signed_at)
SELECT gen_random_uuid(), e.id, e.jurisdiction_id, $2, $3, k.kind, k.status,
       DATE '2026-07-01' + g % 150, 10, 6, 4, 2, 0, 0, 8, '{}', '[]', now(), now(),
       CASE WHEN k.status = 'signed' THEN now() END
FROM generate_series(1, $1::int) g
JOIN employer e ON e.id = md5('e' || g)::uuid
CROSS JOIN LATERAL (VALUES
    (g % 5 IN (0, 1), 'enforcement', 'signed'),
    (g % 5 = 2 AND g % 3 = 0, 'enforcement', 'submitted'),
    (g % 5 = 3 AND g % 4 = 0, 'enforcement', 'draft'),
    (g % 50 = 0, 'follow_up', 'signed'),
    (g % 10 = 7, 'self_check', 'signed')
) AS k(wanted, kind, status)
WHERE k.wanted
"""
BARE = """
SELECT j.path, count(*) FROM employer e JOIN jurisdiction j ON j.id = e.jurisdiction_id
WHERE j.path LIKE $1 || '%' GROUP BY j.path
"""


def _explain_everything(engine: Any) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _explain(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        if "employer" in statement and statement.lstrip().upper().startswith("SELECT"):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            print("\n".join(r[0] for r in cursor.fetchall()), "\n", flush=True)
        return statement, params


async def _generate(url: str, maker: Any, n: int) -> None:
    *_, county = await chain(maker, HEBEI)
    towns = await places(
        maker, county, [(f"第{t + 1}镇", JurisdictionLevel.township) for t in range(10)]
    )
    for t, town in enumerate(towns):
        await places(
            maker, town, [(f"第{t + 1}镇{v + 1}村", JurisdictionLevel.village) for v in range(10)]
        )
    labour = await agency(maker, AgencyKind.labour, county)
    started = time.perf_counter()
    campaign, inspector = uuid.uuid4(), uuid.uuid4()
    await bulk(
        url,
        [
            (EMPLOYERS, (n, county.id)),
            (LICENCES, (n,)),
            (SAFETY, (n,)),
            (INSPECTOR, (inspector, labour.id)),
            (CAMPAIGN, (campaign, county.id)),
            (INSPECTIONS, (n, campaign, inspector)),
        ],
    )
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)


async def run(url: str, args: argparse.Namespace) -> None:
    engine, maker = await migrated(url)
    n = args.employers
    async with maker() as session:
        if (await session.exec(select(sa.func.count()).select_from(Campaign))).one() == 0:
            await _generate(url, maker, n)  # a database kept with --database: once
        county = (
            await session.exec(select(Jurisdiction).where(Jurisdiction.level == "county"))
        ).one()
        campaign = (await session.exec(select(Campaign.id))).one()
        n = (await session.exec(select(sa.func.count()).select_from(Employer))).one()
    office = actor(Role.coordinator, county)
    if args.explain:
        _explain_everything(engine)

    first: list[Any] = []

    async def page(cursor: str | None = None) -> None:
        async with maker() as session:
            found = await campaign_coverage(session, office, campaign, cursor=cursor, limit=50)
            first[:] = [found]

    runs = 1 if args.explain else 3
    one, times = await timed(page, runs)
    found = first[0]
    nxt = found.next_cursor
    two, times2 = await timed(lambda: page(nxt), runs)
    conn = await asyncpg.connect(dsn(url))
    try:

        async def bare() -> None:
            await conn.fetch(BARE, county.path)

        ref, ref_times = await timed(bare, runs)
    finally:
        await conn.close()
    await engine.dispose()
    print(
        f"registered {found.total('registered'):,}  inspected {found.total('inspected'):,}  "
        f"self-checked {found.total('self_checked'):,}  not inspected "
        f"{found.total('not_inspected'):,} (flagged "
        f"{found.total('not_inspected_flagged'):,})  rows {len(found.rows)}  "
        f"page {len(found.not_inspected)}"
    )
    print(
        f"reference: bare grouped count of the employers: median of 3 {ref * 1000:.0f} ms "
        f"(runs: {ms(ref_times)} ms; first is warm-up)"
    )
    print(
        f"coverage next page, county, {n:,} employers: median of 3 {two * 1000:.0f} ms "
        f"(runs: {ms(times2)} ms; first is warm-up)"
    )
    print(
        f"coverage first page, county, {n:,} employers: median of 3 {one * 1000:.0f} ms "
        f"(runs: {ms(times)} ms; first is warm-up)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true")
    run_on_a_database(parser, run)
