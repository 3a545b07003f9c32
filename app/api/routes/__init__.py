"""The internal API's routers, listed: one module per resource, marked with the service
context it serves (README "Architecture").

The order is the order FastAPI tries them: the queue first (agency systems poll it all
day, and each request is tried against the routes before its own), then by name.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import (
    accountability,
    accounts,
    assignments,
    audit,
    auth,
    calendar,
    campaigns,
    case_notes,
    cases,
    coverage,
    disclosures,
    documents,
    employers,
    escalations,
    feed,
    filing,
    health,
    inspections,
    ledger,
    persons,
    posters,
    publicity,
    queue,
    rectifications,
    reference,
    reply_templates,
    reporter_loop,
    reports,
    routing_rules,
    stats,
    stats_satisfaction,
    tip_media,
    tip_transfers,
    tips,
    transfers,
    webhooks,
)


def internal_routers() -> list[APIRouter]:
    return [
        queue.router,  # cases
        accountability.router,  # cases
        accounts.router,  # registry
        assignments.router,  # cases
        audit.router,  # core
        auth.router,  # registry
        calendar.router,  # registry
        campaigns.router,  # inspections
        case_notes.router,  # cases
        cases.router,  # cases
        coverage.router,  # reports
        disclosures.router,  # reports
        documents.router,  # cases
        employers.router,  # employers
        escalations.router,  # cases
        feed.router,  # integration
        filing.router,  # cases
        health.router,  # process
        inspections.router,  # inspections
        ledger.router,  # reports
        persons.router,  # cases
        posters.router,  # registry
        publicity.router,  # reports
        rectifications.router,  # cases
        reference.router,  # registry
        reply_templates.router,  # tipline
        reporter_loop.router,  # tipline
        reports.router,  # reports
        routing_rules.router,  # registry
        stats.router,  # reports
        stats_satisfaction.router,  # reports
        tip_media.router,  # tipline
        tip_transfers.router,  # tipline
        tips.router,  # tipline
        transfers.router,  # cases
        webhooks.router,  # integration
    ]
