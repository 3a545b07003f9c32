"""`labourwatch worker`: periodic sweeps, each in its own transaction.

Jobs are registered in JOBS; each must be safe with several workers running
(PostgreSQL row locks with SKIP LOCKED, or idempotent writes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from app import auditlog
from app.config import Settings
from app.db import create_engine, create_sessionmaker, transaction
from app.models.base import utcnow
from app.services.cases import escalations, person_payments, person_privacy, reminders
from app.services.core import idempotency
from app.services.integration import outbox
from app.services.reports import report_reminders
from app.services.tipline import callbacks, tip_contacts

log = logging.getLogger("labourwatch.worker")
Job = Callable[[AsyncSession, Settings], Awaitable[int]]


async def purge_idempotency(session: AsyncSession, settings: Settings) -> int:
    """Stored responses are kept idempotency_hours (24 h by default), then dropped; keyed
    tips forget their key after as long."""
    return await idempotency.purge(session, settings, utcnow())


async def escalate_assignments(session: AsyncSession, settings: Settings) -> int:
    """Pending assignments past their deadline to accept → one escalation per deadline."""
    return await escalations.escalate_overdue_assignments(session)


async def escalate_rectifications(session: AsyncSession, settings: Settings) -> int:
    """Rectifications not corrected by their deadline → escalated, recorded once."""
    return await escalations.escalate_overdue_rectifications(session)


async def escalate_transfers(session: AsyncSession, settings: Settings) -> int:
    """Criminal transfers late at any step (approval, sending, the police decision)."""
    return await escalations.escalate_overdue_transfers(session)


async def escalate_triage(session: AsyncSession, settings: Settings) -> int:
    """Tips not triaged by their deadline → one escalation each."""
    return await escalations.escalate_overdue_triage(session)


async def escalate_handling(session: AsyncSession, settings: Settings) -> int:
    """Filed assignments not investigated by their day → one escalation per deadline."""
    return await reminders.escalate_overdue_handling(session)


async def remind_due_soon(session: AsyncSession, settings: Settings) -> int:
    """Clocks that run out soon → one `assignment.due_soon` per deadline to the agency."""
    return await reminders.remind_due_soon(session, settings)


async def remind_reports(session: AsyncSession, settings: Settings) -> int:
    """Periodic reports due soon → one reminder per place and period."""
    return await report_reminders.remind_reports_due(session, settings)


async def escalate_reports(session: AsyncSession, settings: Settings) -> int:
    """Periodic reports past due and missing → one escalation to the office above."""
    return await report_reminders.escalate_missing_reports(session)


async def seal_audit(session: AsyncSession, settings: Settings) -> int:
    """Chain audit entries no API process has sealed yet (all of them, when none runs)."""
    return await auditlog.seal(session)


JOBS: dict[str, Job] = {
    "purge_idempotency": purge_idempotency,
    "escalate_assignments": escalate_assignments,
    "escalate_rectifications": escalate_rectifications,
    "escalate_triage": escalate_triage,
    "escalate_handling": escalate_handling,
    "remind_due_soon": remind_due_soon,
    "escalate_transfers": escalate_transfers,
    "remind_reports": remind_reports,
    "escalate_reports": escalate_reports,
    "escalate_reporter_loop": callbacks.sweep_reporter_loop,
    "erase_expired_contacts": tip_contacts.erase_expired_contacts,
    "escalate_handovers": person_payments.escalate_handover_overdue,
    "erase_expired_persons": person_privacy.erase_expired_identities,
    "deliver_webhooks": outbox.deliver_webhooks,
    "seal_audit": seal_audit,  # last: it also chains what the jobs above recorded
}


async def sweep(settings: Settings, sessionmaker: object) -> dict[str, int]:
    done: dict[str, int] = {}
    for name, job in JOBS.items():
        try:
            async with transaction(sessionmaker) as session:  # type: ignore[arg-type]
                done[name] = await job(session, settings)
        except Exception:
            log.exception("job %s failed; the next sweep retries it", name)
    return done


async def run_worker(settings: Settings, *, once: bool = False, interval: float = 30.0) -> None:
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        while True:
            done = await sweep(settings, sessionmaker)
            log.info("sweep", extra={"jobs": done})
            if once:
                return
            await asyncio.sleep(interval)
    finally:
        await engine.dispose()
