"""Submit and sign: everyone present signs once; signed is immutable; amendments."""

from __future__ import annotations

import uuid

import httpx
from sqlmodel import select

from app.db import transaction
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import CaseSourceRecord
from tests.api.inspection_world import (
    KILN_HEADCOUNT,
    Team,
    add_employer,
    add_place,
    make_campaign,
    make_team,
    new_inspection,
)
from tests.conftest import TestDatabase
from tests.factories import World


async def _draft(
    client: httpx.AsyncClient,
    world: World,
    team: Team,
    findings: int = 1,
    kind: str = "enforcement",
) -> str:
    kiln = await add_employer(world)
    r = await new_inspection(client, team.of("leader"), kiln, team_id=team.id, kind=kind)
    url = f"/api/v1/inspections/{r.json()['id']}"
    for _ in range(findings):
        await client.post(
            f"{url}/findings",
            headers=team.of("leader"),
            json={"violation_type": "wage_arrears", "description": "拖欠工资"},
        )
    return url


async def test_a_draft_cannot_be_signed_and_outsiders_cannot_sign(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    assert (await client.post(f"{url}/sign", headers=team.of("leader"))).status_code == 409
    await client.post(f"{url}/submit", headers=team.of("member"))
    _, stranger = await world.add_user(Role.inspector, AgencyKind.labour)
    assert (await client.post(f"{url}/sign", headers=stranger)).status_code == 403
    assert (await client.post(f"{url}/sign", headers=team.of("leader"))).status_code == 200
    r = await client.post(f"{url}/sign", headers=team.of("leader"))
    assert r.status_code == 409
    got = (await client.get(url, headers=team.of("leader"))).json()
    assert got["status"] == "submitted" and len(got["signatures"]) == 1


async def test_a_submitted_inspection_no_longer_changes(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    await client.post(f"{url}/submit", headers=team.of("leader"))
    r = await client.post(
        f"{url}/findings",
        headers=team.of("leader"),
        json={"violation_type": "child_labour", "description": "x"},
    )
    assert r.status_code == 409
    assert (await client.post(f"{url}/submit", headers=team.of("leader"))).status_code == 409


async def test_only_the_members_present_must_sign(client: httpx.AsyncClient, world: World) -> None:
    team = await make_team(client, world)
    # A self-check: one official may review it (an enforcement check needs two, below).
    url = await _draft(client, world, team, findings=0, kind="self_check")
    r = await client.post(
        f"{url}/submit",
        headers=team.of("leader"),
        json={"present_member_ids": [str(world.user(Role.inspector).id)]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == [
        "body",
        "present_member_ids",
        0,
    ]
    r = await client.post(
        f"{url}/submit",
        headers=team.of("leader"),
        json={"present_member_ids": [str(team.member.id)]},
    )
    assert r.json()["required_signer_ids"] == [str(team.member.id)]
    assert (await client.post(f"{url}/sign", headers=team.of("leader"))).status_code == 403
    r = await client.post(f"{url}/sign", headers=team.of("member"))
    assert r.json()["status"] == "signed"
    assert r.json()["case_id"] is None  # no findings, no case


async def test_without_a_team_the_inspector_signs_alone(
    client: httpx.AsyncClient, world: World
) -> None:
    kiln = await add_employer(world)
    h = world.headers(Role.inspector)
    r = await new_inspection(client, h, kiln, kind="self_check")
    url = f"/api/v1/inspections/{r.json()['id']}"
    await client.post(
        f"{url}/findings",
        headers=h,
        json={"violation_type": "no_labour_contract", "description": "无合同"},
    )
    assert (await client.post(f"{url}/submit", headers=h)).status_code == 200
    r = await client.post(f"{url}/sign", headers=h)
    assert r.json()["status"] == "signed" and r.json()["case_id"] is not None


async def test_an_enforcement_inspection_needs_two_inspectors(
    client: httpx.AsyncClient, world: World
) -> None:
    """劳动保障监察条例 第16条: 劳动保障监察员进行调查、检查，不得少于2人."""
    kiln = await add_employer(world)
    h = world.headers(Role.inspector)
    for kind in ("enforcement", "follow_up"):
        r = await new_inspection(client, h, kiln, kind=kind)
        url = f"/api/v1/inspections/{r.json()['id']}"
        r = await client.post(f"{url}/submit", headers=h)
        assert r.status_code == 422 and "第16条" in r.json()["errors"][0]["msg"], r.text
        assert (await client.get(url, headers=h)).json()["status"] == "draft"
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    r = await client.post(
        f"{url}/submit",
        headers=team.of("leader"),
        json={"present_member_ids": [str(team.member.id)]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "present_member_ids"]
    r = await client.post(f"{url}/submit", headers=team.of("leader"))
    assert r.status_code == 200 and len(r.json()["required_signer_ids"]) == 2


async def test_a_signed_inspection_refuses_every_write(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    await client.post(f"{url}/submit", headers=team.of("leader"))
    for who in ("leader", "member"):
        await client.post(f"{url}/sign", headers=team.of(who))
    before = (await client.get(url, headers=team.of("leader"))).json()
    h = team.of("leader")
    writes = [
        client.post(
            f"{url}/findings",
            headers=h,
            json={"violation_type": "child_labour", "description": "x"},
        ),
        client.patch(url, headers=h, json={"visited_on": "2026-07-20"}),
        client.post(f"{url}/submit", headers=h),
        client.post(f"{url}/sign", headers=team.of("member")),
    ]
    for call in writes:
        assert (await call).status_code == 409
    assert (await client.get(url, headers=h)).json() == before


async def test_an_amendment_is_a_new_record_and_the_original_stays(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    h = team.of("leader")
    r = await client.post(f"{url}/amendments", headers=h, json={"reason": "x"})
    assert r.status_code == 409  # a draft is edited, not amended
    await client.post(f"{url}/submit", headers=h)
    for who in ("leader", "member"):
        await client.post(f"{url}/sign", headers=team.of(who))
    original = (await client.get(url, headers=h)).json()
    r = await client.post(
        f"{url}/amendments",
        headers=team.of("member"),
        json={
            "reason": "女工人数漏记",
            "headcount": {**KILN_HEADCOUNT, "female": 4},
            "findings": [
                {"violation_type": "wage_arrears", "description": "拖欠工资"},
                {"violation_type": "female_worker_protection", "description": "夜班"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    amendment = r.json()
    assert amendment["amends_id"] == original["id"] and amendment["status"] == "draft"
    assert amendment["headcount"]["female"] == 4 and len(amendment["findings"]) == 2
    assert (await client.get(url, headers=h)).json() == original
    aurl = f"/api/v1/inspections/{amendment['id']}"
    await client.post(f"{aurl}/submit", headers=h)
    for who in ("leader", "member"):
        r = await client.post(f"{aurl}/sign", headers=team.of(who))
    assert r.json()["status"] == "signed"
    assert r.json()["case_id"] == original["case_id"]
    by_type = {f["violation_type"]: f["case_id"] for f in r.json()["findings"]}
    assert by_type == {
        "wage_arrears": original["case_id"],
        "female_worker_protection": original["case_id"],
    }
    async with transaction(db.sessionmaker) as session:
        filed = (
            await session.exec(
                select(CaseSourceRecord.summary).where(
                    CaseSourceRecord.case_id == uuid.UUID(original["case_id"])
                )
            )
        ).all()
    assert sorted(filed) == sorted(["拖欠工资", "夜班"])  # the carried-over finding is not refiled


async def test_a_township_member_signing_last_seals_an_inspection_in_another_township(
    client: httpx.AsyncClient, world: World
) -> None:
    """The team covers two townships; the last signer's own agency is the first township's,
    the employer is in the second: the inspection still seals and files its case."""
    await add_place(world, "吕桥镇")
    kiln = await add_employer(world, "吕桥镇")
    cid = await make_campaign(client, world)
    leader, lh = await world.add_user(Role.inspector, AgencyKind.labour)
    member, mh = await world.add_user(Role.inspector, AgencyKind.township, "town")
    r = await client.post(
        f"/api/v1/campaigns/{cid}/teams",
        headers=world.headers(Role.coordinator),
        json={
            "name": "第二组",
            "leader_id": str(leader.id),
            "member_ids": [str(member.id)],
            "township_ids": [str(world.places["town"].id), str(world.places["吕桥镇"].id)],
        },
    )
    assert r.status_code == 201, r.text
    r = await new_inspection(client, lh, kiln, team_id=r.json()["id"])
    url = f"/api/v1/inspections/{r.json()['id']}"
    await client.post(
        f"{url}/findings",
        headers=lh,
        json={"violation_type": "wage_arrears", "description": "拖欠工资"},
    )
    assert (await client.post(f"{url}/submit", headers=lh)).status_code == 200
    assert (await client.post(f"{url}/sign", headers=lh)).status_code == 200
    r = await client.post(f"{url}/sign", headers=mh)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signed" and r.json()["case_id"] is not None
