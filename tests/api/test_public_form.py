"""The built-in form: works without JavaScript, shows the receipt, looks it up, escapes input."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from app.domain.taxonomy import Role
from tests.factories import World

RECEIPT_IN_PAGE = re.compile(r'id="receipt">([0-9A-Z-]{24})<')


async def submit_form(client: httpx.AsyncClient, **fields: object) -> httpx.Response:
    data: dict[str, object] = {
        "description": "窑厂里有十几个智障工人，被打",
        "employer_name": "某砖窑厂",
        "address": "黄骅镇北边",
        "violation_types": ["forced_labour", "violence_abuse"],
        "contact_name": "",
        "contact_phone": "",
    }
    data.update(fields)
    return await client.post("/form", data=data)


async def test_the_form_lists_violation_types_in_plain_words(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in r.text and 'name="viewport"' in r.text
    assert 'value="forced_labour"> 强迫劳动' in r.text
    assert "<script" not in r.text and "set-cookie" not in r.headers


async def test_send_read_the_receipt_and_look_it_up(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await submit_form(client, contact_phone="13700000000")
    assert r.status_code == 201, r.text
    assert "请妥善保存回执码" in r.text and "set-cookie" not in r.headers
    assert r.headers["cache-control"] == "no-store"
    match = RECEIPT_IN_PAGE.search(r.text)
    assert match, r.text
    status = await client.post("/status", data={"receipt": match.group(1)})
    assert status.status_code == 200
    assert "已受理" in status.text and "暂无回复" in status.text
    missing = await client.post("/status", data={"receipt": "2345-6789-ABCD-EFGH-JKMN"})
    assert missing.status_code == 404 and "找不到" in missing.text
    assert (await client.get("/status")).status_code == 200


async def test_a_form_error_comes_back_in_chinese_with_the_input_escaped(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await submit_form(client, description="", employer_name="<script>alert(1)</script>")
    assert r.status_code == 422
    assert "不能为空" in r.text
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert 'value="forced_labour" checked' in r.text  # the choices are kept


async def test_a_place_picked_on_the_form_puts_the_tip_in_that_office_queue(
    client: httpx.AsyncClient, world: World
) -> None:
    page = (await client.get("/")).text
    town = str(world.places["town"].id)
    assert f'<option value="{town}">' in page and "黄骅市 › 黄骅镇" in page
    r = await submit_form(client, jurisdiction_id=town)
    assert r.status_code == 201, r.text
    [tip] = (await client.get("/api/v1/tips", headers=world.headers(Role.coordinator))).json()[
        "items"
    ]
    assert tip["jurisdiction_id"] == town and tip["channel"] == "web"


async def test_a_poster_link_prefills_the_site_and_is_escaped(
    client: httpx.AsyncClient, world: World
) -> None:
    town = str(world.places["town"].id)
    r = await client.get(
        "/", params={"employer": '某砖厂"><script>x</script>', "jurisdiction_id": town}
    )
    assert r.status_code == 200
    assert 'value="某砖厂&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in r.text
    assert "<script>x" not in r.text
    assert f'<option value="{town}" selected>' in r.text
    plain = (await client.get("/")).text
    assert " selected>" not in plain
    assert 'name="employer_name" maxlength="200" value=""' in plain


async def test_a_place_added_by_the_office_is_on_the_next_form(
    client: httpx.AsyncClient, world: World
) -> None:
    """The form keeps its lists for a few seconds, but not past a change made here."""
    assert "新建镇" not in (await client.get("/")).text
    r = await client.post(
        "/api/v1/jurisdictions",
        headers=world.headers(Role.admin),
        json={"name": "新建镇", "level": "township", "parent_id": str(world.places["home"].id)},
    )
    assert r.status_code == 201, r.text
    page = (await client.get("/")).text
    assert f'<option value="{r.json()["id"]}">黄骅市 › 新建镇</option>' in page


def _csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


async def test_every_page_refuses_scripts_frames_and_sniffing(
    client: httpx.AsyncClient, world: World
) -> None:
    """A hostile page cannot frame the form, inject script into it or learn where a
    tipster came from; the page's one style block still applies (its hash is allowed)."""
    sent = await submit_form(client)
    pages = [
        await client.get("/"),
        await client.get("/status"),
        sent,
        await submit_form(client, description=""),
        await client.post("/status", data={"receipt": "2345-6789-ABCD-EFGH-JKMN"}),
    ]
    assert [p.status_code for p in pages] == [200, 200, 201, 422, 404]
    for r in pages:
        csp = _csp(r)
        assert csp["default-src"] == "'none'" and "script-src" not in csp
        assert csp["frame-ancestors"] == "'none'" and csp["form-action"] == "'self'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        styles = re.findall(r"<style>(.*?)</style>", r.text, re.S)
        allowed = {
            f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
            for s in styles
        }
        assert styles and set(csp["style-src"].split()) == allowed
        assert "<script" not in r.text and " style=" not in r.text
