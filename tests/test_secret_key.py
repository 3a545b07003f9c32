"""The embedded SQLite default generates its secret key once, even when two processes
start at the same moment on a fresh folder."""

from __future__ import annotations

import threading
from pathlib import Path

from app.config import Settings


def test_a_key_file_another_process_is_still_writing_is_waited_for(tmp_path: Path) -> None:
    """Created by a process started at the same moment, not yet written: an empty key
    would sign tokens anyone can forge, and a different one would log everyone out."""
    key_file = tmp_path / "labourwatch.db.secret"
    key_file.touch(mode=0o600)
    theirs = "k" * 64
    writer = threading.Timer(0.3, key_file.write_text, args=(theirs + "\n",))
    writer.start()
    try:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/labourwatch.db", secret_key=None
        )
        assert settings.resolved_secret() == theirs
    finally:
        writer.join()
