"""The inspection ledger (台帐): every inspection with its signers, for the archive (存档备查).

Rows are read in keyset batches, so a CSV of any length streams in flat memory.
Cells that a spreadsheet would run as a formula are defused with a leading '.
`official_misconduct` findings are listed only for whom `case_visibility` allows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionMaker
from app.domain.permissions import Actor, Permission
from app.domain.routing import UMBRELLA_TYPE
from app.models.accounts import User
from app.models.employers import Employer
from app.models.inspections import Finding, Inspection, InspectionSignature
from app.models.reference import Jurisdiction, ViolationType
from app.services.core import access, case_visibility
from app.services.core.spreadsheets import build_xlsx, stream_csv_on_own_session
from app.services.inspections import campaigns
from app.services.inspections.inspections import filtered
from app.services.registry.routing import path_ids

HEADERS = (
    "检查日期",
    "单位名称",
    "所属乡镇",
    "检查类型",
    "用工总数",
    "本地",
    "外地",
    "女工",
    "未成年工",
    "童工",
    "签订合同",
    "发现问题",
    "检查人员签字",
    "签字时间",
    "状态",
)
KIND_ZH = {"self_check": "自查自纠", "enforcement": "执法检查", "follow_up": "回访"}
STATUS_ZH = {"draft": "草稿", "submitted": "待签字", "signed": "已签字"}
CHINA = timezone(timedelta(hours=8))
BATCH = 500
Filters = Mapping[str, uuid.UUID | str | None]


def defuse(cell: Any) -> Any:
    """Prefix text a spreadsheet would evaluate (= + - @, tab, CR) with a quote."""
    if isinstance(cell, str) and cell and cell[0] in "=+-@\t\r":
        return "'" + cell
    return cell


async def check_filters(session: AsyncSession, actor: Actor, filters: Filters) -> None:
    """Filters naming a campaign, team or township outside the actor's area → NotFound."""
    access.require(actor, Permission.inspections_read)
    if filters.get("campaign_id") is not None:
        await campaigns.get_campaign_row(session, actor, str(filters["campaign_id"]))
    if filters.get("team_id") is not None:
        await campaigns.get_team(session, actor, str(filters["team_id"]))
    if filters.get("township_id") is not None:
        await access.get_jurisdiction(session, actor, str(filters["township_id"]))


async def _townships(
    session: AsyncSession, rows: Sequence[Inspection], cache: dict[uuid.UUID, str]
) -> None:
    todo = {r.jurisdiction_id for r in rows} - cache.keys()
    if not todo:
        return
    places = (await session.exec(select(Jurisdiction).where(col(Jurisdiction.id).in_(todo)))).all()
    ancestors = {i for j in places for i in path_ids(j.path)}
    towns = {
        j.id: j.name
        for j in (
            await session.exec(
                select(Jurisdiction).where(
                    col(Jurisdiction.id).in_(ancestors), Jurisdiction.level == "township"
                )
            )
        ).all()
    }
    for j in places:
        cache[j.id] = next((towns[i] for i in path_ids(j.path) if i in towns), "")


async def _batch_rows(
    session: AsyncSession, actor: Actor, rows: Sequence[Inspection], towns: dict[uuid.UUID, str]
) -> list[list[Any]]:
    ids = [r.id for r in rows]
    whole = await case_visibility.inspections_seen_whole(session, actor, rows)
    await _townships(session, rows, towns)
    names = dict(
        (
            await session.exec(
                select(Employer.id, Employer.name).where(
                    col(Employer.id).in_({r.employer_id for r in rows})
                )
            )
        ).all()
    )
    found: dict[uuid.UUID, list[str]] = {}
    for iid, code, zh in (
        await session.exec(
            select(Finding.inspection_id, Finding.violation_type, ViolationType.name_zh)
            .join(ViolationType, col(Finding.violation_type) == col(ViolationType.code))
            .where(col(Finding.inspection_id).in_(ids))
            .order_by(col(Finding.created_at))
        )
    ).all():
        if iid in whole or code != UMBRELLA_TYPE:
            found.setdefault(iid, []).append(zh)
    signers: dict[uuid.UUID, list[tuple[str, Any]]] = {}
    for iid, name, at in (
        await session.exec(
            select(
                InspectionSignature.inspection_id, User.display_name, InspectionSignature.signed_at
            )
            .join(User, col(InspectionSignature.user_id) == col(User.id))
            .where(col(InspectionSignature.inspection_id).in_(ids))
            .order_by(col(InspectionSignature.signed_at))
        )
    ).all():
        signers.setdefault(iid, []).append((name, at))
    out = []
    for r in rows:
        sig = signers.get(r.id, [])
        last = sig[-1][1].astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if sig else ""
        out.append(
            [
                r.visited_on.isoformat(),
                names.get(r.employer_id, ""),
                towns.get(r.jurisdiction_id, ""),
                KIND_ZH.get(r.kind, r.kind),
                r.total,
                r.local,
                r.migrant,
                r.female,
                r.minors_16_18,
                r.children_under_16,
                r.contracts_signed,
                "；".join(found.get(r.id, [])),
                "、".join(n for n, _ in sig),
                last,
                STATUS_ZH.get(r.status, r.status),
            ]
        )
    return [[defuse(c) for c in row] for row in out]


async def ledger_rows(
    session: AsyncSession, actor: Actor, filters: Filters
) -> AsyncIterator[list[list[Any]]]:
    """Batches of ledger rows, oldest inspection first."""
    towns: dict[uuid.UUID, str] = {}
    last: tuple[Any, uuid.UUID] | None = None
    while True:
        query = filtered(actor, filters)
        if last is not None:
            query = query.where(
                sa.tuple_(col(Inspection.created_at), col(Inspection.id))
                > sa.tuple_(
                    sa.bindparam(None, last[0], type_=Inspection.__table__.c.created_at.type),  # type: ignore[attr-defined]
                    sa.bindparam(None, last[1], type_=sa.Uuid()),
                )
            )
        rows = list(
            (
                await session.exec(
                    query.order_by(col(Inspection.created_at), col(Inspection.id)).limit(BATCH)
                )
            ).all()
        )
        if not rows:
            return
        yield await _batch_rows(session, actor, rows, towns)
        if len(rows) < BATCH:
            return
        last = (rows[-1].created_at, rows[-1].id)


def stream_ledger_csv(
    sessionmaker: SessionMaker, actor: Actor, filters: Filters
) -> AsyncIterator[bytes]:
    return stream_csv_on_own_session(
        sessionmaker, HEADERS, lambda session: ledger_rows(session, actor, filters)
    )


async def ledger_xlsx(session: AsyncSession, actor: Actor, filters: Filters) -> bytes:
    return await build_xlsx("检查台帐", HEADERS, ledger_rows(session, actor, filters))
