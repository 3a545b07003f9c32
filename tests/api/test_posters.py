"""Rights-protection posters: A4 PNG and PDF, the hotline, the name, a QR code to the form."""

from __future__ import annotations

import base64
import io
import re
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from app.domain.taxonomy import Role
from app.services.registry import posters
from tests import needs
from tests.conftest import TestDatabase, app_for
from tests.factories import World

NAME = "羊二庄镇红星砖窑厂（北厂区）"


async def employer(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/employers",
        headers=world.headers(Role.coordinator),
        json={
            "name": NAME,
            "industry": "brick_kiln",
            "address": "北二里村东",
            "jurisdiction_id": str(world.places["town"].id),
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def pdf_text(data: bytes) -> str:
    """The text shown by a reportlab PDF: its streams inflated, the strings of `Tj` read
    back as the UCS-2 the CID font STSong-Light (UniGB-UCS2-H) is addressed in."""
    shown = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        content = zlib.decompress(base64.a85decode(m.group(1).strip(), adobe=True))
        for s in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            raw = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, s.group(1))
            shown.append(raw.decode("utf-16-be"))
    return "\n".join(shown)


def _unescape(m: re.Match[bytes]) -> bytes:
    esc = m.group(1)
    if esc[:1].isdigit():
        return bytes([int(esc, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(esc, esc)


def qr_in_png(img: Image.Image, modules: int) -> list[list[bool]]:
    """The modules read back from the PNG, each at its centre pixel."""
    left, top, size = posters.qr_geometry_px(modules)
    grey = img.convert("L")

    def dark(x: int, y: int) -> bool:
        value = grey.getpixel((x, y))
        assert isinstance(value, int)
        return value < 128

    return [
        [dark(left + c * size + size // 2, top + r * size + size // 2) for c in range(modules)]
        for r in range(modules)
    ]


async def test_the_pdf_poster_names_the_employer_and_the_hotline(
    db: TestDatabase, world: World
) -> None:
    app = app_for(db, hotline_number="0317-12333", public_base_url="https://jubao.example.cn/")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://test",
    ) as c:
        emp = await employer(c, world)
        r = await c.get(
            f"/api/v1/employers/{emp['id']}/poster",
            headers=world.headers(Role.inspector),
            params={"format": "pdf"},
        )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = pdf_text(r.content)
    for expected in (
        "维护劳动者合法权益",
        "举报电话",
        "0317-12333",
        f"单位：{NAME}",
        "强迫劳动",
        "扣留身份证件",
        "使用童工",
        "可以匿名",
    ):
        assert expected in text, (expected, text)
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in r.content  # A4


async def test_the_png_poster_is_a4_and_its_qr_code_opens_the_prefilled_form(
    client: httpx.AsyncClient, world: World, db: TestDatabase
) -> None:
    needs.cjk_font()
    emp = await employer(client, world)
    r = await client.get(
        f"/api/v1/employers/{emp['id']}/poster",
        params={"format": "png"},
        headers=world.headers(Role.agency_officer),
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (1240, 1754)  # A4 at 150 dpi
    url = posters.form_url(db.settings, NAME, emp["jurisdiction_id"])
    assert url.startswith("http://127.0.0.1:8000/?employer=")
    expected = posters.qr_matrix(url)
    assert qr_in_png(img, len(expected)) == expected
    other = posters.qr_matrix(posters.form_url(db.settings, "别的厂", emp["jurisdiction_id"]))
    assert len(other) != len(expected) or qr_in_png(img, len(other)) != other
    query = parse_qs(urlsplit(url).query)
    form = await client.get("/", params={k: v[0] for k, v in query.items()})
    assert f'value="{NAME}"' in form.text
    assert f'<option value="{emp["jurisdiction_id"]}" selected>' in form.text


async def test_posters_are_scoped_like_the_employer(
    client: httpx.AsyncClient, world: World
) -> None:
    emp = await employer(client, world)
    url = f"/api/v1/employers/{emp['id']}/poster"
    assert (
        await client.get(url, headers=world.headers(Role.coordinator, "foreign"))
    ).status_code == 404
    assert (await client.get(url)).status_code == 401
    bad = await client.get(url, params={"format": "gif"}, headers=world.headers(Role.coordinator))
    assert bad.status_code == 422


async def test_without_a_chinese_font_the_png_is_a_clear_503_and_the_pdf_still_works(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    emp = await employer(client, world)
    monkeypatch.setattr(posters, "find_cjk_font", lambda: None)
    url = f"/api/v1/employers/{emp['id']}/poster"
    r = await client.get(url, params={"format": "png"}, headers=world.headers(Role.coordinator))
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "format=pdf" in r.json()["detail"]
    pdf = await client.get(url, headers=world.headers(Role.coordinator))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_font_found_is_one_pillow_can_draw_with() -> None:
    """CI installs one (.ci/run); without it the PNG poster is refused (503)."""
    assert needs.cjk_font().lower().endswith((".ttc", ".ttf", ".otf"))
