"""Structured JSON logs on stderr; every line of a request carries its request id.

A logged database error carries no values: SQLAlchemy's "[parameters: ...]" is
off on every engine (`hide_parameters`, app/db.py), and `HideDatabaseValues`
replaces the message of each database exception in a logged traceback by its
class, SQLSTATE and constraint, because the server's own text quotes values too
("Failing row contains (...)", "Key (phone)=(...) already exists"). Those values
are what people typed: a tipster's words, a worker's name, a phone number.
"""

from __future__ import annotations

import logging
import sys
import traceback
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

# The request id of the request being served, set by `app.middleware.RequestContext` and
# written into every log line and every 5xx problem answer.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


_DATABASE_MODULES = frozenset({"sqlalchemy", "asyncpg", "sqlite3", "aiosqlite"})
_FACTS = ("sqlstate", "sqlite_errorname", "constraint_name", "table_name", "column_name")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _from_database(exc: BaseException) -> bool:
    return type(exc).__module__.split(".", 1)[0] in _DATABASE_MODULES


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """`exc` and the exceptions behind it, outermost first, each with how it followed."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__cause__ is not None:
            behind, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            behind, link = current.__context__, _CONTEXT
        else:
            behind, link = None, ""
        chain.append((current, link))
        current = behind
    return chain


def _message(exc: BaseException) -> str:
    if not _from_database(exc):
        return str(exc)
    facts = [
        f"{name} {value}"
        for name in _FACTS
        if (value := getattr(exc, name, None)) not in (None, "")
    ]
    return "; ".join(["message withheld: it may quote the values sent", *facts])


def scrubbed_traceback(exc: BaseException) -> str:
    """The traceback `logging` would print, each database exception's message withheld."""
    blocks: list[str] = []
    for current, link in reversed(_chain(exc)):  # innermost first, as Python prints it
        kind = type(current)
        blocks.append(
            link
            + "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(current.__traceback__))
            + f"{kind.__module__}.{kind.__qualname__}: {_message(current)}\n"
        )
    return "".join(blocks).rstrip("\n")


class HideDatabaseValues(logging.Filter):
    """Rewrite a record whose exception involves the database: same frames, no values."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and any(_from_database(e) for e, _link in _chain(exc)):
            record.exc_text = scrubbed_traceback(exc)
            record.exc_info = None
        return True


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestId())
    handler.addFilter(HideDatabaseValues())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log would print client addresses: it stays off (our own has none).
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic narrates every plugin and migration step at INFO; start-up shows only its
    # warnings, so the first lines a user reads are the ones meant for them.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("pikepdf").setLevel(logging.WARNING)  # "C++ logger bridge initialized"
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per table it subsets
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
