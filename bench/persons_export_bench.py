"""The persons export (工资清算台账, CSV) of 100,000 rows, on PostgreSQL: flat memory.

    .venv/bin/python bench/persons_export_bench.py [--rows 10000,100000]

What GET /ledger/persons?format=csv streams (`person_ledger.stream_ledger_csv`, on a
session of its own, keyset batches of 500), read to the end as 黄骅市's labour bureau
(its own share of every case), on a throwaway database (bench/harness.py
pg_database()), migrated. Seeded set-based: cases of 50 persons each (workers, 1 in 10
a child, masked ID and phone, amount owed), a third of them with one or two wage
payments (employer, advance fund, wage guarantee); first the smallest row count, then
topped up to each larger one.

Each export runs in a fresh process (`--measure`), so one export's freed memory cannot
hide the next one's growth: the process's resident memory right before the export
(everything imported, the engine made), then the peak (VmHWM, reset at the start)
while it streams. Flat means the growth (peak − before) does not grow with the rows.

Reference: PostgreSQL's own `COPY (SELECT …) TO STDOUT WITH CSV` of the same persons
joined to their cases and employers, on a raw asyncpg connection (no masking, no
payments, no defusing): the time a file of those rows takes the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import create_engine, create_sessionmaker
from app.domain.taxonomy import AgencyKind, Role
from app.models.reference import Agency, Jurisdiction
from app.services.cases.person_ledger import stream_ledger_csv
from bench.harness import pg_database
from bench.world import (
    HEBEI,
    actor,
    agency,
    chain,
    dsn,
    migrated,
    peak_rss_mb,
    reset_peak_rss,
    rss_mb,
    settings_for,
)

PER_CASE = 50

CASES = """
INSERT INTO employer (id, name, industry, jurisdiction_id, address, created_at, updated_at)
SELECT md5('e' || g)::uuid, '黄骅市第' || g || '号建筑工地', 'construction_team', $3, '',
       now(), now()
FROM generate_series($1::int, $2::int) g;
"""
CASE_ROWS = """
INSERT INTO "case" (id, employer_id, status, severity, violation_types, description, umbrella,
                    opened_at, jurisdiction_path, version, updated_at)
SELECT md5('c' || g)::uuid, md5('e' || g)::uuid, 'in_progress', 'normal', '["wage_arrears"]',
       '', false, now() - make_interval(days => g % 300), $3, 1, now()
FROM generate_series($1::int, $2::int) g
"""
ASSIGNMENTS = """
INSERT INTO assignment (id, case_id, agency_id, role, status, due_at, reason, rule_version,
                        violation_types, restricted, version, change_seq, created_at, updated_at)
SELECT md5('a' || g)::uuid, md5('c' || g)::uuid, $3, 'lead', 'accepted',
       now() + interval '3 days', 'routed by rule wage_arrears', 1, '["wage_arrears"]', false,
       1, 0, now(), now()
FROM generate_series($1::int, $2::int) g
"""
PERSONS = """
INSERT INTO person (id, case_id, jurisdiction_path, role, role_entered, name, id_number_hash,
    id_number_masked, phone_masked, sex, birth_date, hometown, amount_owed, owed_period,
    outstanding_reason, notes, handover_kind, handover_to, handover_on, created_by, created_at,
    updated_at)
SELECT md5('p' || g)::uuid, md5('c' || (1 + (g - 1) / $3))::uuid, $4,
       CASE WHEN g % 10 = 0 THEN 'child' ELSE 'worker' END, 'worker',
       (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + g % 8] || '某' || g,
       md5('id' || g), '1309**********' || lpad((g % 10000)::text, 4, '0'),
       '138****' || lpad((g % 10000)::text, 4, '0'),
       (ARRAY['male','female'])[1 + g % 2], DATE '1970-01-01' + (g % 15000),
       '河北省沧州市', CASE WHEN g % 10 = 0 THEN NULL ELSE 3000 + (g % 50) * 100 END,
       '2026年1月至6月', CASE WHEN g % 17 = 0 THEN '=用人单位逃匿' END, '',
       CASE WHEN g % 10 = 0 THEN 'guardian' END, CASE WHEN g % 10 = 0 THEN '父亲' END,
       CASE WHEN g % 10 = 0 THEN DATE '2026-07-15' END, 'bench',
       TIMESTAMPTZ '2026-07-01 00:00+00' + make_interval(secs => g), now()
FROM generate_series($1::int, $2::int) g
"""
PAYMENTS = """
INSERT INTO person_payment (id, person_id, case_id, amount, paid_on, source, note, created_by,
                            created_at)
SELECT gen_random_uuid(), md5('p' || g)::uuid, md5('c' || (1 + (g - 1) / $3))::uuid,
       1000 + n * 500, DATE '2026-08-01' + n,
       (ARRAY['employer','advance_fund','guarantee'])[1 + (g + n) % 3], '', 'bench', now()
FROM generate_series($1::int, $2::int) g, generate_series(0, 1) n
WHERE g % 3 = 0 AND (n = 0 OR g % 2 = 0)
"""
BARE = """
SELECT c.id, e.name, p.name, p.role, p.id_number_masked, p.sex, p.birth_date,
             p.hometown, p.phone_masked, p.owed_period, p.amount_owed, p.outstanding_reason,
             p.handover_kind, p.handover_to, p.handover_on, p.documents_returned_on
      FROM person p JOIN "case" c ON c.id = p.case_id JOIN employer e ON e.id = c.employer_id
ORDER BY p.created_at, p.id
"""


async def _top_up(url: str, have: int, want: int) -> None:
    """Cases and persons from `have` persons up to `want`, set-based."""
    conn = await asyncpg.connect(dsn(url), command_timeout=1800)
    try:
        county = await conn.fetchrow("SELECT id, path FROM jurisdiction WHERE level = 'county'")
        labour = await conn.fetchval("SELECT id FROM agency WHERE kind = 'labour'")
        first_case, last_case = have // PER_CASE + 1, (want + PER_CASE - 1) // PER_CASE
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(CASES, first_case, last_case, county["id"])
            await conn.execute(CASE_ROWS, first_case, last_case, county["path"])
            await conn.execute(ASSIGNMENTS, first_case, last_case, labour)
            await conn.execute(PERSONS, have + 1, want, PER_CASE, county["path"])
            await conn.execute(PAYMENTS, have + 1, want, PER_CASE)
        await conn.execute("VACUUM ANALYZE")
        print(f"  persons {have:,} → {want:,} in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()


async def _export(url: str) -> None:
    """The child: stream the whole ledger, print rows, bytes, seconds and memory."""
    engine = create_engine(settings_for(url))
    maker = create_sessionmaker(engine)
    async with maker() as session:
        county = (
            await session.exec(select(Jurisdiction).where(Jurisdiction.level == "county"))
        ).one()
        labour = (await session.exec(select(Agency).where(Agency.kind == "labour"))).one()
    bureau = actor(Role.agency_officer, county, labour)
    before = rss_mb()
    reset_peak_rss()
    started = time.perf_counter()
    size = lines = 0
    async for chunk in stream_ledger_csv(maker, bureau, None):
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    await engine.dispose()
    print(
        f"rows={lines - 1} bytes={size} seconds={seconds:.2f} rss_before={before:.1f} "
        f"peak={peak:.1f} growth={peak - before:.1f}"
    )


async def _bare(url: str) -> tuple[float, int]:
    conn = await asyncpg.connect(dsn(url))
    size = 0

    async def sink(data: bytes) -> None:
        nonlocal size
        size += len(data)

    try:
        started = time.perf_counter()
        await conn.copy_from_query(BARE, output=sink, format="csv")
        return time.perf_counter() - started, size
    finally:
        await conn.close()


def _measured(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", url],
        capture_output=True,
        text=True,
        timeout=1800,
        env=os.environ,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out.stdout)}


async def _prepare(url: str) -> None:
    engine, maker = await migrated(url)
    *_, county = await chain(maker, HEBEI)
    await agency(maker, AgencyKind.labour, county)
    await engine.dispose()


def run(url: str, sizes: list[int]) -> None:
    asyncio.run(_prepare(url))
    have = 0
    results = []
    for want in sizes:
        asyncio.run(_top_up(url, have, want))
        have = want
        got = _measured(url)
        ref, ref_bytes = asyncio.run(_bare(url))
        results.append((want, got, ref))
        print(
            f"{int(got['rows']):,} rows: {got['seconds']:.1f} s, {got['bytes'] / 2**20:.1f} MiB; "
            f"RSS {got['rss_before']:.0f} MB before, peak {got['peak']:.0f} MB, "
            f"growth {got['growth']:.1f} MB; reference COPY {ref:.2f} s "
            f"({ref_bytes / 2**20:.1f} MiB)",
            flush=True,
        )
    (small, s, _), (large, big, ref) = results[0], results[-1]
    print(
        f"persons export CSV: {large:,} rows in {big['seconds']:.1f} s "
        f"({big['rows'] / big['seconds']:,.0f} rows/s; reference COPY {ref:.2f} s); peak RSS "
        f"growth {s['growth']:.1f} MB at {small:,} rows, {big['growth']:.1f} MB at {large:,}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000", help="row counts, ascending")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        asyncio.run(_export(options.measure))
    else:
        counts = sorted(int(n.replace("_", "")) for n in options.rows.split(",") if n)
        with pg_database() as database_url:
            run(database_url, counts)
