"""`app` for process managers and multi-worker uvicorn: `uvicorn app.asgi:app --workers 4`.

Which side it serves comes from LABOURWATCH_SIDE (all, internal or public).
Migrations are not run here: run `labourwatch migrate` once before starting workers.
uvicorn's command line trusts X-Forwarded-For from 127.0.0.1 by default: pass it
`--forwarded-allow-ips` with LABOURWATCH_TRUSTED_PROXIES' value, or `--no-proxy-headers`.
"""

from __future__ import annotations

import os

from app.config import get_settings
from app.logs import configure_logging
from app.main import Side, create_app, settle_heap

_settings = get_settings()
configure_logging(_settings.log_level, json_lines=_settings.log_json)
_side: Side = os.environ.get("LABOURWATCH_SIDE", "all")  # type: ignore[assignment]
app = create_app(_settings, side=_side)
settle_heap()
