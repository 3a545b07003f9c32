"""Shape a page of results: `{items, next_cursor}` plus a `Link: rel="next"` header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel

from app.models.common import Page

T = TypeVar("T", bound=BaseModel)


def page_of(
    schema: type[T],
    rows: Sequence[Any],
    next_cursor: str | None,
    request: Request,
    response: Response,
) -> Page[T]:
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
    # The concrete `Page[schema]` at run time (FastAPI serialises it by its own fields);
    # mypy cannot parametrise a generic with a variable, hence the one ignore.
    page = Page[schema]  # type: ignore[valid-type]
    return page(items=[schema.model_validate(r) for r in rows], next_cursor=next_cursor)
