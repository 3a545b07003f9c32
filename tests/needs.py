"""What a few tests need from the machine beyond Python, and the skip that says so.

`.ci/run` installs both; on a machine without them these tests are skipped, and
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
