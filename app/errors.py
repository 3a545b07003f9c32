"""Every error leaves as RFC 9457 application/problem+json, from one handler.

Services raise the AppError family below (never HTTPException); the handler
from fastapi-problem renders them. Unknown exceptions become a generic 500
whose body carries only a correlation id; the trace goes to the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi_problem.error import StatusProblem
from fastapi_problem.handler import ExceptionHandler, add_exception_handler, new_exception_handler
from rfc9457 import Problem
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import JSONResponse, Response

from app.logs import HideDatabaseValues, request_id_var

log = logging.getLogger("labourwatch.errors")

ErrorItem = dict[str, Any]


class Replay(Exception):
    """Raised to short-circuit a request whose first response is on record (an
    idempotent retry, `app/services/core/idempotency.py`); answered with that response."""

    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.body = body


class AppError(StatusProblem):
    """Base of every error a service may raise on purpose."""

    type_ = "about:blank"


class BadRequest(AppError):
    title = "Bad request"
    status = 400


class Unauthorized(AppError):
    title = "Not authenticated"
    status = 401
    headers_ = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - the library's own attribute


class Forbidden(AppError):
    title = "Not allowed"
    status = 403


class NotFound(AppError):
    title = "Not found"
    status = 404


class Conflict(AppError):
    title = "Conflict"
    status = 409


class PayloadTooLarge(AppError):
    title = "Request body too large"
    status = 413


class UnsupportedMediaType(AppError):
    title = "Unsupported media type"
    status = 415


class Unprocessable(AppError):
    title = "Request validation error"
    status = 422

    def __init__(
        self, detail: str | None = None, errors: Sequence[ErrorItem] | None = None, **kwargs: Any
    ) -> None:
        # Every entry carries loc, msg and type, as the OpenAPI documents declare.
        items = [{"type": "value_error", **e} for e in (errors or [])]
        super().__init__(detail, errors=items, **kwargs)


class TooManyRequests(AppError):
    title = "Too many requests"
    status = 429


class ServiceUnavailable(AppError):
    title = "Service unavailable"
    status = 503
    headers_ = {"Retry-After": "2"}  # noqa: RUF012 - the library's own attribute


class InternalError(AppError):
    title = "Internal server error"
    status = 500

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        # Never echo the exception text: it may hold SQL, data or paths.
        super().__init__("An unexpected error occurred. Quote the request id when reporting it.")


def field_error(loc: Sequence[str | int], msg: str, type_: str = "value_error") -> ErrorItem:
    """One entry of a 422's `errors`: where (`loc`), what (`msg`), and a machine `type`."""
    return {"loc": list(loc), "msg": msg, "type": type_}


def unprocessable(loc: Sequence[str | int], msg: str) -> Unprocessable:
    return Unprocessable(msg, errors=[field_error(loc, msg)])


_JSON_TYPES = ("application/json",)
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _validation(eh: ExceptionHandler, request: Request, exc: RequestValidationError) -> Problem:
    raw = exc.errors()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body_errors = [e for e in raw if e.get("loc", ("",))[0] == "body"]
    if (
        body_errors
        and ctype
        and not (ctype in _JSON_TYPES or ctype.endswith("+json") or ctype in _FORM_TYPES)
    ):
        return UnsupportedMediaType(f"Send the body as application/json, not {ctype}.")
    if any(e.get("type") == "json_invalid" for e in raw):
        return BadRequest("The body is not valid JSON.")
    # `input` and `ctx` are left out on purpose: they would echo passwords and tipsters' words.
    errors = [
        field_error(
            [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            str(e.get("msg", "invalid")),
            str(e.get("type", "value_error")),
        )
        for e in raw
    ]
    return Unprocessable("The request has invalid fields; see `errors`.", errors=errors)


# PostgreSQL refusing text it cannot store: a NUL byte (22021), or a character with no
# equivalent in the server encoding (22P05). The client's input, not our failure.
_UNSTORABLE_TEXT = ("22021", "22P05")


def _sqlstate(exc: DBAPIError) -> str:
    for err in (exc.orig, getattr(exc.orig, "__cause__", None)):
        if code := getattr(err, "sqlstate", None):
            return str(code)
    return ""


def unstorable_text() -> Unprocessable:
    """Text PostgreSQL refuses to store: the client's input (422), not our failure."""
    return Unprocessable(
        "A text field holds a character that cannot be stored "
        "(a NUL byte, \\u0000); remove it and send again."
    )


def database_unreachable() -> ServiceUnavailable:
    """The database is gone or refusing for now: 503 with Retry-After."""
    return ServiceUnavailable("The database is not reachable right now; retry shortly.")


def _database_down(eh: ExceptionHandler, request: Request, exc: Exception) -> Problem | None:
    if isinstance(exc, DBAPIError) and _sqlstate(exc) in _UNSTORABLE_TEXT:
        return unstorable_text()
    if (
        isinstance(exc, DBAPIError)
        and not isinstance(exc, InterfaceError | OperationalError)
        and not exc.connection_invalidated
    ):
        return None
    return database_unreachable()


def _with_request_id(
    content: dict[str, Any], request: Request, response: Response
) -> tuple[dict[str, Any], Response]:
    rid = request_id_var.get() or getattr(request.state, "request_id", None)
    if rid is not None and response.status_code >= 500:
        content = {**content, "request_id": rid}
        response.body = json.dumps(content, ensure_ascii=False).encode()
        response.headers["content-length"] = str(len(response.body))
        response.headers["x-request-id"] = rid
    return content, response


def install_error_handlers(app: FastAPI) -> None:
    # A 500's traceback is logged here; a database error's values must not be.
    if not any(isinstance(f, HideDatabaseValues) for f in log.filters):
        log.addFilter(HideDatabaseValues())
    handlers: dict[type[Exception], Any] = {
        RequestValidationError: _validation,
        OSError: _database_down,
        ConnectionError: _database_down,
        PoolTimeout: _database_down,
        DBAPIError: _database_down,
    }
    eh = new_exception_handler(
        logger=log,
        unhandled_wrappers={"default": InternalError},
        handlers=handlers,
        request_validation_handler=_validation,
        post_hooks=[_with_request_id],
    )
    # The documents' error responses are written by app.api.contract.describe().
    add_exception_handler(app, eh, generic_swagger_defaults=False)
    # Registered by class too, so they are answered inside the app (503) rather than by
    # the outermost 500 handler, which would re-raise them into the server's log.
    for exc_class in (DBAPIError, OSError, PoolTimeout):
        app.add_exception_handler(exc_class, eh)

    async def replay(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Replay)
        return JSONResponse(
            exc.body, status_code=exc.status_code, headers={"Idempotent-Replayed": "true"}
        )

    app.add_exception_handler(Replay, replay)
