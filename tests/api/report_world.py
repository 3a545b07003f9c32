"""Inspections done the whole way over HTTP, for the coverage and summary tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.inspection_world import Team, new_inspection


async def inspect(
    client: httpx.AsyncClient,
    team: Team,
    employer_id: uuid.UUID,
    *,
    sign: bool = True,
    findings: tuple[tuple[str, str], ...] = (),
    **over: Any,
) -> dict[str, Any]:
    """A team inspection of the campaign, submitted, and signed by leader and member."""
    r = await new_inspection(
        client,
        team.of("leader"),
        employer_id,
        campaign_id=team.campaign_id,
        team_id=team.id,
        **over,
    )
    assert r.status_code == 201, r.text
    url = f"/api/v1/inspections/{r.json()['id']}"
    for vt, text in findings:
        f = await client.post(
            f"{url}/findings",
            headers=team.of("member"),
            json={"violation_type": vt, "description": text},
        )
        assert f.status_code == 201, f.text
    r = await client.post(f"{url}/submit", headers=team.of("leader"))
    assert r.status_code == 200, r.text
    if sign:
        for who in ("leader", "member"):
            r = await client.post(f"{url}/sign", headers=team.of(who))
            assert r.status_code == 200, r.text
        assert r.json()["status"] == "signed"
    body: dict[str, Any] = r.json()
    return body
