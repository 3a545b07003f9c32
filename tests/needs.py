"""What a few tests need from the machine beyond Python, and the skip that says so.

`.ci/run` installs them; on a machine without them these tests are skipped, and
pytest (`-ra`) prints the reason and the package to install.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.registry import posters

NO_CJK_FONT = (
    "needs a Chinese font: apt-get install fonts-noto-cjk "
    "(or fonts-wqy-zenhei); .ci/run installs it"
)
NO_CHROMIUM = (
    "needs Chromium and its driver: apt-get install chromium chromium-driver; .ci/run installs them"
)


NO_HAPROXY = "needs HAProxy, the load balancer: apt-get install haproxy; .ci/run installs it"
NO_PG_BINARIES = (
    "needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) for a cluster of its "
    "own: apt-get install postgresql (they land in /usr/lib/postgresql/<version>/bin)"
)
PG_BINARIES = ("initdb", "pg_ctl", "pg_basebackup")


def cjk_font() -> str:
    """The Chinese font the PNG poster is drawn with; skip the test when there is none."""
    path = posters.find_cjk_font()
    if path is None:
        pytest.skip(NO_CJK_FONT)
    return path


def chromium() -> tuple[Path, Path]:
    """(chromium, chromedriver); skip the test when either is missing."""
    found = [shutil.which(name) for name in ("chromium", "chromedriver")]
    if found[0] is None or found[1] is None:
        pytest.skip(NO_CHROMIUM)
    return Path(found[0]), Path(found[1])


def haproxy() -> str:
    """The haproxy program; skip the test when there is none."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.skip(NO_HAPROXY)
    return found


def postgres_binaries() -> Path:
    """The folder of PostgreSQL's server programs (the newest version installed); skip the
    test when they are missing."""
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if all((folder / name).is_file() for name in PG_BINARIES):
            return folder
    pytest.skip(NO_PG_BINARIES)
