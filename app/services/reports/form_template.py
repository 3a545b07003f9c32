"""The national form's template as versioned data: the one in force, and an admin's edit.

Like the routing table it is one for the whole country: only an admin at the national
(root) level may change it, and a change is a new version. Reports already frozen keep
the rows and columns they were frozen with.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.domain.permissions import Actor, Permission
from app.domain.report_form import (
    DEFAULT_TEMPLATE,
    FormColumn,
    FormTemplate,
    TemplateError,
    check_template,
    template_from_json,
)
from app.domain.routing import UMBRELLA_TYPE
from app.errors import Conflict, Forbidden, unprocessable
from app.models.reports import ReportFormTemplate
from app.services.core import access
from app.services.reports.form_queries import QUERIES


def collected(column: FormColumn) -> bool:
    """A column is collected when the system runs its query."""
    return column.query is not None and column.query in QUERIES


def _row_of(t: FormTemplate, by: str) -> ReportFormTemplate:
    data = t.as_json()
    return ReportFormTemplate(
        version=t.version, name=t.name, rows=data["rows"], columns=data["columns"], created_by=by
    )


def _from_row(row: ReportFormTemplate) -> FormTemplate:
    return template_from_json(
        {"version": row.version, "name": row.name, "rows": row.rows, "columns": row.columns}
    )


async def template_in_force(session: AsyncSession) -> FormTemplate:
    """The latest version; the built-in default (version 1) while nobody has edited."""
    row = (
        await session.exec(
            select(ReportFormTemplate).order_by(col(ReportFormTemplate.version).desc()).limit(1)
        )
    ).first()
    return DEFAULT_TEMPLATE if row is None else _from_row(row)


async def update_template(
    session: AsyncSession, actor: Actor, *, data: dict[str, Any]
) -> FormTemplate:
    """A new version of the template (422 for unknown industries or sources, duplicate
    keys, an industry in two rows)."""
    access.require(actor, Permission.reference_write)
    if not access.is_national(actor):
        raise Forbidden("统计表模板全国统一，只有全国一级的管理员可以修改。")
    current = await template_in_force(session)
    try:
        new = template_from_json({**data, "version": current.version + 1})
        check_template(new)
    except TemplateError as e:
        raise unprocessable(e.loc, e.msg) from None
    for j, column in enumerate(new.columns):
        # Frozen reports are read by whoever reads statistics, service accounts included:
        # a count of protective-umbrella findings must not reach them (case_visibility).
        if UMBRELLA_TYPE in str(column.args.get("types", "")):
            raise unprocessable(["body", "columns", j, "args"], "保护伞线索不得列入统计表模板。")
    have = (await session.exec(select(ReportFormTemplate.version))).first()
    try:
        async with session.begin_nested():
            if have is None:  # keep the default on record as version 1, the edits after it
                session.add(_row_of(DEFAULT_TEMPLATE, "system"))
            session.add(_row_of(new, actor.id[:64]))
            await session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("模板刚被另一位管理员修改，请刷新后再试。") from None
    auditlog.record(
        session,
        actor,
        "report_form_template.update",
        "report_form_template",
        str(new.version),
        before=current.as_json(),
        after=new.as_json(),
    )
    return new


def template_public(t: FormTemplate) -> dict[str, Any]:
    data = t.as_json()
    for c, column in zip(data["columns"], t.columns, strict=True):
        c["collected"] = collected(column)
    return {**data, "queries": sorted(QUERIES)}
