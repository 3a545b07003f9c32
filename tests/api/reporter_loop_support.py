"""A tip taken all the way to handled over HTTP, for the reporter's-loop tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.domain.taxonomy import AgencyKind, Role
from tests.cases_support import make_employer
from tests.conftest import TestDatabase
from tests.factories import World


@dataclass
class HandledTip:
    tip_id: str
    receipt: str
    case_id: str
    assignment_id: str
    labour: dict[str, str]


async def conclude_and_close(
    client: httpx.AsyncClient, world: World, labour: dict[str, str], assignment_id: str, case: str
) -> None:
    for step, body in (("accept", {}), ("conclude", {"summary": "已责令支付拖欠工资"})):
        r = await client.post(
            f"/api/v1/assignments/{assignment_id}/{step}", json=body, headers=labour
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/cases/{case}/close",
        json={"summary": "工资已付清"},
        headers=world.headers(Role.coordinator),
    )
    assert r.status_code == 200, r.text


async def handled_tip(
    client: httpx.AsyncClient,
    db: TestDatabase,
    world: World,
    *,
    channel: str = "web",
    close: bool = True,
    name: str = "黄骅市旺达砖厂",
) -> HandledTip:
    """A wage-arrears tip (labour alone is routed), triaged onto a case; with `close`,
    labour accepts and concludes and the office closes the case."""
    coord = world.headers(Role.coordinator)
    body = {
        "description": "砖厂拖欠三个月工资",
        "violation_types": ["wage_arrears"],
        "jurisdiction_id": str(world.places["town"].id),
    }
    if channel == "web":
        r = await client.post("/public/v1/tips", json=body)
        assert r.status_code == 201, r.text
        receipt = r.json()["receipt"]
        tips = (await client.get("/api/v1/tips?status=received", headers=coord)).json()["items"]
        tip_id = tips[-1]["id"]
    else:
        r = await client.post("/api/v1/tips", json={**body, "channel": channel}, headers=coord)
        assert r.status_code == 201, r.text
        receipt, tip_id = r.json()["receipt"], r.json()["id"]
    employer = await make_employer(db, world, place="town", name=name)
    r = await client.post(
        f"/api/v1/tips/{tip_id}/triage",
        json={"decision": "open_case", "employer_id": str(employer)},
        headers=coord,
    )
    assert r.status_code == 200, r.text
    case_id = r.json()["case_id"]
    case = (await client.get(f"/api/v1/cases/{case_id}", headers=coord)).json()
    [share] = case["assignments"]
    assert share["agency"]["kind"] == "labour"
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    if close:
        await conclude_and_close(client, world, labour, share["id"], case_id)
    return HandledTip(tip_id, receipt, case_id, share["id"], labour)
