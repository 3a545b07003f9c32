"""What the internal API and the tip-line share when they run in one process."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import SessionMaker, create_engine, create_sessionmaker


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine | None = None
    sessionmaker: SessionMaker | None = None
    replica_engine: AsyncEngine | None = None
    replica_sessionmaker: SessionMaker | None = None
    """Reports' reads, when LABOURWATCH_DATABASE_REPLICA_URL names a streaming replica."""
    extras: dict[str, object] = field(default_factory=dict)

    external: bool = False
    """True when the engine was handed in (tests): start and stop leave it alone."""

    def start(self) -> None:
        if self.external:
            return
        self.engine = create_engine(self.settings)
        self.sessionmaker = create_sessionmaker(self.engine)
        replica = self.settings.database_replica_url
        if replica and not self.settings.is_sqlite:
            self.replica_engine = create_engine(self.settings, replica)
            self.replica_sessionmaker = create_sessionmaker(self.replica_engine)

    async def stop(self) -> None:
        if self.external:
            return
        if self.replica_engine is not None:
            await self.replica_engine.dispose()
        if self.engine is not None:
            await self.engine.dispose()
        self.engine = None
        self.sessionmaker = None
        self.replica_engine = None
        self.replica_sessionmaker = None
