"""Evidence on inspections: files kept intact with their hash on the audit chain,
interview records by two inspectors, coordinates; all sealed with the signatures."""

from __future__ import annotations

import hashlib
import io

import httpx
from PIL import Image
from sqlmodel import select

from app.domain.taxonomy import AgencyKind, Role
from app.models.audit import AuditEntry
from tests.api.inspection_world import Team, add_employer, make_team, new_inspection
from tests.conftest import TestDatabase
from tests.factories import World

GPS_IFD = 0x8825


def _photo_with_location() -> bytes:
    """A JPEG whose EXIF says where it was taken (38°22'N 117°20'E, 黄骅)."""
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (38.0, 22.0, 0.0), 3: "E", 4: (117.0, 20.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _draft(client: httpx.AsyncClient, world: World, team: Team, **over: object) -> str:
    kiln = await add_employer(world)
    r = await new_inspection(client, team.of("leader"), kiln, team_id=team.id, **over)
    assert r.status_code == 201, r.text
    return f"/api/v1/inspections/{r.json()['id']}"


async def _upload(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], data: bytes, **form: str
) -> httpx.Response:
    return await client.post(
        f"{url}/attachments",
        headers=headers,
        data=form,
        files={"file": ("IMG_0001.jpg", data, "image/png")},
    )


async def test_evidence_is_kept_byte_for_byte_with_its_hash_on_the_audit_chain(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    photo = _photo_with_location()
    r = await _upload(client, url, team.of("member"), photo, note="窑洞内景")
    assert r.status_code == 201, r.text
    body = r.json()
    digest = hashlib.sha256(photo).hexdigest()
    # Told by its content (a JPEG, whatever the form said), nothing stripped.
    assert (body["content_type"], body["size"], body["sha256"]) == (
        "image/jpeg",
        len(photo),
        digest,
    )
    got = await client.get(
        f"{url}/attachments/{body['id']}", headers=world.headers(Role.coordinator)
    )
    assert got.status_code == 200 and got.content == photo
    assert got.headers["etag"] == f'"{digest}"'
    assert "attachment" in got.headers["content-disposition"]
    gps = Image.open(io.BytesIO(got.content)).getexif().get_ifd(GPS_IFD)
    assert gps[1] == "N" and gps[3] == "E"  # where it was taken is still there
    listed = await client.get(f"{url}/attachments", headers=world.headers(Role.inspector))
    assert [(a["id"], a["note"]) for a in listed.json()] == [(body["id"], "窑洞内景")]
    await db.seal_audit()
    async with db.sessionmaker() as s:
        entry = (
            await s.exec(
                select(AuditEntry).where(AuditEntry.action == "inspection.evidence.create")
            )
        ).one()
    assert entry.after is not None and entry.after["sha256"] == digest
    assert entry.actor_id == str(team.member.id)


async def test_evidence_is_scoped_like_the_inspection_and_written_by_its_inspectors(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    photo = _photo_with_location()
    _, stranger = await world.add_user(Role.inspector, AgencyKind.labour)
    assert (await _upload(client, url, stranger, photo)).status_code == 403
    aid = (await _upload(client, url, team.of("leader"), photo)).json()["id"]
    foreign = world.headers(Role.coordinator, "foreign")
    assert (await client.get(f"{url}/attachments", headers=foreign)).status_code == 404
    assert (await client.get(f"{url}/attachments/{aid}", headers=foreign)).status_code == 404
    other = await _draft(client, world, team)
    assert (
        await client.get(f"{other}/attachments/{aid}", headers=team.of("leader"))
    ).status_code == 404
    r = await _upload(client, url, team.of("leader"), b"MZ\x90\x00 not evidence")
    assert r.status_code == 415
    assert (await _upload(client, url, team.of("leader"), b"")).status_code == 422
    r = await _upload(client, url, team.of("leader"), photo, finding_id=aid)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "finding_id"]


async def test_a_recording_larger_than_a_json_body_is_taken(
    client: httpx.AsyncClient, world: World
) -> None:
    """Evidence has the upload limit, not the 1 MB of an ordinary request."""
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    recording = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(2 * 1024 * 1024)
    r = await _upload(client, url, team.of("leader"), recording)
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "audio/mpeg" and r.json()["size"] == len(recording)


async def test_an_interview_is_taken_by_two_inspectors_of_the_inspection(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    leader, member = str(team.leader.id), str(team.member.id)
    record = "问：你在窑厂干了多久？答：三个月，工资一分没拿到。"
    one = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": record, "interviewer_ids": [leader]},
    )
    assert one.status_code == 422
    twice = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": record, "interviewer_ids": [leader, leader]},
    )
    assert twice.status_code == 422 and "第16条" in twice.json()["detail"]
    outsider = str(world.user(Role.inspector).id)
    r = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": record, "interviewer_ids": [leader, outsider]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "interviewer_ids", 1]
    r = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": record, "interviewer_ids": [leader, member], "person_ref": "工人甲"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == hashlib.sha256(record.encode()).hexdigest()
    listed = await client.get(f"{url}/interviews", headers=world.headers(Role.coordinator))
    assert [
        (i["person_ref"], i["record"], sorted(i["interviewer_ids"])) for i in listed.json()
    ] == [("工人甲", record, sorted([leader, member]))]


async def test_evidence_is_sealed_with_the_signatures(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    photo = _photo_with_location()
    assert (await client.post(f"{url}/submit", headers=team.of("leader"))).status_code == 200
    # Awaiting signatures: evidence gathered at the scene may still be added.
    assert (await _upload(client, url, team.of("leader"), photo)).status_code == 201
    for who in ("leader", "member"):
        assert (await client.post(f"{url}/sign", headers=team.of(who))).status_code == 200
    assert (await _upload(client, url, team.of("leader"), photo)).status_code == 409
    r = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": "补充询问", "interviewer_ids": [str(team.leader.id), str(team.member.id)]},
    )
    assert r.status_code == 409
    assert len((await client.get(f"{url}/attachments", headers=team.of("leader"))).json()) == 1


async def test_evidence_of_an_umbrella_finding_is_hidden_as_the_finding_is(
    client: httpx.AsyncClient, world: World
) -> None:
    """The county's own inspectors may be the officials accused (case_visibility)."""
    team = await make_team(client, world)
    url = await _draft(client, world, team)
    r = await client.post(
        f"{url}/findings",
        headers=team.of("leader"),
        json={"violation_type": "official_misconduct", "description": "派出所民警收受窑主好处"},
    )
    secret = r.json()["id"]
    shown = (await _upload(client, url, team.of("leader"), _photo_with_location())).json()["id"]
    hidden = (
        await _upload(client, url, team.of("leader"), _photo_with_location(), finding_id=secret)
    ).json()["id"]
    ids = [str(team.leader.id), str(team.member.id)]
    r = await client.post(
        f"{url}/interviews",
        headers=team.of("leader"),
        json={"record": "窑主说每月给所长送钱", "interviewer_ids": ids, "finding_id": secret},
    )
    assert r.status_code == 201, r.text
    county = world.headers(Role.inspector)
    assert [a["id"] for a in (await client.get(f"{url}/attachments", headers=county)).json()] == [
        shown
    ]
    assert (await client.get(f"{url}/attachments/{hidden}", headers=county)).status_code == 404
    assert (await client.get(f"{url}/interviews", headers=county)).json() == []
    office = world.headers(Role.coordinator)
    assert len((await client.get(f"{url}/attachments", headers=office)).json()) == 2
    assert len((await client.get(f"{url}/interviews", headers=office)).json()) == 1


async def test_inspections_and_employers_carry_a_location(
    client: httpx.AsyncClient, world: World
) -> None:
    team = await make_team(client, world)
    where = {"lat": 38.3712, "lon": 117.3305}
    url = await _draft(client, world, team, location=where)
    assert (await client.get(url, headers=team.of("leader"))).json()["location"] == where
    kiln = await add_employer(world)
    for bad in ({"lat": 91, "lon": 117}, {"lat": 38, "lon": -181}, {"lat": 38}):
        r = await new_inspection(client, team.of("leader"), kiln, team_id=team.id, location=bad)
        assert r.status_code == 422, bad
    admin = world.headers(Role.coordinator)
    r = await client.post(
        "/api/v1/employers",
        headers=admin,
        json={
            "name": "黄骅市红旗砖厂",
            "industry": "brick_kiln",
            "location": where,
            "jurisdiction_id": str(world.places["town"].id),
        },
    )
    assert r.status_code == 201, r.text
    emp = f"/api/v1/employers/{r.json()['id']}"
    assert (await client.get(emp, headers=admin)).json()["location"] == where
    moved = {"lat": 38.4, "lon": 117.35}
    r = await client.patch(emp, headers=admin, json={"location": moved})
    assert r.status_code == 200 and r.json()["location"] == moved
    assert (
        await client.patch(emp, headers=admin, json={"location": {"lat": -90.5, "lon": 0}})
    ).status_code == 422
    r = await client.patch(emp, headers=admin, json={"location": None})
    assert r.status_code == 200 and r.json()["location"] is None
