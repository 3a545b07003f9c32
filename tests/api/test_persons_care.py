"""After the rescue: who records what, the hand-over clock, and erasure once the case is old."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import sqlalchemy as sa
from sqlmodel import col

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.base import utcnow
from app.models.cases import Case
from app.models.persons import Person
from app.services.cases.person_payments import escalate_handover_overdue
from app.services.cases.person_privacy import erase_expired_identities
from tests.api.test_persons import API, CHILD_ID, open_kiln
from tests.conftest import TestDatabase
from tests.factories import World


async def test_each_agency_records_its_own_part(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour, civil = kiln.headers[AgencyKind.labour], kiln.headers[AgencyKind.civil_affairs]
    police = kiln.headers[AgencyKind.police]
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=civil,
        json={"role": "vulnerable", "name": "无名氏甲", "age": 35, "amount_owed": "2000"},
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    day = str(fixed_day)
    pay = {"amount": "100", "paid_on": day, "source": "employer"}
    assert (
        await client.post(f"{API}/persons/{pid}/payments", headers=civil, json=pay)
    ).status_code == 403
    assert (
        await client.post(f"{API}/persons/{pid}/payments", headers=labour, json=pay)
    ).status_code == 201
    care = f"{API}/persons/{pid}/aftercare"
    r = await client.post(care, headers=labour, json={"kind": "union_follow_up", "on": day})
    assert r.status_code == 403
    r = await client.post(care, headers=civil, json={"kind": "medical", "on": day, "note": "体检"})
    assert r.status_code == 201 and r.json()["aftercare"][0]["kind"] == "medical"
    r = await client.post(care, headers=labour, json={"kind": "job_placement", "on": day})
    assert [a["kind"] for a in r.json()["aftercare"]] == ["medical", "job_placement"]
    handover = {"kind": "rescue_station", "to": "沧州市救助管理站", "on": day}
    r = await client.post(f"{API}/persons/{pid}/handover", headers=police, json=handover)
    assert r.status_code == 200 and r.json()["handover"]["to"] == "沧州市救助管理站"
    r = await client.post(f"{API}/persons/{pid}/handover", headers=civil, json=handover)
    assert r.status_code == 409  # once
    r = await client.post(f"{API}/persons/{pid}/reveal", headers=labour, json={"reason": "短"})
    assert r.status_code == 422  # a reason worth keeping


async def test_a_child_waiting_for_a_handover_escalates_once_after_the_configured_days(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=kiln.headers[AgencyKind.labour],
        json={"role": "worker", "name": "李小军", "id_number": CHILD_ID},
    )
    assert r.json()["role"] == "child"
    child_id = r.json()["id"]
    days = db.settings.person_handover_days
    async with transaction(db.sessionmaker) as s:
        assert await escalate_handover_overdue(s, db.settings, now=utcnow()) == 0
    later = utcnow() + timedelta(days=days, hours=1)
    for expected in (1, 0):
        async with transaction(db.sessionmaker) as s:
            assert await escalate_handover_overdue(s, db.settings, now=later) == expected
    r = await client.get(f"{API}/escalations", headers=world.headers(Role.coordinator))
    found = [e for e in r.json()["items"] if e["kind"] == "handover_overdue"]
    assert [e["subject_id"] for e in found] == [child_id]
    assert found[0]["case_id"] == kiln.case_id and "儿童" in found[0]["detail"]


async def test_identity_is_erased_after_the_retention_and_the_figures_stay(
    fixed_day: date, client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    kiln = await open_kiln(client, world, db)
    labour, office = kiln.headers[AgencyKind.labour], world.headers(Role.coordinator)
    r = await client.post(
        f"{API}/cases/{kiln.case_id}/persons",
        headers=labour,
        json={
            "role": "worker",
            "name": "王大山",
            "id_number": CHILD_ID,
            "phone": "13912345678",
            "amount_owed": "900",
        },
    )
    pid = r.json()["id"]
    days = db.settings.person_retention_days
    async with transaction(db.sessionmaker) as s:
        await s.exec(
            sa.update(Case)
            .where(col(Case.id) == uuid.UUID(kiln.case_id))
            .values(status="closed", closed_at=utcnow() - timedelta(days=days - 1))
        )
        assert await erase_expired_identities(s, db.settings) == 0  # not yet
        await s.exec(
            sa.update(Case)
            .where(col(Case.id) == uuid.UUID(kiln.case_id))
            .values(closed_at=utcnow() - timedelta(days=days + 1))
        )
        assert await erase_expired_identities(s, db.settings) == 1
    async with transaction(db.sessionmaker) as s:
        assert await erase_expired_identities(s, db.settings) == 0  # idempotent
        person = await s.get(Person, uuid.UUID(pid))
        assert person is not None and person.identity is None and person.id_number_hash is None
    r = await client.post(
        f"{API}/persons/{pid}/reveal", headers=office, json={"reason": "复核工资台账"}
    )
    assert r.json() == {
        "id": pid,
        "name": "（已删除）",
        "id_number": None,
        "phone": None,
        "identity_erased": True,
    }
    got = (await client.get(f"{API}/persons/{pid}", headers=office)).json()
    assert (got["role"], got["amount_owed"], got["id_number"], got["birth_date"]) == (
        "child",
        "900.00",
        None,
        None,
    )
    await db.seal_audit()
    r = await client.get(
        f"{API}/audit", headers=office, params={"entity_type": "person", "entity_id": pid}
    )
    assert "person.identity_erased" in [e["action"] for e in r.json()["items"]]
