"""The change feed: an agency sees its own assignment changes, in seq order, and only those."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Case
from app.services.cases.assignments import assign_case
from tests.cases_support import file, make_employer, serve_decision
from tests.conftest import TestDatabase
from tests.factories import World

URL = "/api/v1/queue/changes"


async def test_changes_follow_an_assignment_through_its_life(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    first = (await client.get(URL, headers=labour, params={"since": 0})).json()
    assert [i["change"] for i in first["items"]] == ["created"]
    item = first["items"][0]
    assert item["case_id"] == str(case_id) and item["assignment"]["status"] == "pending"
    assert item["assignment"]["employer_name"] == "黄骅市旺达砖厂"
    since = first["next_since"]
    assert since == item["seq"]
    nothing = (await client.get(URL, headers=labour, params={"since": since})).json()
    assert nothing == {"items": [], "next_since": since}
    aid = item["assignment_id"]
    await client.post(f"/api/v1/assignments/{aid}/accept", headers=labour)
    await serve_decision(client, labour, aid, 5000)
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=labour,
        json={"type": "fine", "note": "罚款", "amount": 5000},
    )
    assert r.status_code == 201
    await client.post(
        f"/api/v1/assignments/{aid}/conclude", headers=labour, json={"summary": "已处罚"}
    )
    later = (await client.get(URL, headers=labour, params={"since": since})).json()
    # the second "accepted" is the filing (立案) that the fine's penalty decision needs
    assert [i["change"] for i in later["items"]] == ["accepted", "accepted", "action", "concluded"]
    seqs = [i["seq"] for i in later["items"]]
    assert seqs == sorted(seqs) and seqs[0] > since and later["next_since"] == seqs[-1]
    assert later["items"][-1]["assignment"]["status"] == "concluded"
    page = (await client.get(URL, headers=labour, params={"since": since, "limit": 3})).json()
    assert [i["change"] for i in page["items"]] == ["accepted", "accepted", "action"]


async def test_other_agencies_do_not_see_the_change(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    await file(db, await make_employer(db, world), "wage_arrears")
    police = world.headers(Role.agency_officer)
    _, foreign_labour = await world.add_user(Role.agency_officer, AgencyKind.labour, "foreign")
    for headers in (police, foreign_labour):
        assert (await client.get(URL, headers=headers)).json()["items"] == []
    await file(db, await make_employer(db, world, name="黄骅市某煤矿"), "forced_labour")
    changes = (await client.get(URL, headers=police)).json()["items"]
    assert [(c["change"], c["assignment"]["employer_name"]) for c in changes] == [
        ("created", "黄骅市某煤矿")
    ]


async def test_a_declined_and_rerouted_assignment_shows_on_both_sides(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = await file(db, await make_employer(db, world), "wage_arrears")
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    aid = (await client.get(URL, headers=labour)).json()["items"][0]["assignment_id"]
    await client.post(
        f"/api/v1/assignments/{aid}/decline", headers=labour, json={"reason": "不属本部门"}
    )
    police = world.agency(AgencyKind.police)
    r = await client.post(
        f"/api/v1/cases/{case_id}/reroute",
        headers=world.headers(Role.coordinator),
        json={"assignment_id": aid, "agency_id": str(police.id), "reason": "涉嫌恶意欠薪"},
    )
    assert r.status_code in (200, 201), r.text
    mine = [c["change"] for c in (await client.get(URL, headers=labour)).json()["items"]]
    assert mine == ["created", "declined", "rerouted"]
    theirs = (await client.get(URL, headers=world.headers(Role.agency_officer))).json()
    assert [c["change"] for c in theirs["items"]] == ["created"]


async def test_concurrent_writers_get_distinct_gapless_seqs(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    employers = [await make_employer(db, world, name=f"砖厂{i}") for i in range(6)]

    async def open_case(employer_id: uuid.UUID) -> None:
        async with transaction(db.sessionmaker) as session:
            case = Case(
                employer_id=employer_id,
                violation_types=["wage_arrears"],
                jurisdiction_path=world.places["home"].path,
            )
            session.add(case)
            await session.flush()
            await assign_case(session, SYSTEM_ACTOR, case)

    await asyncio.gather(*(open_case(e) for e in employers))
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    seqs = [c["seq"] for c in (await client.get(URL, headers=labour)).json()["items"]]
    assert len(seqs) == 6 and seqs == list(range(seqs[0], seqs[0] + 6))
