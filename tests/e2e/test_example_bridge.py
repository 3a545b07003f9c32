"""examples/bridge_12345.py against a real `labourwatch serve --demo`: a 12345 work order
goes in with its number, is triaged, handled and closed, and the bridge receives
`tip.status_changed` with the number and prints the 办结反馈 it would send back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services.demo.demo import DEMO_PASSWORD
from tests.conftest import BACKENDS
from tests.e2e.serving import free_port, running_serve

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = ROOT / "examples" / "bridge_12345.py"
BIN = Path(sys.executable).parent
NUMBER = "HH20261204-0001"


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with running_serve(
        request.param, tmp_path, {"LABOURWATCH_WEBHOOK_ALLOW_PRIVATE": "true"}
    ) as served:
        yield served


def _login(c: httpx.Client, username: str) -> dict[str, str]:
    r = c.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _bridge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BRIDGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_12345_work_order_goes_in_and_its_closing_comes_back(
    demo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = demo
    c = httpx.Client(base_url=base, timeout=20)
    office = _login(c, "coordinator")
    me = c.get("/api/v1/me", headers=office).json()
    r = c.post(
        "/api/v1/service-accounts",
        headers=_login(c, "admin"),
        json={
            "name": "12345热线对接",
            "agency_id": me["agency"]["id"],
            "scopes": ["tips:write", "queue:write"],
        },
    )
    assert r.status_code == 201, r.text
    env = {
        **env,
        "LW_URL": base,
        "LW_CLIENT_ID": r.json()["client_id"],
        "LW_CLIENT_SECRET": r.json()["client_secret"],
    }
    service = c.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["LW_CLIENT_ID"],
            "client_secret": env["LW_CLIENT_SECRET"],
        },
    ).json()["access_token"]
    port = free_port()
    hook = c.post(
        "/api/v1/webhooks",
        headers={"Authorization": f"Bearer {service}"},
        json={"url": f"http://127.0.0.1:{port}/12345"},
    )
    assert hook.status_code == 201, hook.text
    env["LW_WEBHOOK_SECRET"] = hook.json()["secret"]

    placed = _bridge(
        env,
        "order",
        "--number",
        NUMBER,
        "--content",
        "来电反映：示例服装厂拖欠工人工资两个月",
        "--type",
        "wage_arrears",
        "--employer",
        "示例服装厂",
        "--phone",
        "13900001111",
    )
    assert placed.returncode == 0 and f"work order {NUMBER} → tip" in placed.stdout, (
        placed.stdout,
        placed.stderr,
    )
    tip_id = placed.stdout.split(" → tip ")[1].split()[0]
    again = _bridge(env, "order", "--number", NUMBER, "--content", "重复推送")
    assert again.returncode == 0 and f"is tip {tip_id} already" in again.stdout, again.stdout
    tip = c.get(f"/api/v1/tips/{tip_id}", headers=office).json()
    assert tip["external_ref"] == {"system": "12345", "id": NUMBER}

    employer = c.post(
        "/api/v1/employers",
        headers=office,
        json={
            "name": "黄骅市示例服装厂",
            "industry": "workshop",
            "jurisdiction_id": me["jurisdiction"]["id"],
            "address": "示例村",
        },
    ).json()["id"]
    triaged = c.post(
        f"/api/v1/tips/{tip_id}/triage",
        headers=office,
        json={"decision": "open_case", "employer_id": employer},
    )
    assert triaged.status_code == 200, triaged.text
    case_id = triaged.json()["case_id"]
    c.post(
        f"/api/v1/tips/{tip_id}/replies",
        headers=office,
        json={"message": "经查属实，已责令该厂补发工资，共补发12万元。"},
    )
    labour = _login(c, "officer.labour")
    mine = [
        a
        for a in c.get("/api/v1/queue", headers=labour).json()["items"]
        if a["case"]["id"] == case_id
    ]
    assert mine, "the labour bureau has the case"
    for a in mine:
        assert c.post(f"/api/v1/assignments/{a['id']}/accept", headers=labour).status_code == 200
        done = c.post(
            f"/api/v1/assignments/{a['id']}/conclude",
            headers=labour,
            json={"summary": "已补发工资"},
        )
        assert done.status_code == 200, done.text
    closed = c.post(f"/api/v1/cases/{case_id}/close", headers=office, json={"summary": "结案"})
    assert closed.status_code == 200, closed.text

    receiver = subprocess.Popen(
        [sys.executable, str(BRIDGE), "webhook", "--count", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None
        assert "listening" in receiver.stdout.readline()
        worker = subprocess.run(
            [str(BIN / "labourwatch"), "worker", "--once"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert worker.returncode == 0, worker.stderr
        out, err = receiver.communicate(timeout=30)
    finally:
        if receiver.poll() is None:
            receiver.kill()
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in out.splitlines()[0:]}
    assert "过程反馈" in lines and "办结反馈" in lines, (out, err)
    final = json.loads(lines["办结反馈"])
    assert final["workOrderNo"] == NUMBER and final["status"] == "办结"
    assert final["reply"] == "经查属实，已责令该厂补发工资，共补发12万元。"
    assert final["satisfaction"] is None
    assert json.loads(lines["过程反馈"])["status"] == "调查中"
    assert "13900001111" not in out
    c.close()
