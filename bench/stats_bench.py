"""The statistics table for a county with 1,000,000 findings, on PostgreSQL: target < 1 s.

    .venv/bin/python bench/stats_bench.py [--findings N] [--explain] [--database URL]

Builds a throwaway database (bench/harness.py pg_database()), migrates it, and
generates with set-based SQL (INSERT … SELECT generate_series): one county of
10 townships × 10 villages, 50,000 employers, 200,000 signed campaign
inspections (1% amended) with 2 signatures each, N findings (default
1,000,000), 20,000 cases with 2 assignments, 3 actions and 1 rectification
each, and 30,000 tips. The inspections are inserted already signed, so the
statistics tallies that sealing keeps are then derived in one pass
(`stats_tally.rebuild_tallies`, as migration 0010 does). Then times
`compute_stats` — what GET /api/v1/stats does — for the county: the median of
3 runs after one warm-up. `--explain` prints EXPLAIN ANALYZE of every query the
table runs.

Recorded on the shared 2-core machine (PostgreSQL, ANALYZEd, warm cache), 1,000,000
findings (990,0xx counted), 200,000 inspections, 50,000 employers:

    Before (Nov 2026, counted live from the findings): median 1.26-1.37 s with the
        machine nearly idle, 1.9 s at load 1-2, 2.6-4.5 s at load 5-6.5. The joins of
        1,000,000 findings to the campaign's inspections (counts by type; employers with
        any finding) took 0.3-0.5 s each, the latest-inspection ranking of 200,000
        inspections ~0.3 s, the signatures ~0.15-0.26 s. Better SQL was tried first and
        does not get there: a covering index on finding(inspection_id, violation_type),
        aggregating findings per inspection first, one pass with GROUPING SETS or FILTER
        columns, merge and nested-loop joins all stay at ≥ 0.2 s per million-row pass
        (two are needed), ~0.8 s in all at best.
    After (inspection figures read from the tallies kept at each seal): median
        0.16-0.25 s at load 3-4. The largest query left ranks the 50,000 employer tally
        rows (~0.1 s); tips, cases, actions and rectifications ~0.1 s together.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import create_engine, create_sessionmaker, transaction
from app.domain.permissions import SYSTEM_ACTOR, Actor
from app.domain.taxonomy import VIOLATION_TYPES, AgencyKind, JurisdictionLevel, Role
from app.migrate import upgrade
from app.services.inspections.stats_tally import rebuild_tallies
from app.services.registry import reference
from app.services.reports.stats import compute_stats
from bench.harness import run_on_a_database

CODES = "ARRAY[" + ",".join(f"'{v.code}'" for v in VIOLATION_TYPES) + "]"
INDUSTRIES = (
    "ARRAY['brick_kiln','coal_mine','mine','workshop','construction_team','smelter',"
    "'logistics','furniture','manufacturing','other']"
)

GENERATE = [
    # employers spread over the villages
    """INSERT INTO employer (id, name, industry, jurisdiction_id, address, created_at, updated_at)
       SELECT gen_random_uuid(), '单位' || g, ({ind})[1 + g % 10], v.ids[1 + g % 100], '',
              now(), now()
       FROM generate_series(1, :employers) g,
            (SELECT array_agg(id ORDER BY path) ids FROM jurisdiction
             WHERE level = 'village') v""",
    # four signed campaign inspections per employer
    """INSERT INTO inspection (id, employer_id, jurisdiction_id, campaign_id, inspector_id, kind,
           status, visited_on, total, local, migrant, female, minors_16_18, children_under_16,
           contracts_signed, checklist, required_signer_ids, created_at, updated_at, signed_at)
       SELECT gen_random_uuid(), e.id, e.jurisdiction_id, :campaign, :inspector, 'enforcement',
              'signed', DATE '2026-07-01' + (n * 7 + (hashtext(e.name) & 7)) % 31,
              20, 12, 8, 3, 1, (n % 2), 10, '{{}}', '[]', now(), now(), now()
       FROM employer e, generate_series(1, :per_employer) n""",
    # 1% amended: the amendment replaces its original in the figures
    """INSERT INTO inspection (id, employer_id, jurisdiction_id, campaign_id, inspector_id, kind,
           status, visited_on, total, local, migrant, female, minors_16_18, children_under_16,
           contracts_signed, checklist, required_signer_ids, amends_id, created_at, updated_at,
           signed_at)
       SELECT gen_random_uuid(), i.employer_id, i.jurisdiction_id, i.campaign_id, i.inspector_id,
              i.kind, 'signed', i.visited_on, 21, 13, 8, 3, 1, 0, 11, '{{}}', '[]', i.id, now(),
              now(), now()
       FROM (SELECT * FROM inspection ORDER BY id LIMIT :amended) i""",
    """INSERT INTO inspection_signature (id, inspection_id, user_id, signed_at)
       SELECT gen_random_uuid(), i.id, u.id, now()
       FROM inspection i, (SELECT id FROM app_user ORDER BY id LIMIT 2) u""",
    """INSERT INTO finding (id, inspection_id, violation_type, description, created_at)
       SELECT gen_random_uuid(), i.ids[1 + g % i.n], ({codes})[1 + g % {ncodes}], '见笔录', now()
       FROM generate_series(1, :findings) g,
            (SELECT array_agg(id) ids, count(*)::int n FROM inspection) i""",
    """INSERT INTO "case" (id, employer_id, status, severity, violation_types, description,
           umbrella, opened_at, jurisdiction_path, version, updated_at)
       SELECT gen_random_uuid(), e.id, (ARRAY['open','in_progress','closed'])[1 + r % 3],
              'normal', '["wage_arrears"]', '', false,
              TIMESTAMPTZ '2026-07-02 02:00+00' + (r % 28) * interval '1 day', j.path, 1, now()
       FROM (SELECT id, jurisdiction_id, row_number() OVER (ORDER BY id) r FROM employer
             ORDER BY id LIMIT :cases) e JOIN jurisdiction j ON j.id = e.jurisdiction_id""",
    """INSERT INTO assignment (id, case_id, agency_id, role, status, due_at, reason,
           rule_version, violation_types, restricted, version, change_seq, created_at, updated_at)
       SELECT gen_random_uuid(), c.id, a.id, 'lead', 'accepted', now(), '', 0, '[]', false, 1, 0,
              now(), now()
       FROM "case" c, agency a WHERE a.kind IN ('labour', 'police')""",
    """INSERT INTO action (id, assignment_id, case_id, type, note, amount, count, created_by,
           created_at)
       SELECT gen_random_uuid(), a.id, a.case_id,
              (ARRAY['fine','wages_recovered','children_rescued','site_closed'])[1 + n],
              '', CASE WHEN n < 2 THEN 1000.50 END, CASE WHEN n IN (1, 2) THEN 2 END, 'bench',
              now()
       FROM assignment a, generate_series(0, 2) n
       WHERE a.agency_id = (SELECT id FROM agency WHERE kind = 'labour')""",
    """INSERT INTO rectification (id, case_id, assignment_id, ordered_on, deadline, status,
           created_at, updated_at)
       SELECT gen_random_uuid(), a.case_id, a.id, DATE '2026-07-10', DATE '2026-08-10',
              (ARRAY['ordered','corrected'])[1 + (hashtext(a.id::text) & 1)], now(), now()
       FROM assignment a WHERE a.agency_id = (SELECT id FROM agency WHERE kind = 'labour')""",
    """INSERT INTO tip (id, receipt_hash, channel, status, description, violation_types,
           employer_name, address, scope_path, received_at, triage_due_at, needs_attention,
           updated_at)
       SELECT gen_random_uuid(), md5(g::text), (ARRAY['web','phone','letter','visit','mailbox'])
              [1 + g % 5], (ARRAY['received','triaged','rejected'])[1 + g % 3], '举报', '[]',
              '', '', v.paths[1 + g % 100],
              TIMESTAMPTZ '2026-07-01 00:00+00' + (g % 40) * interval '1 day', now(), false,
              now()
       FROM generate_series(1, :tips) g,
            (SELECT array_agg(path ORDER BY path) paths FROM jurisdiction
             WHERE level = 'village') v""",
]


async def _places(maker: Any) -> None:
    async with transaction(maker) as s:
        await reference.seed_reference_data(s)
        parent = None
        for name, level in (
            ("全国", JurisdictionLevel.national),
            ("河北省", JurisdictionLevel.province),
            ("沧州市", JurisdictionLevel.city),
            ("黄骅市", JurisdictionLevel.county),
        ):
            parent = await reference.create_jurisdiction(
                s, SYSTEM_ACTOR, name=name, level=level, parent_id=parent.id if parent else None
            )
        assert parent is not None
        for t in range(10):
            town = await reference.create_jurisdiction(
                s,
                SYSTEM_ACTOR,
                name=f"第{t + 1}镇",
                level=JurisdictionLevel.township,
                parent_id=parent.id,
            )
            for v in range(10):
                await reference.create_jurisdiction(
                    s,
                    SYSTEM_ACTOR,
                    name=f"第{t + 1}镇{v + 1}村",
                    level=JurisdictionLevel.village,
                    parent_id=town.id,
                )
        for kind in (AgencyKind.labour, AgencyKind.police):
            await reference.create_agency(
                s, SYSTEM_ACTOR, name=None, kind=kind, jurisdiction_id=parent.id
            )


async def _generate(engine: Any, findings: int) -> str:
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO app_user (id, username, display_name, password_hash, role, agency_id, "
                "is_active, created_at) SELECT gen_random_uuid(), 'inspector' || g, '检查员' || g, "
                "'x', 'inspector', (SELECT id FROM agency WHERE kind = 'labour'), true, now() "
                "FROM generate_series(1, 4) g"
            )
        )
        campaign = (
            await conn.execute(
                sa.text(
                    "INSERT INTO campaign (id, name, jurisdiction_id, starts_on, ends_on, "
                    "created_by, created_at) SELECT gen_random_uuid(), '专项行动', id, "
                    "DATE '2026-07-01', DATE '2026-07-31', 'bench', now() FROM jurisdiction "
                    "WHERE level = 'county' "
                    "RETURNING id"
                )
            )
        ).scalar_one()
        inspector = (
            await conn.execute(sa.text("SELECT id FROM app_user ORDER BY id LIMIT 1"))
        ).scalar_one()
        params = {
            "employers": 50_000,
            "per_employer": 4,
            "amended": 2_000,
            "findings": findings,
            "cases": 20_000,
            "tips": 30_000,
            "campaign": campaign,
            "inspector": inspector,
        }
        for sql in GENERATE:
            started = time.perf_counter()
            text = sql.format(ind=INDUSTRIES, codes=CODES, ncodes=len(VIOLATION_TYPES))
            await conn.execute(sa.text(text), {k: v for k, v in params.items() if f":{k}" in text})
            print(f"  {text.split()[2]:<22} {time.perf_counter() - started:6.1f} s", flush=True)
    await _vacuum(engine, "VACUUM ANALYZE")  # unanalysed, the tallies' rebuild takes minutes
    started = time.perf_counter()
    async with transaction(create_sessionmaker(engine)) as session:
        await rebuild_tallies(session)  # what sealing each inspection would have kept
    print(f"  {'tallies':<22} {time.perf_counter() - started:6.1f} s", flush=True)
    await _vacuum(engine, "VACUUM ANALYZE stats_employer_tally, stats_finding_tally")
    return str(campaign)


async def _vacuum(engine: Any, sql: str) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(sql))


def _explain_everything(engine: Any) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _explain(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        if statement.lstrip().upper().startswith("SELECT") and "GROUP BY" in statement:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            print("\n".join(r[0] for r in cursor.fetchall()), "\n", flush=True)
        return statement, params


async def run(url: str, args: argparse.Namespace) -> None:
    settings = Settings(
        database_url=url, secret_key=SecretStr("bench-only-secret-not-for-use-0123456789")
    )
    engine = create_engine(settings)
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with engine.connect() as conn:
        campaign = (await conn.execute(sa.text("SELECT id FROM campaign"))).scalar()
    if campaign is None:  # a database kept with --database is generated once
        await _places(maker)
        started = time.perf_counter()
        bulk = create_async_engine(url, connect_args={"command_timeout": 1800})
        campaign = await _generate(bulk, args.findings)
        await bulk.dispose()
        print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    async with engine.connect() as conn:
        county = (
            await conn.execute(sa.text("SELECT id, path FROM jurisdiction WHERE level = 'county'"))
        ).one()
    actor = Actor(
        kind="user",
        id="bench",
        name="bench",
        role=Role.coordinator,
        agency_id=None,
        agency_kind=None,
        jurisdiction_id=county.id,
        jurisdiction_path=county.path,
    )
    if args.explain:
        _explain_everything(engine)
    timings = []
    for _ in range(1 if args.explain else 4):
        async with maker() as session:
            t0 = time.perf_counter()
            table = await compute_stats(
                session, actor, campaign_id=campaign, jurisdiction_id=actor.jurisdiction_id
            )
            timings.append(time.perf_counter() - t0)
    await engine.dispose()
    total = table.total
    print(
        f"findings {total['findings']:,}  employers inspected {total['employers_inspected']:,}  "
        f"cases {total['cases_opened']:,}  tips {total['tips_received']:,}"
    )
    print(
        f"compute_stats, county, {args.findings:,} findings: median of 3 "
        f"{statistics.median(timings[-3:]) * 1000:.0f} ms (runs: "
        f"{', '.join(f'{t * 1000:.0f}' for t in timings)} ms; first is warm-up)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true")
    run_on_a_database(parser, run)
