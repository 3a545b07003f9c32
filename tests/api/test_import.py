"""Bulk import over HTTP: encodings, XLSX, upsert on rerun, row errors, hostile files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import Any

import httpx
import openpyxl

from app.db import transaction
from app.domain.taxonomy import JurisdictionLevel, Role
from app.domain.uscc import uscc_check_digit
from tests.factories import World, make_place

URL = "/api/v1/employers/import"
HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "行业",
    "所属辖区",
    "地址",
    "营业执照号",
    "营业执照有效期至",
    "安全生产许可证号",
    "安全生产许可证有效期至",
]


def uscc(n: int) -> str:
    first17 = f"91130983{n:09d}"
    return first17 + uscc_check_digit(first17)


def good_rows() -> list[list[Any]]:
    return [
        ["红星砖窑厂", "", "砖窑厂", "黄骅镇", "北二里村", "", "", "", ""],
        [
            "银河铜矿有限责任公司",
            uscc(7),
            "mine",
            "黄骅镇",
            "西山口",
            "B-77",
            "2030-12-31",
            "S-77",
            "2030/6/30",
        ],
        ["兴旺家具厂", "", "家俱厂", "黄骅市", "工业街18号", "B-18", "2007年5月31日", "", ""],
    ]


def csv_bytes(
    rows: list[list[Any]], encoding: str = "utf-8-sig", header: list[str] = HEADERS
) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADERS, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient,
    world: World,
    data: bytes,
    name: str = "list.csv",
    role: Role = Role.coordinator,
) -> httpx.Response:
    return await client.post(
        URL, files={"file": (name, data, "application/octet-stream")}, headers=world.headers(role)
    )


async def names(client: httpx.AsyncClient, world: World) -> dict[str, dict[str, Any]]:
    r = await client.get(
        "/api/v1/employers", params={"limit": 200}, headers=world.headers(Role.coordinator)
    )
    return {e["name"]: e for e in r.json()["items"]}


async def test_utf8_csv_imports_and_a_rerun_creates_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    data = csv_bytes(good_rows())
    r = await upload(client, world, data)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": [],
        "rejected_total": 0,
    }
    got = await names(client, world)
    mine = got["银河铜矿有限责任公司"]
    assert mine["uscc"] == uscc(7)
    assert {(lic["kind"], lic["valid_until"]) for lic in mine["licences"]} == {
        ("business", "2030-12-31"),
        ("safety", "2030-06-30"),
    }
    assert got["红星砖窑厂"]["flags"] == ["no_business_licence"]
    assert got["兴旺家具厂"]["flags"] == ["licence_expired"]
    assert got["兴旺家具厂"]["jurisdiction_id"] == str(world.places["home"].id)
    again = await upload(client, world, data)
    assert again.json()["created"] == 0
    assert again.json()["unchanged"] == 3
    assert len(await names(client, world)) == 3


async def test_changed_rows_update_in_place(client: httpx.AsyncClient, world: World) -> None:
    await upload(client, world, csv_bytes(good_rows()))
    rows = good_rows()
    rows[1][4] = "西山口二号"  # address of the mine, matched by its USCC
    rows[0][2] = "brick_kiln"  # same kiln, matched by name + address + place
    rows[0][5], rows[0][6] = "B-1", "2031-01-01"
    r = await upload(client, world, csv_bytes(rows))
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 2, 1)
    got = await names(client, world)
    assert got["银河铜矿有限责任公司"]["address"] == "西山口二号"
    assert got["红星砖窑厂"]["flags"] == []


async def test_gbk_csv_from_a_registry(client: httpx.AsyncClient, world: World) -> None:
    r = await upload(client, world, csv_bytes(good_rows(), encoding="gbk"))
    assert r.json()["created"] == 3, r.text
    assert "红星砖窑厂" in await names(client, world)


async def test_xlsx_is_told_by_its_bytes(client: httpx.AsyncClient, world: World) -> None:
    rows = good_rows()
    rows[2][6] = datetime(2007, 5, 31)
    r = await upload(client, world, xlsx_bytes(rows), name="list.csv")
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    assert (await names(client, world))["兴旺家具厂"]["licences"][0]["valid_until"] == "2007-05-31"


async def test_bad_rows_are_listed_and_good_rows_go_in(
    client: httpx.AsyncClient, world: World
) -> None:
    wrong = uscc(8)[:-1] + ("0" if uscc(8)[-1] != "0" else "1")
    rows = [
        good_rows()[0],
        ["", wrong, "赌场", "献县", "", "", "2030-13-45", "", ""],
        good_rows()[1],
        ["红星砖窑厂", "", "砖窑厂", "黄骅镇", "北二里村", "", "", "", ""],
        ["新窑", "", "砖窑厂", "", "", "", "", "", ""],
    ]
    r = await upload(client, world, csv_bytes(rows))
    body = r.json()
    assert (body["created"], body["rejected_total"]) == (2, 3)
    by_row = {x["row"]: x["errors"] for x in body["rejected"]}
    assert sorted(by_row) == [3, 5, 6]
    joined = " ".join(by_row[3])
    for word in ("单位名称", "check digit", "行业", "所属辖区", "营业执照有效期至"):
        assert word in joined
    assert "row 2" in by_row[5][0]
    assert set(await names(client, world)) == {"红星砖窑厂", "银河铜矿有限责任公司"}


async def test_english_headers_ids_and_ambiguous_names(
    client: httpx.AsyncClient, world: World
) -> None:
    town = world.places["town"]
    async with transaction(world.db.sessionmaker) as session:
        village = await make_place(session, "黄骅镇", JurisdictionLevel.village, town)
    rows = [
        ["甲厂", "other", str(village.id)],
        ["乙厂", "other", "黄骅镇"],
        ["丙厂", "other", str(world.places["foreign"].id)],
    ]
    r = await upload(client, world, csv_bytes(rows, header=["Name", " industry ", "JURISDICTION"]))
    body = r.json()
    assert body["created"] == 1
    assert "2 places" in body["rejected"][0]["errors"][0]
    assert "in your area" in body["rejected"][1]["errors"][0]


async def test_hostile_text_is_stored_as_text(client: httpx.AsyncClient, world: World) -> None:
    rows = [
        ["=cmd|' /C calc'!A0", "", "other", "黄骅镇", "<script>alert(1)</script>", "", "", "", ""],
        ["x'); DROP TABLE employer;--\x00", "", "other", "黄骅镇", "", "", "", "", ""],
    ]
    r = await upload(client, world, csv_bytes(rows))
    assert r.json()["created"] == 2, r.text
    got = await names(client, world)
    assert got["=cmd|' /C calc'!A0"]["address"] == "<script>alert(1)</script>"
    assert "x'); DROP TABLE employer;--" in got


async def test_control_characters_are_dropped_and_line_breaks_become_spaces(
    client: httpx.AsyncClient, world: World
) -> None:
    """Control characters (C0 and C1) go; other invisible characters, such as the
    ideographic space or a zero-width space, are text and stay."""
    rows = [
        ["甲\t窑\x85\u3000厂\x01", "", "other", "黄骅镇", "\x00 村东\r\n3号\x7f ", "", "", "", ""],
        ["乙\u200b\x85窑", "", "other", "黄骅镇", "\xa0村西\xa0", "", "", "", ""],
    ]
    r = await upload(client, world, csv_bytes(rows))
    assert r.json()["created"] == 2, r.text
    got = await names(client, world)
    assert got["甲 窑\u3000厂"]["address"] == "村东  3号"  # \r and \n: a space each
    assert got["乙\u200b窑"]["address"] == "村西"


async def test_gbk_garbage_does_not_break_the_import(
    client: httpx.AsyncClient, world: World
) -> None:
    data = csv_bytes(good_rows()[:1], encoding="gbk") + b"\x81\xff\xfe,\x80,other,\xa1\r\n"
    r = await upload(client, world, data)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert r.json()["rejected"][0]["row"] == 3


async def test_empty_wrong_type_and_headerless_files(
    client: httpx.AsyncClient, world: World
) -> None:
    assert (await upload(client, world, b"")).status_code == 422
    assert (await upload(client, world, b"\xef\xbb\xbf\r\n")).status_code == 422
    r = await upload(client, world, b"%PDF-1.4 binary", name="list.csv")
    assert (r.status_code, r.headers["content-type"]) == (415, "application/problem+json")
    assert (await upload(client, world, b"\xd0\xcf\x11\xe0old xls")).status_code == 415
    assert (await upload(client, world, csv_bytes([]))).status_code == 422
    r = await upload(client, world, b"a,b\n1,2\n")
    assert r.status_code == 422
    assert "单位名称" in r.json()["detail"]


async def test_zip_bomb_is_refused_before_unpacking(
    client: httpx.AsyncClient, world: World
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    r = await upload(client, world, out.getvalue(), name="list.xlsx")
    assert r.status_code == 413
    assert "unpack" in r.json()["detail"]
    assert await names(client, world) == {}


async def test_xml_entities_are_not_expanded(client: httpx.AsyncClient, world: World) -> None:
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes(good_rows())))
    out = io.BytesIO()
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # openpyxl writes inline strings
                text = data.decode()
                if text.startswith("<?xml"):
                    text = text.split("?>", 1)[1]
                text = doctype + text.replace("红星砖窑厂", "&lol2;红星砖窑厂")
                data = text.encode()
            z.writestr(item, data)
    r = await upload(client, world, out.getvalue())
    assert r.status_code == 422, r.text
    assert await names(client, world) == {}


async def test_row_cap_rolls_the_whole_import_back(
    client: httpx.AsyncClient, world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr("app.services.core.import_formats.MAX_ROWS", 2)
    r = await upload(client, world, csv_bytes(good_rows()))
    assert r.status_code == 413
    assert await names(client, world) == {}


async def test_readers_cannot_import(client: httpx.AsyncClient, world: World) -> None:
    r = await upload(client, world, csv_bytes(good_rows()), role=Role.auditor)
    assert r.status_code == 403


async def test_templates_carry_the_chinese_headers(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers(Role.inspector)
    r = await client.get(f"{URL}/template", headers=h)
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert r.content.decode("utf-8-sig").splitlines()[0].split(",")[:4] == HEADERS[:4]
    r = await client.get(f"{URL}/template", params={"format": "xlsx"}, headers=h)
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    first = next(book.worksheets[0].iter_rows(values_only=True))
    assert list(first[:3]) == HEADERS[:3]
    back = await upload(client, world, r.content)
    assert back.status_code == 422  # the template alone has no rows
