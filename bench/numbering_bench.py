"""Document numbering under 32 concurrent issuers, on PostgreSQL: no gap, no duplicate.

    .venv/bin/python bench/numbering_bench.py [--issuers 32] [--each 3] [--numbers 25]

On a throwaway database (bench/harness.py pg_database()), migrated: 黄骅市's labour
bureau with 32 officers, each on a case of their own (an open case, the bureau's
share accepted), all issuing 询问笔录 (inquiry_record) at once: every officer issues
`--each` documents one after another, each in a transaction of its own as a request
has, through `documents.issue_document` (the number from the bureau's sequence for the
year and kind, the PDF and the Word file rendered, the row, the audit entry), on one
engine with a pool of 32 (one API process). One issue in 8 is rolled back after the
document was made, as a request that fails at its last step: its number must be given
back. Then the numbers the committed documents carry must be exactly 1..N (no gap, no
duplicate), and the sequence's last number N.

The same then for the number alone (`filing.next_number` and a commit, what filing a
case (立案) takes from the same kind of sequence): `--numbers` each, one in 8 rolled back.

Prints documents and numbers per second (committed, over the wall time of the burst),
each issue's latency (p50, max), gaps and duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import SessionMaker, transaction
from app.domain.documents import DocumentKind
from app.domain.taxonomy import AgencyKind, Role
from app.services.cases import filing
from app.services.cases.documents import issue_document
from bench.harness import pg_database
from bench.world import HEBEI, actor, agency, chain, dsn, migrated

KIND = DocumentKind.inquiry_record
YEAR_NUMBERS = "bench:numbers"  # a sequence of its own for the number-alone figure

CASES = """
INSERT INTO employer (id, name, industry, jurisdiction_id, address, created_at, updated_at)
SELECT md5('e' || g)::uuid, '黄骅市第' || g || '号砖厂', 'brick_kiln', $2, '', now(), now()
FROM generate_series(1, $1::int) g;
"""
CASE_ROWS = """
INSERT INTO "case" (id, employer_id, status, severity, violation_types, description, umbrella,
                    opened_at, jurisdiction_path, version, updated_at)
SELECT md5('c' || g)::uuid, md5('e' || g)::uuid, 'in_progress', 'normal', '["wage_arrears"]',
       '', false, now(), $2, 1, now()
FROM generate_series(1, $1::int) g
"""
ASSIGNMENTS = """
INSERT INTO assignment (id, case_id, agency_id, role, status, due_at, reason, rule_version,
                        violation_types, restricted, version, change_seq, created_at, updated_at)
SELECT md5('a' || g)::uuid, md5('c' || g)::uuid, $2, 'lead', 'accepted', now() + interval '3 days',
       'routed by rule wage_arrears', 1, '["wage_arrears"]', false, 1, 0, now(), now()
FROM generate_series(1, $1::int) g
"""


class RolledBack(Exception):
    """A request failing after its document was made: the transaction rolls back."""


@dataclass
class Burst:
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)  # what the committed ones returned
    rolled: int = 0
    failed: list[str] = field(default_factory=list)  # what a user would see as an error


async def _burst(issuers: int, each: int, one: Any) -> Burst:
    """`issuers` tasks at once, each `each` times `one(task, i, fail)` in a transaction of
    its own, one in 8 rolled back on purpose."""
    out = Burst()
    start = asyncio.Event()

    async def issuer(task: int) -> None:
        await start.wait()
        for i in range(each):
            began = time.perf_counter()
            try:
                out.kept.append(await one(task, i, (task * each + i) % 8 == 7))
            except RolledBack:
                out.rolled += 1
            except Exception as exc:  # a timeout waiting for the number, say
                out.failed.append(f"{type(exc).__name__}: {exc}"[:200])
            out.latencies.append(time.perf_counter() - began)

    tasks = [asyncio.create_task(issuer(t)) for t in range(issuers)]
    await asyncio.sleep(0.1)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    out.wall = time.perf_counter() - began
    return out


def _verdict(numbers: list[int]) -> tuple[int, int]:
    """(gaps, duplicates) in numbers that should be exactly 1..N."""
    dupes = sum(c - 1 for c in Counter(numbers).values() if c > 1)
    gaps = len(set(range(1, len(numbers) + 1)) - set(numbers))
    return gaps, dupes


async def run(url: str, args: argparse.Namespace) -> None:
    engine, maker = await migrated(url, db_pool_size=args.issuers)
    *_, county = await chain(maker, HEBEI)
    labour = await agency(maker, AgencyKind.labour, county)
    conn = await asyncpg.connect(dsn(url))
    try:
        async with conn.transaction():
            await conn.execute(CASES, args.issuers, county.id)
            await conn.execute(CASE_ROWS, args.issuers, county.path)
            await conn.execute(ASSIGNMENTS, args.issuers, labour.id)
        assignments = [r[0] for r in await conn.fetch("SELECT id FROM assignment ORDER BY case_id")]
    finally:
        await conn.close()
    officers = [actor(Role.agency_officer, county, labour) for _ in range(args.issuers)]

    async def issue(task: int, i: int, fail: bool) -> str:
        async with transaction(maker) as session:
            doc = await issue_document(
                session,
                officers[task],
                assignments[task],
                kind=KIND,
                facts=f"询问第{task + 1}号案件当事人，第{i + 1}次。",
                legal_basis=["《劳动保障监察条例》第十五条"],
            )
            if fail:
                raise RolledBack
            return doc.number

    await _warm(maker, officers[0], assignments[0])
    docs = await _burst(args.issuers, args.each, issue)
    issued = [int(re.findall(r"〔\d+〕(\d+)号", n)[0]) for n in docs.kept]
    async with engine.connect() as db:
        stored = [
            int(re.findall(r"〔\d+〕(\d+)号", n)[0])
            for n in (
                await db.execute(
                    sa.text("SELECT number FROM document WHERE kind = :k"), {"k": KIND.value}
                )
            ).scalars()
        ]
        last = (
            await db.execute(
                sa.text("SELECT last FROM number_sequence WHERE kind = :k"),
                {"k": f"doc:{KIND.value}"},
            )
        ).scalar_one()
    gaps, dupes = _verdict(stored)
    gaps += int(last != len(stored)) + len(set(issued) ^ set(stored))
    _report("documents", docs, f"{len(stored)} committed, sequence at {last}", gaps, dupes)

    async def number(task: int, i: int, fail: bool) -> int:
        async with transaction(maker) as session:
            n = await filing.next_number(session, labour.id, 2026, YEAR_NUMBERS)
            if fail:
                raise RolledBack
            return n

    bare = await _burst(args.issuers, args.numbers, number)
    gaps_n, dupes_n = _verdict(bare.kept)
    await engine.dispose()
    _report("numbers alone", bare, f"{len(bare.kept)} committed", gaps_n, dupes_n)
    print(
        f"numbers alone, {args.issuers} concurrent: {len(bare.kept) / bare.wall:.0f} numbers/s "
        f"(gaps {gaps_n}, duplicates {dupes_n}, failed {len(bare.failed)})"
    )
    print(
        f"documents issued, {args.issuers} concurrent: {len(stored) / docs.wall:.1f} "
        f"documents/s, longest wait {max(docs.latencies):.1f} s (gaps {gaps}, duplicates "
        f"{dupes}, failed {len(docs.failed)})"
    )


def _report(what: str, burst: Burst, kept: str, gaps: int, dupes: int) -> None:
    lat = sorted(burst.latencies)
    print(
        f"{what}: {kept}, {burst.rolled} rolled back on purpose, {len(burst.failed)} failed; "
        f"gaps {gaps}, duplicates {dupes}; {burst.wall:.1f} s; latency p50 "
        f"{statistics.median(lat) * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms",
        flush=True,
    )
    for error, count in Counter(burst.failed).most_common(3):
        print(f"  failed ×{count}: {error}")


async def _warm(maker: SessionMaker, officer: Any, assignment: uuid.UUID) -> None:
    """One document rolled back first: the font found and the code paths imported, as in
    a process that has served a while."""
    try:
        async with transaction(maker) as session:
            await issue_document(
                session, officer, assignment, kind=KIND, facts="预热。", legal_basis=["预热"]
            )
            raise RolledBack
    except RolledBack:
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuers", type=int, default=32)
    parser.add_argument("--each", type=int, default=3, help="documents per issuer")
    parser.add_argument("--numbers", type=int, default=25, help="bare numbers per issuer")
    options = parser.parse_args()
    with pg_database() as database_url:
        asyncio.run(run(database_url, options))
