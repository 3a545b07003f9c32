"""Employer services against a real database: the SQL flags, batch audit, the demo."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from app.db import transaction
from app.domain.employer_flags import EmployerFlag, employer_flags
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import Industry, JurisdictionLevel, LicenceKind, Role
from app.domain.uscc import is_valid_uscc
from app.errors import Conflict, PayloadTooLarge
from app.models.audit import AuditEntry
from app.models.employers import Employer, EmployerCreate, LicenceIn
from app.services.demo.demo import load_demo
from app.services.demo.demo_data import EMPLOYERS as DEMO_EMPLOYERS
from app.services.employers import employers
from app.services.employers.employer_import import import_employers
from app.services.registry.accounts import actor_from_token
from tests.api.test_import import uscc
from tests.conftest import TestDatabase
from tests.factories import World, make_place


async def test_sql_flags_agree_with_the_pure_rule(
    fixed_day: date, db: TestDatabase, world: World
) -> None:
    """Every combination of industry × business × safety licence state, both ways."""
    today = fixed_day
    states = {
        "none": None,
        "valid": today + timedelta(days=1),
        "today": today,
        "expired": today - timedelta(days=1),
        "open": "open",
    }
    async with transaction(db.sessionmaker) as session:
        for n, (industry, biz, safety) in enumerate(
            itertools.product((Industry.mine, Industry.furniture), states, states)
        ):
            licences = [
                LicenceIn(
                    kind=kind,
                    number=f"N{n}",
                    valid_until=None if states[s] == "open" else states[s],
                )
                for kind, s in ((LicenceKind.business, biz), (LicenceKind.safety, safety))
                if s != "none"
            ]
            await employers.create_employer(
                session,
                SYSTEM_ACTOR,
                data=EmployerCreate(
                    name=f"{industry}-{biz}-{safety}",
                    industry=industry,
                    jurisdiction_id=world.places["town"].id,
                    licences=licences,
                ),
            )
    async with transaction(db.sessionmaker) as session:
        everyone, _ = await employers.list_employers(session, SYSTEM_ACTOR, limit=200)
        assert len(everyone) == 50
        for flag in EmployerFlag:
            got, _ = await employers.list_employers(session, SYSTEM_ACTOR, flag=flag, limit=200)
            expected = {
                e.id
                for e in everyone
                if flag
                in employer_flags(
                    e.industry, [(lic.kind, lic.valid_until) for lic in e.licences], today
                )
            }
            assert {e.id for e in got} == expected, flag
            assert expected


async def test_import_audits_each_batch_and_a_summary(db: TestDatabase, world: World) -> None:
    rows = "\n".join(f"窑{i},other,黄骅镇" for i in range(5))
    data = io.BytesIO(f"单位名称,行业,所属辖区\n{rows}\n".encode())
    async with transaction(db.sessionmaker) as session:
        result = await import_employers(session, SYSTEM_ACTOR, file=data, batch_rows=2)
    assert result.created == 5
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        log = (
            await session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.entity_type) == "employer_import")
                .order_by(col(AuditEntry.seq))
            )
        ).all()
    assert [e.action for e in log] == ["employer.import"] * 3 + ["employer.import.summary"]
    assert [e.after["rows"] for e in log[:3]] == [  # type: ignore[index]
        {"first": 2, "last": 3},
        {"first": 4, "last": 5},
        {"first": 6, "last": 6},
    ]
    assert log[-1].after == {"created": 5, "updated": 0, "unchanged": 0, "rejected": 0, "rows": 5}


async def test_a_uscc_row_claims_the_employer_registered_without_one(
    db: TestDatabase, world: World
) -> None:
    async with transaction(db.sessionmaker) as session:
        await import_employers(
            session,
            SYSTEM_ACTOR,
            file=io.BytesIO("单位名称,行业,所属辖区,地址\n黑窑,砖窑,黄骅镇,村东\n".encode()),
        )
    async with transaction(db.sessionmaker) as session:
        result = await import_employers(
            session,
            SYSTEM_ACTOR,
            file=io.BytesIO(
                f"单位名称,统一社会信用代码,行业,所属辖区,地址\n黑窑,{uscc(9)},砖窑,黄骅镇,村东\n".encode()
            ),
        )
    assert (result.created, result.updated) == (0, 1)
    async with transaction(db.sessionmaker) as session:
        stored = (await session.exec(select(Employer))).all()
    assert [(e.name, e.uscc) for e in stored] == [("黑窑", uscc(9))]


async def test_demo_employers_load_once_with_their_flags(db: TestDatabase) -> None:
    for _ in range(2):
        async with transaction(db.sessionmaker) as session:
            await load_demo(session, db.settings)
    async with transaction(db.sessionmaker) as session:
        rows, _ = await employers.list_employers(session, SYSTEM_ACTOR)
    by_name = {e.name: e for e in rows}
    assert len(rows) == len(DEMO_EMPLOYERS) == len(by_name)
    assert all(e.uscc is None or is_valid_uscc(e.uscc) for e in rows)
    kiln = by_name["羊二庄镇红星砖窑厂"]
    assert (kiln.workers, kiln.flags) == (19, [EmployerFlag.no_business_licence])
    assert by_name["黄骅市银河铜矿有限责任公司"].flags == [EmployerFlag.no_safety_permit]
    assert by_name["黄骅镇兴旺家具厂"].flags == [EmployerFlag.licence_expired]


async def test_a_county_admin_imports_only_into_its_own_area(
    db: TestDatabase, world: World
) -> None:
    async with transaction(db.sessionmaker) as session:
        await make_place(session, "临河镇", JurisdictionLevel.township, world.places["foreign"])
    data = "单位名称,行业,所属辖区\n甲,other,临河镇\n乙,other,黄骅镇\n".encode()
    actor = actor_from_token(db.settings, world.tokens[("home", Role.coordinator)])
    async with transaction(db.sessionmaker) as session:
        result = await import_employers(session, actor, file=io.BytesIO(data))
    assert result.created == 1
    assert result.rejected[0].row == 2


async def test_import_audits_every_employer_created_or_changed(
    db: TestDatabase, world: World
) -> None:
    head = "单位名称,统一社会信用代码,行业,所属辖区,地址,营业执照号,营业执照有效期至"
    async with transaction(db.sessionmaker) as session:
        await import_employers(
            session,
            SYSTEM_ACTOR,
            file=io.BytesIO(
                f"{head}\n甲窑,{uscc(1)},砖窑,黄骅镇,村东,B-1,2030-01-01\n"
                f"乙窑,{uscc(2)},砖窑,黄骅镇,村西,,\n".encode()
            ),
        )
    async with transaction(db.sessionmaker) as session:
        await import_employers(
            session,
            SYSTEM_ACTOR,
            file=io.BytesIO(
                f"{head}\n甲窑,{uscc(1)},砖窑,黄骅镇,村南,B-2,2031-01-01\n"
                f"乙窑,{uscc(2)},砖窑,黄骅镇,村西,,\n".encode()
            ),
        )
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        log = (
            await session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.entity_type) == "employer")
                .order_by(col(AuditEntry.seq))
            )
        ).all()
    assert [(e.action, e.after["name"]) for e in log] == [  # type: ignore[index]
        ("employer.create", "甲窑"),
        ("employer.create", "乙窑"),
        ("employer.update", "甲窑"),
    ]
    created, updated = log[0], log[2]
    assert created.before is None and created.entity_id == updated.entity_id
    assert created.jurisdiction_path == world.places["town"].path == updated.jurisdiction_path
    assert created.after["licences"] == [  # type: ignore[index]
        {"kind": "business", "number": "B-1", "valid_until": "2030-01-01"}
    ]
    assert updated.before is not None and updated.after is not None
    assert (updated.before["address"], updated.after["address"]) == ("村东", "村南")
    assert updated.after["licences"] == [
        {"kind": "business", "number": "B-2", "valid_until": "2031-01-01"}
    ]
    assert updated.before["licences"] == created.after["licences"]  # type: ignore[index]


async def test_an_import_that_fails_midway_leaves_no_employer_and_no_audit_entry(
    db: TestDatabase, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches and their audit entries are written as the file streams in, but all in
    the request's transaction: the row cap hit on the third row takes back the two
    batches written before it."""
    monkeypatch.setattr("app.services.core.import_formats.MAX_ROWS", 2)
    rows = "\n".join(f"窑{i},other,黄骅镇" for i in range(3))
    with pytest.raises(PayloadTooLarge):
        async with transaction(db.sessionmaker) as session:
            await import_employers(
                session,
                SYSTEM_ACTOR,
                batch_rows=1,
                file=io.BytesIO(f"单位名称,行业,所属辖区\n{rows}\n".encode()),
            )
    await db.seal_audit()
    async with transaction(db.sessionmaker) as session:
        assert (await session.exec(select(Employer))).all() == []
        assert (
            await session.exec(
                select(AuditEntry).where(
                    col(AuditEntry.entity_type).in_(("employer", "employer_import"))
                )
            )
        ).all() == []


async def test_an_employer_written_meanwhile_is_a_conflict_not_a_crash(
    db: TestDatabase, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a batch's lookup and its write, another import stored the same USCC: the
    unique index refuses the insert (PostgreSQL: in a COPY), reported as a 409."""
    data = f"单位名称,统一社会信用代码,行业,所属辖区\n甲窑,{uscc(3)},砖窑,黄骅镇\n".encode()
    async with transaction(db.sessionmaker) as session:
        await import_employers(session, SYSTEM_ACTOR, file=io.BytesIO(data))

    async def nothing_stored(*_: object) -> dict[int, object]:
        return {}

    monkeypatch.setattr("app.services.employers.employer_import._matches", nothing_stored)
    with pytest.raises(Conflict):
        async with transaction(db.sessionmaker) as session:
            await import_employers(session, SYSTEM_ACTOR, file=io.BytesIO(data))
    async with transaction(db.sessionmaker) as session:
        assert len((await session.exec(select(Employer))).all()) == 1
