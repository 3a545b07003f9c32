"""examples/agency_sync.py against a real `labourwatch serve --demo`: poll and webhook."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from app.services.demo.demo import DEMO_PASSWORD
from tests.conftest import BACKENDS
from tests.e2e.serving import free_port as _free_port
from tests.e2e.serving import running_serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency_sync.py"
BIN = Path(sys.executable).parent


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


def test_the_example_syncs_by_polling_and_by_webhook(
    demo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = demo
    c = httpx.Client(base_url=base, timeout=20)
    police = c.get("/api/v1/me", headers=_login(c, "officer.police")).json()["agency"]["id"]
    r = c.post(
        "/api/v1/service-accounts",
        headers=_login(c, "admin"),
        json={
            "name": "公安局办案系统",
            "agency_id": police,
            "scopes": ["queue:read", "queue:write"],
        },
    )
    assert r.status_code == 201, r.text
    env = {
        **env,
        "LW_URL": base,
        "LW_CLIENT_ID": r.json()["client_id"],
        "LW_CLIENT_SECRET": r.json()["client_secret"],
    }
    service = {
        "Authorization": "Bearer "
        + c.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": env["LW_CLIENT_ID"],
                "client_secret": env["LW_CLIENT_SECRET"],
            },
        ).json()["access_token"]
    }
    hook_port = _free_port()
    r = c.post(
        "/api/v1/webhooks",
        headers=service,
        json={"url": f"http://127.0.0.1:{hook_port}/labourwatch"},
    )
    assert r.status_code == 201, r.text
    env["LW_WEBHOOK_SECRET"] = r.json()["secret"]

    office = _login(c, "coordinator")
    home = c.get("/api/v1/me", headers=office).json()["jurisdiction"]["id"]
    employer = c.post(
        "/api/v1/employers",
        headers=office,
        json={
            "name": "黄骅市示例砖厂",
            "industry": "brick_kiln",
            "jurisdiction_id": home,
            "address": "示例村",
        },
    ).json()["id"]
    case = c.post(
        "/api/v1/cases",
        headers=office,
        json={
            "employer_id": employer,
            "violation_types": ["forced_labour"],
            "description": "强迫劳动",
        },
    )
    assert case.status_code == 201, case.text

    cursor = tmp_path / "police.cursor"
    polled = subprocess.run(
        [sys.executable, str(EXAMPLE), "poll", "--once", "--cursor-file", str(cursor)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert polled.returncode == 0, polled.stderr
    assert "created" in polled.stdout and "黄骅市示例砖厂" in polled.stdout
    assert f"case={case.json()['id']}" in polled.stdout
    assert int(cursor.read_text()) > 0
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), "poll", "--once", "--cursor-file", str(cursor)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0 and again.stdout == ""  # the cursor was kept

    receiver = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "webhook", "--once", "--port", str(hook_port)],
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
    assert "assignment.created" in out and "黄骅市示例砖厂" in out, (out, err)
    c.close()


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_example_accepts_files_reports_a_paper_under_its_own_numbers_and_concludes(
    demo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """A labour bureau's own case system runs its case through labourwatch: accept, 立案
    under its own number, 结案 — with the scopes queue:read and queue:write only."""
    base, env = demo
    c = httpx.Client(base_url=base, timeout=20)
    labour = c.get("/api/v1/me", headers=_login(c, "officer.labour")).json()["agency"]["id"]
    r = c.post(
        "/api/v1/service-accounts",
        headers=_login(c, "admin"),
        json={
            "name": "人社局监察执法系统",
            "agency_id": labour,
            "scopes": ["queue:read", "queue:write"],
        },
    )
    assert r.status_code == 201, r.text
    env = {
        **env,
        "LW_URL": base,
        "LW_CLIENT_ID": r.json()["client_id"],
        "LW_CLIENT_SECRET": r.json()["client_secret"],
    }
    office = _login(c, "coordinator")
    home = c.get("/api/v1/me", headers=office).json()["jurisdiction"]["id"]
    employer = c.post(
        "/api/v1/employers",
        headers=office,
        json={
            "name": "黄骅市示例服装厂",
            "industry": "workshop",
            "jurisdiction_id": home,
            "address": "示例村",
        },
    ).json()["id"]
    case = c.post(
        "/api/v1/cases",
        headers=office,
        json={
            "employer_id": employer,
            "violation_types": ["wage_arrears"],
            "description": "拖欠工资三个月",
        },
    )
    assert case.status_code == 201, case.text

    cursor = tmp_path / "labour.cursor"
    polled = _run(
        env, "poll", "--once", "--accept", "--file-prefix", "HHRS", "--cursor-file", str(cursor)
    )
    assert polled.returncode == 0, polled.stderr
    mine = [
        line
        for line in polled.stdout.splitlines()
        if "黄骅市示例服装厂" in line and " created " in line
    ]
    assert len(mine) == 1, polled.stdout
    assignment_id = mine[0].split("assignment=")[1].split()[0]
    assert "accept → 200" in polled.stdout
    number = next(
        line.split()[1] for line in polled.stdout.splitlines() if line.strip().startswith("filed ")
    )
    assert number.startswith("HHRS-") and number.endswith("-0001"), polled.stdout

    deadline = str(date.today() + timedelta(days=15))
    reported = _run(
        env,
        "document",
        assignment_id,
        "--kind",
        "rectification_instruction",
        "--number",
        "HHRS-令-0001",
        "--facts",
        "拖欠工人工资三个月",
        "--basis",
        "《劳动保障监察条例》第十八条",
        "--deadline",
        deadline,
    )
    assert reported.returncode == 0 and "document → 201 HHRS-令-0001" in reported.stdout, (
        reported.stdout,
        reported.stderr,
    )
    papers = c.get(f"/api/v1/assignments/{assignment_id}/documents", headers=office).json()
    assert [p["number"] for p in papers] == ["HHRS-令-0001"]
    concluded = _run(env, "conclude", assignment_id, "--summary", "已责令补发工资，结案。")
    assert concluded.returncode == 0 and "conclude → 200 concluded" in concluded.stdout, (
        concluded.stdout,
        concluded.stderr,
    )
    ledger = c.get("/api/v1/ledger/cases", headers=office)
    assert ledger.status_code == 200
    row = next(
        r
        for r in ledger.content.decode("utf-8-sig").splitlines()
        if "黄骅市示例服装厂" in r and "人力资源" in r
    )
    assert "已责令补发工资" in row  # concluded, with the agency system's summary
    again = _run(
        env, "poll", "--once", "--accept", "--file-prefix", "HHRS", "--cursor-file", str(cursor)
    )
    assert again.returncode == 0 and "accept →" not in again.stdout  # nothing taken twice
    c.close()
