"""An agency's queue: the assignments routed to it, for agency systems that poll."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import to_json

from app.api.deps import MayQueueRead, actor_for_token, required_permission, runtime_of
from app.domain.chinatime import china_date
from app.domain.clocks import Clock, overdue_clocks
from app.domain.deadlines import is_overdue
from app.domain.lifecycles import AssignmentStatus
from app.domain.permissions import Actor, Permission
from app.domain.taxonomy import Severity
from app.errors import unprocessable
from app.models.base import utcnow
from app.models.case_schemas import QueueItem
from app.models.common import Page
from app.services.cases import queue

Limit = Annotated[int, Query(ge=1, le=200)]
CACHE_CONTROL = "private, no-cache"
_BOOLS = {
    "0": False,
    "off": False,
    "f": False,
    "false": False,
    "n": False,
    "no": False,
    "1": True,
    "on": True,
    "t": True,
    "true": True,
    "y": True,
    "yes": True,
}


def _limit(value: str) -> int:
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 200):
        raise ValueError(value)
    return int(value)


def _overdue(value: str) -> bool | Clock:
    return _BOOLS[value.lower()] if value.lower() in _BOOLS else Clock(value)


def _owner(value: str) -> str:
    queue.owner_filter(None if value == "me" else value)
    return value


# The parameters the fast path reads itself: each accepts a subset of what the route's
# own validation does, so whatever it turns down goes to the route (and its 422).
_PARAMS: dict[str, Callable[[str], object]] = {
    "status": AssignmentStatus,
    "severity": Severity,
    "overdue": _overdue,
    "owner": _owner,
    "limit": _limit,
    "cursor": str,
}


async def _simple(
    request: Request, permission: Permission, defaults: dict[str, Any]
) -> tuple[Actor, dict[str, Any]] | None:
    """The caller and the filters of a plain GET of the queue (no long poll), read without
    FastAPI's dependency solving; None for anything else (the route decides it: 401, 403,
    422 or a long poll). `permission` and `defaults` are the route's own declarations."""
    authorization = None
    for key, value in request.scope["headers"]:
        if key == b"authorization":
            authorization = value.decode("latin-1")
            break
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    filters = dict(defaults)
    seen: set[str] = set()
    for key, value in parse_qsl(
        request.scope["query_string"].decode("latin-1"), keep_blank_values=True
    ):
        if key in seen or key not in _PARAMS:
            return None
        seen.add(key)
        try:
            filters[key] = _PARAMS[key](value)
        except (ValueError, KeyError):
            return None
    actor = await actor_for_token(runtime_of(request), authorization[7:])
    if actor is None or not actor.can(permission):
        return None
    request.state.actor = actor
    return actor, filters


def fast_path_of(route: APIRoute) -> tuple[Permission, dict[str, Any]]:
    """What the fast path takes from the route's declaration: the permission of its
    `May…` alias, and each query parameter's default (the long poll's `wait` aside).
    A parameter the fast path cannot read, or a route without a permission, stops the
    app from starting rather than letting the common requests answer otherwise."""
    permission = required_permission(route.dependant)
    if permission is None:
        raise RuntimeError(f"{route.path}: the queue's fast path needs a declared permission")
    declared = {p.name: p.default for p in route.dependant.query_params if p.name != "wait"}
    unknown = set(declared) ^ set(_PARAMS)
    if unknown:
        raise RuntimeError(f"{route.path}: the fast path and the route differ on {unknown}")
    return permission, declared


class _QueueRoute(APIRoute):
    """The common requests (a poll, a page) skip dependency solving, which costs more
    than answering them; the route's own checks stand for everything else."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        full = super().get_route_handler()
        permission, defaults = fast_path_of(self)

        async def handler(request: Request) -> Response:
            simple = await _simple(request, permission, defaults)
            if simple is None:
                return await full(request)
            actor, filters = simple
            return await _answer(
                request, actor, filters, request.headers.get("if-none-match"), wait=0
            )

        return handler


router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=_QueueRoute)


def _item(r: queue.QueueRow, case_types: list[str] | None, now: datetime) -> dict[str, Any]:
    """One queue row as a `QueueItem`, field for field. Ids as strings: asyncpg's UUID
    type is many times slower through pydantic's serializer than a str."""
    return {
        "id": str(r.id),
        "role": r.role,
        "status": r.status,
        "due_at": r.due_at,
        "overdue": is_overdue(r.due_at, now, r.status != "pending"),
        "overdue_clocks": overdue_clocks(
            status=r.status,
            due_at=r.due_at,
            investigate_by=r.investigate_by,
            rectify_by=r.rectify_by,
            now=now,
            today=china_date(now),
        ),
        "owner_id": None if r.owner_id is None else str(r.owner_id),
        "investigate_by": r.investigate_by,
        "reason": r.reason,
        "violation_types": r.violation_types,
        "restricted": r.restricted,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "case": {
            "id": str(r.case_id),
            "status": r.case_status,
            "severity": r.severity,
            "employer": {
                "id": str(r.employer_id),
                "name": r.employer_name,
                "uscc": None,
                "industry": None,
                "jurisdiction_id": None,
                "address": None,
            },
            "violation_types": r.case_types if case_types is None else case_types,
            "opened_at": r.opened_at,
        },
    }


def model_shape(model: type[BaseModel]) -> list[Any]:
    """A model's field names in order, a nested model's as (name, its shape)."""
    out: list[Any] = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        nested = isinstance(kind, type) and issubclass(kind, BaseModel)
        out.append((name, model_shape(kind)) if nested else name)  # type: ignore[arg-type]
    return out


def dict_shape(item: dict[str, Any]) -> list[Any]:
    """The same for a dict: its keys in order, a nested dict's as (key, its shape)."""
    return [(k, dict_shape(v)) if isinstance(v, dict) else k for k, v in item.items()]


def _sample() -> queue.QueueRow:
    when = datetime(2026, 1, 5, 8, tzinfo=UTC)
    some = uuid.UUID(int=1)
    values: dict[str, Any] = dict.fromkeys(queue.QueueRow._fields)
    values.update(
        id=some, role="lead", status="pending", due_at=when, reason="", violation_types=(),
        restricted=False, created_at=when, updated_at=when, case_id=some, case_status="open",
        severity="normal", case_types=(), opened_at=when, employer_id=some, employer_name="",
    )  # fmt: skip
    return queue.QueueRow(**values)


# The fast path writes `_item`'s dicts as they are: they must be `QueueItem`'s shape, field
# for field and in its order (the bytes `Page[QueueItem]` writes), or the app does not start.
if dict_shape(_item(_sample(), None, utcnow())) != model_shape(QueueItem):
    raise RuntimeError("the queue's items (_item) and QueueItem have different fields")


async def _answer(
    request: Request, actor: Actor, filters: dict[str, Any], if_none_match: str | None, wait: int
) -> Response:
    # `owner=me` names a different queue for each caller of the agency: its ETag too
    query = "&".join(
        sorted(
            f"{k}={queue.resolve_owner(actor, v) if k == 'owner' else v}"
            for k, v in request.query_params.multi_items()
            if k != "wait"
        )
    )
    engine = runtime_of(request).engine
    assert engine is not None
    etag, page = await queue.run_queue(
        engine, actor, query=query, if_none_match=if_none_match, wait=wait, **filters
    )
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if page is None:
        return Response(status_code=304, headers=headers)
    if page.next_cursor is not None:
        headers["Link"] = (
            f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
        )
    now = utcnow()
    items = [_item(r, page.case_types.get(r.case_id), now) for r in page.rows]
    # Plain dicts through pydantic's serializer: per-item models cost more than the query.
    body = to_json({"items": items, "next_cursor": page.next_cursor})
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/queue",
    response_model=Page[QueueItem],
    responses={304: {"description": "Unchanged since the ETag you sent."}},
)
async def get_queue(
    request: Request,
    actor: MayQueueRead,
    status: AssignmentStatus | None = None,
    overdue: bool | Clock | None = None,
    severity: Severity | None = None,
    owner: Annotated[
        str | None, Query(description="`me`, `none` (nobody owns it) or a user id.")
    ] = None,
    cursor: str | None = None,
    limit: Limit = 50,
    wait: Annotated[int, Query(ge=0, le=30)] = 0,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Your agency's assignments, oldest first, each with its case summary.

    Sends a weak `ETag` that changes whenever any of your agency's assignments
    changes; send it back in `If-None-Match` and an unchanged queue answers 304
    with no body. With `wait=N` (at most 30 seconds) and a matching `If-None-Match`,
    the answer is held until the queue changes or N seconds pass (long poll).

    `overdue` picks a clock that has run out (each item lists its own in
    `overdue_clocks`):
    - `true` (or `accept`): pending past `due_at`, the deadline to accept; `false`: not that.
    - `handling`: filed (立案) and still accepted on a day after `investigate_by`, the
      60 working days of 劳动保障监察条例 第17条 (extended with the head's approval).
    - `rectify`: a rectification it ordered still not corrected after its deadline day.

    Days are China's. `owner=me` lists what you own, `owner=none` what nobody owns yet."""
    try:
        queue.owner_filter(None if owner == "me" else owner)
    except ValueError:
        raise unprocessable(["query", "owner"], "Give me, none or a user id.") from None
    filters = {
        "status": status,
        "overdue": overdue,
        "severity": severity,
        "owner": owner,
        "cursor": cursor,
        "limit": limit,
    }
    return await _answer(request, actor, filters, if_none_match, wait)
