"""Without a Chinese font, Chromium, HAProxy or PostgreSQL's server programs the tests that
need them skip, saying what to install."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.registry import posters
from tests import needs


def test_without_a_chinese_font_the_poster_tests_skip_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(posters, "find_cjk_font", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install fonts-noto-cjk"):
        needs.cjk_font()


def test_without_chromium_the_browser_test_skips_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        needs.chromium()


def test_with_them_installed_nothing_is_skipped() -> None:
    """.ci/run installs both, so there every test runs."""
    if shutil.which("chromium") is None or posters.find_cjk_font() is None:
        pytest.skip("this machine lacks them; see the two tests above")
    assert needs.cjk_font().lower().endswith((".ttc", ".ttf", ".otf"))
    assert needs.chromium()[1].name == "chromedriver"


def test_without_haproxy_the_topology_test_skips_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install haproxy"):
        needs.haproxy()


def test_without_postgres_server_programs_the_replica_test_skips_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(()))
    with pytest.raises(pytest.skip.Exception, match="initdb, pg_ctl, pg_basebackup"):
        needs.postgres_binaries()
