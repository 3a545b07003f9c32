"""Done when: the documents' brick kiln is inspected, signed by two members, sealed, and cased.

"这家砖窑厂共使用农民工19人，其中四川籍民工5人，当地人14人 … 用工未及时向劳动部门备案，
签定劳动合同不到位，工伤保险未买" — the documents' own inspection, over HTTP.
"""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute
from sqlmodel import col, select

from app.api.routes import internal_routers
from app.db import transaction
from app.domain.permissions import SYSTEM_ACTOR
from app.domain.taxonomy import Role
from app.models.cases import CaseSourceRecord
from app.services.cases import cases
from tests.api.inspection_world import add_employer, make_team, new_inspection
from tests.conftest import TestDatabase
from tests.factories import World

KILN_FINDINGS = [
    ("no_employment_registration", "招用人员未向劳动部门备案"),
    ("no_labour_contract", "签定劳动合同不到位：19人中仅10人签订"),
    ("no_work_injury_insurance", "工伤保险未买"),
]


def _case_route_exists() -> bool:
    return any(
        isinstance(r, APIRoute)
        and "GET" in (r.methods or set())
        and r.path.startswith("/api/v1/cases/{")
        and r.path.count("/") == 4
        for router in internal_routers()
        for r in router.routes
    )


async def test_the_brick_kiln_goes_from_draft_to_signed_and_onto_its_case(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    team = await make_team(client, world)
    kiln = await add_employer(world, name="某村砖窑厂")
    r = await new_inspection(
        client,
        team.of("leader"),
        kiln,
        campaign_id=team.campaign_id,
        team_id=team.id,
        checklist={
            "contracts": "not_compliant",
            "insurance": "not_compliant",
            "child_labour": "compliant",
            "forced_labour": "compliant",
        },
    )
    assert r.status_code == 201, r.text
    insp = r.json()
    assert insp["status"] == "draft"
    assert insp["headcount"]["total"] == 19 and insp["headcount"]["migrant"] == 5
    assert insp["flags"] == ["contracts", "insurance"]
    url = f"/api/v1/inspections/{insp['id']}"
    finding_ids = []
    for vt, text in KILN_FINDINGS:
        r = await client.post(
            f"{url}/findings",
            headers=team.of("member"),
            json={
                "violation_type": vt,
                "description": text,
                "workers_affected": 19 if vt != "no_labour_contract" else 9,
            },
        )
        assert r.status_code == 201, r.text
        finding_ids.append(r.json()["id"])
    assert (await client.get(url, headers=team.of("leader"))).json()["flags"] == []

    r = await client.post(f"{url}/submit", headers=team.of("leader"))
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = await client.post(f"{url}/sign", headers=team.of("leader"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted" and r.json()["case_id"] is None
    assert [s["user_id"] for s in r.json()["signatures"]] == [str(team.leader.id)]

    r = await client.post(f"{url}/sign", headers=team.of("member"))
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["status"] == "signed" and signed["signed_at"] is not None
    assert {s["user_id"] for s in signed["signatures"]} == {
        str(team.leader.id),
        str(team.member.id),
    }
    case_id = signed["case_id"]
    assert case_id is not None
    assert {f["case_id"] for f in signed["findings"]} == {case_id}

    r = await client.post(
        f"{url}/findings",
        headers=team.of("leader"),
        json={"violation_type": "child_labour", "description": "late"},
    )
    assert r.status_code == 409
    after = (await client.get(url, headers=world.headers(Role.coordinator))).json()
    assert len(after["findings"]) == 3 and after["status"] == "signed"

    if _case_route_exists():
        r = await client.get(f"/api/v1/cases/{case_id}", headers=world.headers(Role.coordinator))
        assert r.status_code == 200, r.text
        assert {vt for vt, _ in KILN_FINDINGS} <= set(r.json()["violation_types"])
        assert all(fid in r.text for fid in finding_ids)
    async with transaction(db.sessionmaker) as session:
        case = await cases.get_case(session, SYSTEM_ACTOR, case_id)
        sources = (
            await session.exec(
                select(CaseSourceRecord).where(
                    CaseSourceRecord.case_id == case.id, col(CaseSourceRecord.kind) == "finding"
                )
            )
        ).all()
    assert str(case.employer_id) == str(kiln)
    assert {vt for vt, _ in KILN_FINDINGS} <= set(case.violation_types)
    assert {str(s.source_id) for s in sources} == set(finding_ids)
