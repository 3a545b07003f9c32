"""Protective-umbrella (保护伞) secrecy on every read path.

A county kiln's inspection finds unpaid wages and a village head taking money from
the owner; a hotline caller adds that the county's inspectors are tipped off; the city
supervision bureau refers the matter to the police. Every county agency, inspector
and service account then reads everything it can read, and finds no trace of the
allegation, its violation type, or a severity or deadline that betrays it. The city
office and the supervision bureau still see it all.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from openpyxl import load_workbook
from sqlmodel import col, select

from app.db import transaction
from app.domain.permissions import SERVICE_SCOPES, SYSTEM_ACTOR
from app.domain.taxonomy import AgencyKind, Role
from app.models.cases import Assignment
from app.models.integration import WebhookEndpoint, WebhookOutbox
from app.services.registry import reference
from tests.api.inspection_world import Team, add_employer, make_team, new_inspection
from tests.cases_support import file, make_employer, set_due
from tests.conftest import TestDatabase
from tests.factories import World

SECRET_FINDING = "村主任每月从砖厂领取好处费"
ALLEGATION = "劳动局来查之前都会有人通风报信"
REFERRAL_NOTE = "举报称派出所副所长是砖厂暗股东"
SECRETS = (
    SECRET_FINDING,
    ALLEGATION,
    REFERRAL_NOTE,
    "official_misconduct",
    "公职人员失职渎职",
    "protective umbrella",
    "critical",
)
WAGES = "工资表缺三个月"


@dataclass
class Umbrella:
    case_id: str
    inspection_id: str
    campaign_id: str
    team: Team
    supervision: dict[str, str]


async def _hook(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.post(
        "/api/v1/webhooks", headers=headers, json={"url": "https://93.184.216.34/hook"}
    )
    assert r.status_code == 201, r.text


async def _agency(world: World, kind: AgencyKind, place: str) -> uuid.UUID:
    async with transaction(world.db.sessionmaker) as session:
        agency = await reference.create_agency(
            session, SYSTEM_ACTOR, name=None, kind=kind, jurisdiction_id=world.places[place].id
        )
    world.agencies[(place, kind)] = agency
    return agency.id


async def _umbrella(client: httpx.AsyncClient, world: World, db: TestDatabase) -> Umbrella:
    await _agency(world, AgencyKind.police, "city")  # a city police bureau exists
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    await _hook(client, labour)
    await _hook(client, world.headers(Role.agency_officer))  # the county police
    kiln = await add_employer(world)
    team = await make_team(client, world)
    r = await new_inspection(
        client, team.of("leader"), kiln, team_id=team.id, campaign_id=team.campaign_id
    )
    assert r.status_code == 201, r.text
    url = f"/api/v1/inspections/{r.json()['id']}"
    for vtype, text in (("wage_arrears", WAGES), ("official_misconduct", SECRET_FINDING)):
        r = await client.post(
            f"{url}/findings",
            headers=team.of("leader"),
            json={"violation_type": vtype, "description": text},
        )
        assert r.status_code == 201, r.text
    assert (await client.post(f"{url}/submit", headers=team.of("leader"))).status_code == 200
    assert (await client.post(f"{url}/sign", headers=team.of("leader"))).status_code == 200
    r = await client.post(f"{url}/sign", headers=team.of("member"))
    assert r.status_code == 200 and r.json()["case_id"], r.text
    case_id = r.json()["case_id"]
    r = await client.post(
        "/api/v1/tips",
        headers=world.headers(Role.agency_officer),
        json={
            "channel": "phone",
            "description": f"拖欠工资半年。{ALLEGATION}",
            "violation_types": ["official_misconduct", "wage_arrears"],
            "employer_name": "某村砖窑厂",
            "address": "村东",
            "jurisdiction_id": str(world.places["town"].id),
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/tips/{r.json()['id']}/triage",
        headers=world.headers(Role.coordinator),
        json={"decision": "link_case", "case_id": case_id},
    )
    assert r.status_code == 200, r.text
    _, supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision, "city")
    [held] = (await client.get("/api/v1/queue", headers=supervision)).json()["items"]
    aid = held["id"]
    assert (
        await client.post(f"/api/v1/assignments/{aid}/accept", headers=supervision)
    ).status_code == 200
    r = await client.post(
        f"/api/v1/assignments/{aid}/actions",
        headers=supervision,
        json={"type": "referral", "referral_kind": "police", "note": REFERRAL_NOTE},
    )
    assert r.status_code == 201, r.text
    return Umbrella(case_id, url.rsplit("/", 1)[1], team.campaign_id, team, supervision)


async def _service_account(
    client: httpx.AsyncClient, world: World, kind: AgencyKind
) -> dict[str, str]:
    r = await client.post(
        "/api/v1/service-accounts",
        headers=world.headers(Role.admin),
        json={
            "name": f"{kind.value} 办案系统",
            "agency_id": str(world.agency(kind).id),
            "scopes": sorted(SERVICE_SCOPES),
        },
    )
    assert r.status_code == 201, r.text
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": r.json()["client_id"],
            "client_secret": r.json()["client_secret"],
        },
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        ",".join("" if c is None else str(c) for c in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


async def _everything(
    client: httpx.AsyncClient, u: Umbrella, headers: dict[str, str]
) -> dict[str, str]:
    """Every read path's answer, as text, for one reader (refusals included)."""
    paths = {
        "case": f"/api/v1/cases/{u.case_id}",
        "cases": "/api/v1/cases",
        "cases by type": "/api/v1/cases?violation_type=official_misconduct",
        "inspection": f"/api/v1/inspections/{u.inspection_id}",
        "inspections": "/api/v1/inspections",
        "inspection ledger": "/api/v1/inspections/ledger",
        "case ledger": "/api/v1/ledger/cases",
        "queue": "/api/v1/queue",
        "critical queue": "/api/v1/queue?severity=critical",
        "feed": "/api/v1/queue/changes",
        "audit": "/api/v1/audit",
        "case audit": f"/api/v1/audit?entity_id={u.case_id}",
        "stats": f"/api/v1/stats?campaign_id={u.campaign_id}",
        "stats csv": f"/api/v1/stats?campaign_id={u.campaign_id}&format=csv",
    }
    out = {name: (await client.get(path, headers=headers)).text for name, path in paths.items()}
    for name, path in (
        ("inspection ledger xlsx", "/api/v1/inspections/ledger?format=xlsx"),
        ("case ledger xlsx", "/api/v1/ledger/cases?format=xlsx"),
    ):
        r = await client.get(path, headers=headers)
        out[name] = _xlsx_text(r.content) if r.status_code == 200 else r.text
    return out


async def _webhook_payloads(db: TestDatabase, agency_id: uuid.UUID) -> list[str]:
    async with db.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(WebhookOutbox.payload)  # type: ignore[call-overload]
                    .join(
                        WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookOutbox.endpoint_id)
                    )
                    .where(col(WebhookEndpoint.agency_id) == agency_id)
                )
            )
            .scalars()
            .all()
        )
    return [str(p) for p in rows]


async def _referral(db: TestDatabase, case_id: str) -> Assignment:
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(Assignment).where(  # type: ignore[call-overload]
                    col(Assignment.case_id) == uuid.UUID(case_id),
                    col(Assignment.reason).like("referral to police%"),
                )
            )
        ).one()
    return Assignment.model_validate(row._mapping)


async def test_no_county_reader_finds_a_trace_of_the_umbrella_allegation(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    u = await _umbrella(client, world, db)
    _, labour = await world.add_user(Role.agency_officer, AgencyKind.labour)
    _, county_supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision)
    readers = {
        "county labour officer": labour,
        "county police officer": world.headers(Role.agency_officer),
        "county supervision officer": county_supervision,
        "county labour inspector": world.headers(Role.inspector),
        "county labour service account": await _service_account(client, world, AgencyKind.labour),
        "county police service account": await _service_account(client, world, AgencyKind.police),
    }
    # Nor who holds the hidden share: the city supervision bureau's id.
    secrets = (*SECRETS, str(world.agency(AgencyKind.supervision, "city").id))
    for who, headers in readers.items():
        for path, text in (await _everything(client, u, headers)).items():
            for secret in secrets:
                assert secret not in text, f"{who} reads {secret!r} in {path}: {text[:400]}"
    for kind in (AgencyKind.labour, AgencyKind.police):
        payloads = await _webhook_payloads(db, world.agency(kind).id)
        assert payloads or kind is AgencyKind.police
        for payload in payloads:
            assert not [s for s in SECRETS if s in payload], payload
    # What they do see is the wage arrears, as serious as wage arrears are.
    seen = (await client.get(f"/api/v1/cases/{u.case_id}", headers=labour)).json()
    assert seen["violation_types"] == ["wage_arrears"] and seen["severity"] == "high"
    [item] = (await client.get("/api/v1/queue", headers=labour)).json()["items"]
    assert item["case"]["severity"] == "high"
    due, made = datetime.fromisoformat(item["due_at"]), datetime.fromisoformat(item["created_at"])
    assert due - made == timedelta(days=3)  # high, not the 24 h of a critical case
    assert [
        i["id"]
        for i in (await client.get("/api/v1/queue?severity=high", headers=labour)).json()["items"]
    ] == [item["id"]]
    inspector = (
        await client.get(
            f"/api/v1/inspections/{u.inspection_id}", headers=world.headers(Role.inspector)
        )
    ).json()
    assert [f["description"] for f in inspector["findings"]] == [WAGES]
    # A restricted share running late does not put the case among a county's overdue ones.
    await set_due(db, (await _referral(db, u.case_id)).id, datetime(2026, 7, 1, tzinfo=UTC))
    assert (await client.get("/api/v1/cases?overdue=true", headers=labour)).json()["items"] == []
    office = (
        await client.get("/api/v1/cases?overdue=true", headers=world.headers(Role.coordinator))
    ).json()["items"]
    assert [c["id"] for c in office] == [u.case_id]
    # The referral went above the county; the county police hold nothing on the case.
    assert (
        await client.get(f"/api/v1/cases/{u.case_id}", headers=world.headers(Role.agency_officer))
    ).status_code == 404


async def test_the_city_office_supervision_and_the_inspectors_still_see_it(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    u = await _umbrella(client, world, db)
    _, city_office = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    for who, headers in (("city office", city_office), ("city supervision", u.supervision)):
        case = (await client.get(f"/api/v1/cases/{u.case_id}", headers=headers)).json()
        assert "official_misconduct" in case["violation_types"], who
        assert case["severity"] == "critical", who
        assert SECRET_FINDING in [f["summary"] for f in case["findings"]], who
    insp = (await client.get(f"/api/v1/inspections/{u.inspection_id}", headers=city_office)).json()
    assert SECRET_FINDING in [f["description"] for f in insp["findings"]]
    office = await _everything(client, u, city_office)
    assert len(json.loads(office["case"])["tip_ids"]) == 1  # the caller's allegation
    assert "公职人员失职渎职" in office["inspection ledger"]
    assert "公职人员失职渎职" in office["case ledger"] and "严重" in office["case ledger xlsx"]
    assert '"findings_official_misconduct":1' in office["stats"].replace(" ", "")
    # The team that found it keeps seeing what it signed.
    mine = (
        await client.get(f"/api/v1/inspections/{u.inspection_id}", headers=u.team.of("member"))
    ).json()
    assert SECRET_FINDING in [f["description"] for f in mine["findings"]]
    [item] = (await client.get("/api/v1/queue", headers=u.supervision)).json()["items"]
    assert item["case"]["severity"] == "critical"
    # The referral reached the city police, restricted, without the note in its reason.
    referral = await _referral(db, u.case_id)
    assert referral.agency_id == world.agency(AgencyKind.police, "city").id  # not the county's
    assert referral.restricted and REFERRAL_NOTE not in referral.reason
    assert "above 黄骅市" in referral.reason


async def test_a_declined_umbrella_share_is_rerouted_only_above_the_county(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    case_id = str(await file(db, await make_employer(db, world), "wage_arrears", umbrella=True))
    _, supervision = await world.add_user(Role.agency_officer, AgencyKind.supervision, "city")
    [held] = (await client.get("/api/v1/queue", headers=supervision)).json()["items"]
    r = await client.post(
        f"/api/v1/assignments/{held['id']}/decline",
        headers=supervision,
        json={"reason": "请市纪委监委直接办理"},
    )
    assert r.status_code == 200, r.text
    office, url = world.headers(Role.coordinator), f"/api/v1/cases/{case_id}/reroute"
    county_police = str(world.agency(AgencyKind.police).id)
    r = await client.post(
        url,
        headers=office,
        json={"assignment_id": held["id"], "agency_id": county_police, "reason": "转公安"},
    )
    assert r.status_code == 409 and "保护伞" in r.json()["detail"]
    assert (
        await client.get(f"/api/v1/cases/{case_id}", headers=world.headers(Role.agency_officer))
    ).status_code == 404
    _, city_office = await world.add_user(Role.coordinator, AgencyKind.coordinator, "city")
    r = await client.post(
        url,
        headers=city_office,
        json={  # the county office cannot
            "assignment_id": held["id"],
            "agency_id": county_police,
            "reason": "转公安",
        },
    )
    assert r.status_code == 409
    city_police = await _agency(world, AgencyKind.police, "city")
    r = await client.post(
        url,
        headers=city_office,
        json={"assignment_id": held["id"], "agency_id": str(city_police), "reason": "转市公安局"},
    )
    assert r.status_code == 200, r.text
    assert [
        a["restricted"]
        for a in (
            await client.get(
                "/api/v1/queue",
                headers=(await world.add_user(Role.agency_officer, AgencyKind.police, "city"))[1],
            )
        ).json()["items"]
    ] == [True]
