"""The paths issue #18 item 5 measures, each by its own script in bench/ (a throwaway
PostgreSQL database each): run, quote the figures, give each its verdict.

    rollup          bench/rollup_bench.py          periodic-report roll-up, province of 100 counties
    coverage        bench/coverage_bench.py        coverage, county of 100,000 employers
    numbering       bench/numbering_bench.py       document numbers, 32 concurrent issuers
    persons_export  bench/persons_export_bench.py  wage-ledger CSV, 10,000 and 100,000 persons
    demo_start      bench/demo_start_bench.py      `serve --demo`, a fresh SQLite file

Targets and why: bench/README.md, "New paths".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from bench.harness import Row
from bench.scenarios.common import Plan
from bench.scenarios.external import _run

Parse = Callable[[str], list[Row]]

PG = " (PostgreSQL)"


def _ms(text: str, label: str) -> tuple[float, int] | None:
    """`<label>…: median of N 123 ms` → (123, N)."""
    found = re.search(re.escape(label) + r".*?median of (\d+) (\d+) ms", text)
    return None if found is None else (float(found.group(2)), int(found.group(1)))


def _failed(name: str, text: str) -> list[Row]:
    last = (text.strip().splitlines() or ["no output"])[-1][:300]
    return [Row(name + PG, None, value=f"failed: {last}", checked=False)]


def _under_a_second(name: str, value: tuple[float, int] | None, ref: str = "") -> Row:
    return Row(
        name + PG,
        None,
        value=f"{value[0]:,.0f} ms (median of {value[1]})" if value is not None else "—",
        ref_value=ref,
        goal="< 1 s",
        checked=None if value is None else value[0] < 1000,
    )


def _rollup(text: str) -> list[Row]:
    ref = _ms(text, "reference: a county opens its frozen report")
    freeze = _ms(text, "a city freezes its roll-up")
    hebei = _ms(text, "河北省 opens its roll-up")
    hainan = _ms(text, "海南省 opens its roll-up")
    subs = _ms(text, "海南省 submissions")
    if None in (freeze, hebei, hainan, subs):
        return _failed("periodic-report roll-up", text)
    county = f"{ref[0]:,.0f} ms: a county opens its frozen report" if ref is not None else ""
    return [
        _under_a_second("roll-up: a city freezes the sum of its 10 counties", freeze),
        _under_a_second("roll-up: 河北省 opens its own (10 cities, 100 counties)", hebei, county),
        _under_a_second("roll-up: 海南省 opens its own (100 counties directly)", hainan, county),
        _under_a_second("roll-up: 海南省's submissions list, 100 counties", subs),
    ]


def _coverage(text: str) -> list[Row]:
    ref = _ms(text, "reference: bare grouped count")
    first = _ms(text, "coverage first page")
    second = _ms(text, "coverage next page")
    if first is None or second is None:
        return _failed("coverage, county of 100,000 employers", text)
    bare = f"{ref[0]:,.0f} ms: the employers counted per place, raw" if ref is not None else ""
    return [
        _under_a_second("coverage, county of 100,000 employers: first page", first, bare),
        _under_a_second("coverage, county of 100,000 employers: next page", second, bare),
    ]


def _numbering(text: str) -> list[Row]:
    docs = re.search(
        r"documents issued, (\d+) concurrent: ([\d.]+) documents/s, longest wait ([\d.]+) s "
        r"\(gaps (\d+), duplicates (\d+), failed (\d+)\)",
        text,
    )
    bare = re.search(
        r"numbers alone, (\d+) concurrent: (\d+) numbers/s \(gaps (\d+), duplicates (\d+), "
        r"failed (\d+)\)",
        text,
    )
    if docs is None or bare is None:
        return _failed("document numbering, 32 concurrent issuers", text)
    n, rate, wait, gaps, dupes, failed = docs.groups()
    bn, brate, bgaps, bdupes, bfailed = bare.groups()
    return [
        Row(
            f"document numbering: {n} officers issuing at once (PDF and Word){PG}",
            None,
            value=f"{float(rate):.1f} documents/s, longest wait {wait} s; gaps {gaps}, "
            f"duplicates {dupes}, failed {failed}",
            goal="0 gaps, 0 duplicates, 0 failed, ≥ 1 document/s",
            checked=(gaps, dupes, failed) == ("0", "0", "0") and float(rate) >= 1,
        ),
        Row(
            f"document numbering: {bn} at once, the number alone (as filing takes it){PG}",
            None,
            value=f"{int(brate):,} numbers/s; gaps {bgaps}, duplicates {bdupes}, failed {bfailed}",
            goal="0 gaps, 0 duplicates, 0 failed, ≥ 100 numbers/s",
            checked=(bgaps, bdupes, bfailed) == ("0", "0", "0") and int(brate) >= 100,
        ),
    ]


def _persons(text: str) -> list[Row]:
    found = re.search(
        r"persons export CSV: ([\d,]+) rows in ([\d.]+) s \(([\d,]+) rows/s; reference COPY "
        r"([\d.]+) s\); peak RSS growth ([\d.]+) MB at ([\d,]+) rows, ([\d.]+) MB at",
        text,
    )
    if found is None:
        return _failed("persons export, 100,000 rows", text)
    rows, seconds, rate, ref, small_mb, small, large_mb = found.groups()
    flat = float(large_mb) - float(small_mb) < 8
    return [
        Row(
            f"persons export (wage ledger CSV), {rows} rows{PG}",
            None,
            value=f"{float(seconds):.1f} s ({rate} rows/s); peak RSS growth {large_mb} MB "
            f"(at {small} rows: {small_mb} MB)",
            ref_value=f"COPY of the same rows: {float(ref):.2f} s",
            goal="< 30 s; growth at 100,000 rows within 8 MB of growth at 10,000",
            checked=float(seconds) < 30 and flat,
        )
    ]


def _demo_start(text: str) -> list[Row]:
    found = re.search(
        r"serve --demo start: median of (\d+): ready ([\d.]+) s wall, ([\d.]+) s CPU", text
    )
    if found is None:
        return [Row("serve --demo, fresh SQLite file", None, value=f"failed: {text[-200:]}")]
    n, wall, cpu = found.groups()
    return [
        Row(
            "serve --demo on a fresh SQLite file: ready (the README's first command)",
            None,
            value=f"{float(wall):.1f} s wall, {float(cpu):.1f} s CPU (median of {n})",
            goal="< 15 s CPU",
            checked=float(cpu) < 15,
        )
    ]


def _scenario(name: str, script: str, args: list[str], parse: Parse) -> list[Row]:
    text = _run(script, args, dict(os.environ), timeout=1800)
    if text.startswith("failed"):
        return _failed(name, text)
    return parse(text)


def rollup(plan: Plan) -> list[Row]:
    return _scenario("periodic-report roll-up", "rollup_bench.py", [], _rollup)


def coverage(plan: Plan) -> list[Row]:
    return _scenario("coverage", "coverage_bench.py", [], _coverage)


def numbering(plan: Plan) -> list[Row]:
    each = (
        ["--each", "3", "--numbers", "25"] if plan.million else ["--each", "1", "--numbers", "10"]
    )
    return _scenario("document numbering", "numbering_bench.py", each, _numbering)


def persons_export(plan: Plan) -> list[Row]:
    return _scenario("persons export", "persons_export_bench.py", [], _persons)


def demo_start(plan: Plan) -> list[Row]:
    return _scenario("serve --demo", "demo_start_bench.py", [], _demo_start)
