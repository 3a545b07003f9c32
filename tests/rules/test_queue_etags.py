"""Every write that changes what an agency's queue shows changes that queue's ETag.

Agency systems poll `GET /api/v1/queue` with `If-None-Match`; the ETag is the agency's
queue version (`services/cases/queue.py`, the `bump_*` functions). A write that changes
what a queue shows but forgets to bump leaves that agency on a 304 for ever, and nothing
else would notice. So the mutating routes (POST, PUT, PATCH, DELETE) are read from the
app's own route table, both sides as one process serves them, and each must be in
`ROUTES` below: either scenes (`queue_scenes.py`) that call it for real, each naming the
agencies whose queue shows the change — each of their ETags must change, and an agency
the code promises to leave alone must keep its ETag — or an exemption saying why the
route cannot change any queue. A new route that is in neither fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Route

from app.main import build_internal
from app.runtime import Runtime
from app.tipline import build_public
from tests.conftest import TestDatabase, make_settings
from tests.factories import World
from tests.rules import queue_scenes as scenes
from tests.rules.queue_scenes import Build, Scene, Stage

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Exempt:
    """Why the route cannot change what any agency's queue shows."""

    why: str


ACCOUNTS = Exempt("accounts and tokens: who may sign in, not what any queue holds")
INSPECTION = Exempt("an inspection files nothing on a case until its last signature")
PERSONS = Exempt("people on a case: queue items do not show them")
NEW_TIP = Exempt("a new tip waits for the office's triage; it is on no case yet")
TIP_ONLY = Exempt("the tip's own record (messages, place, contact); its case is untouched")
RECEIPT = Exempt("reads a tip by its receipt")
FEEDBACK = Exempt(
    "records the reporter's answer; an unsatisfied one opens a re-handling request, and "
    "only the office's decision (…/reopen) touches the case"
)
STATS = Exempt("statistics and reporting; no case or assignment is written")

ROUTES: dict[tuple[str, str], Exempt | tuple[Build, ...]] = {
    # registry
    ("POST", "/api/v1/auth/token"): ACCOUNTS,
    ("POST", "/api/v1/me/password"): ACCOUNTS,
    ("POST", "/api/v1/users"): ACCOUNTS,
    ("POST", "/api/v1/users/{user_id}/deactivate"): ACCOUNTS,
    ("POST", "/api/v1/users/{user_id}/reactivate"): ACCOUNTS,
    ("POST", "/api/v1/service-accounts"): ACCOUNTS,
    ("POST", "/api/v1/service-accounts/{account_id}/deactivate"): ACCOUNTS,
    ("PUT", "/api/v1/calendar/{year}"): Exempt(
        "holidays: a filed assignment keeps the investigate_by it was given"
    ),
    ("POST", "/api/v1/jurisdictions"): Exempt("a new place; no case is routed again"),
    ("POST", "/api/v1/agencies"): Exempt("a new agency; cases routed earlier keep their shares"),
    ("PUT", "/api/v1/routing-rules/{violation_type}"): Exempt(
        "routes what is filed from now on; assignments made keep their rule version"
    ),
    # employers
    ("POST", "/api/v1/employers"): Exempt("a new employer has no case yet"),
    ("PATCH", "/api/v1/employers/{employer_id}"): (
        scenes.renamed_employer,
        scenes.moved_employer,
    ),
    ("POST", "/api/v1/employers/import"): (scenes.renamed_by_import, scenes.moved_by_import),
    # inspections
    ("POST", "/api/v1/campaigns"): Exempt("campaign planning; no case"),
    ("POST", "/api/v1/campaigns/{campaign_id}/teams"): Exempt("campaign planning; no case"),
    ("POST", "/api/v1/inspections"): INSPECTION,
    ("PATCH", "/api/v1/inspections/{inspection_id}"): INSPECTION,
    ("POST", "/api/v1/inspections/{inspection_id}/findings"): INSPECTION,
    ("POST", "/api/v1/inspections/{inspection_id}/submit"): INSPECTION,
    ("POST", "/api/v1/inspections/{inspection_id}/amendments"): Exempt(
        "an amendment is a new draft; it files when it is signed"
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/attachments"): Exempt(
        "evidence kept on the inspection"
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/interviews"): Exempt(
        "evidence kept on the inspection"
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/sign"): (scenes.sealed_inspection,),
    # cases
    ("POST", "/api/v1/cases"): (scenes.new_case, scenes.merged_case),
    ("POST", "/api/v1/cases/{case_id}/close"): (scenes.closed_case,),
    ("POST", "/api/v1/cases/{case_id}/dismiss"): (scenes.dismissed_case,),
    ("POST", "/api/v1/cases/{case_id}/reopen"): (scenes.reopened_case,),
    ("POST", "/api/v1/cases/{case_id}/reroute"): (scenes.rerouted_share,),
    ("PATCH", "/api/v1/assignments/{assignment_id}"): (scenes.owned_share,),
    ("POST", "/api/v1/assignments/{assignment_id}/accept"): (scenes.first_acceptance,),
    ("POST", "/api/v1/assignments/{assignment_id}/decline"): (scenes.declined_share,),
    ("POST", "/api/v1/assignments/{assignment_id}/conclude"): (scenes.concluded_share,),
    ("POST", "/api/v1/assignments/{assignment_id}/actions"): (scenes.referral,),
    ("POST", "/api/v1/assignments/{assignment_id}/file"): (scenes.filed_share,),
    ("POST", "/api/v1/assignments/{assignment_id}/extensions"): (scenes.extension_asked,),
    ("POST", "/api/v1/extensions/{extension_id}/approve"): (scenes.extension_approved,),
    ("POST", "/api/v1/extensions/{extension_id}/reject"): (scenes.extension_rejected,),
    ("POST", "/api/v1/assignments/{assignment_id}/transfers"): (scenes.transfer_asked,),
    ("POST", "/api/v1/transfers/{transfer_id}/approve"): (scenes.transfer_approved,),
    ("POST", "/api/v1/transfers/{transfer_id}/reject"): (scenes.transfer_rejected,),
    ("POST", "/api/v1/transfers/{transfer_id}/send"): (scenes.transfer_sent,),
    ("POST", "/api/v1/transfers/{transfer_id}/decision"): (scenes.transfer_filed,),
    ("POST", "/api/v1/rectifications/{rectification_id}/follow-ups"): (
        scenes.corrected_rectification,
    ),
    ("POST", "/api/v1/assignments/{assignment_id}/documents"): Exempt(
        "文书 kept on the assignment; queue items show none, and the assignment is not written"
    ),
    ("POST", "/api/v1/documents/{document_id}/service"): Exempt(
        "proof of service of a document; the assignment is not written"
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/handle"): Exempt(
        "the office's escalation worklist, not an agency queue"
    ),
    ("POST", "/api/v1/cases/{case_id}/persons"): PERSONS,
    ("POST", "/api/v1/cases/{case_id}/persons/import"): PERSONS,
    ("POST", "/api/v1/inspections/{inspection_id}/persons/import"): PERSONS,
    ("PATCH", "/api/v1/persons/{person_id}"): PERSONS,
    ("POST", "/api/v1/persons/{person_id}/reveal"): PERSONS,
    ("POST", "/api/v1/persons/{person_id}/payments"): PERSONS,
    ("POST", "/api/v1/persons/{person_id}/handover"): PERSONS,
    ("POST", "/api/v1/persons/{person_id}/documents-returned"): PERSONS,
    ("POST", "/api/v1/persons/{person_id}/aftercare"): PERSONS,
    # tips and the reporter's loop
    ("POST", "/api/v1/tips"): NEW_TIP,
    ("POST", "/api/v1/tips/{tip_id}/triage"): (scenes.tip_opened, scenes.tip_linked),
    ("POST", "/api/v1/tips/{tip_id}/transfer"): Exempt(
        "only a tip still waiting for triage is transferred; it is on no case"
    ),
    ("POST", "/api/v1/tips/{tip_id}/assign-jurisdiction"): TIP_ONLY,
    ("POST", "/api/v1/tips/{tip_id}/replies"): TIP_ONLY,
    ("POST", "/api/v1/tips/{tip_id}/notes"): TIP_ONLY,
    ("POST", "/api/v1/tips/{tip_id}/contact"): TIP_ONLY,
    ("POST", "/api/v1/reply-templates"): Exempt("the office's wording for replies"),
    ("PATCH", "/api/v1/reply-templates/{template_id}"): Exempt("the office's wording for replies"),
    ("POST", "/api/v1/tips/{tip_id}/callbacks"): FEEDBACK,
    ("POST", "/api/v1/rehandling-requests/{request_id}/reopen"): (scenes.rehandled_case,),
    ("POST", "/api/v1/rehandling-requests/{request_id}/answer"): Exempt(
        "answers the reporter; the case stays as it is"
    ),
    ("POST", "/public/v1/tips"): NEW_TIP,
    ("POST", "/public/v1/tips/with-attachments"): NEW_TIP,
    ("POST", "/form"): NEW_TIP,
    ("POST", "/public/v1/tips/lookup"): RECEIPT,
    ("POST", "/status"): RECEIPT,
    ("POST", "/public/v1/tips/followups"): (scenes.followup, scenes.umbrella_followup),
    ("POST", "/public/v1/tips/followups/with-attachments"): (scenes.followup_with_photo,),
    ("POST", "/public/v1/tips/feedback"): FEEDBACK,
    ("POST", "/status/feedback"): FEEDBACK,
    # reports
    ("POST", "/api/v1/cases/{case_id}/disclosure"): Exempt(
        "publishes a closed case's outcome; the case is not written"
    ),
    ("POST", "/api/v1/disclosures/{disclosure_id}/withdraw"): Exempt(
        "withdraws a published outcome; the case is not written"
    ),
    ("POST", "/api/v1/campaigns/{campaign_id}/publicity"): STATS,
    ("PUT", "/api/v1/campaigns/{campaign_id}/reporting"): STATS,
    ("POST", "/api/v1/stats/reports"): STATS,
    ("PUT", "/api/v1/stats/form-template"): STATS,
    ("POST", "/api/v1/stats/signoff"): STATS,
    # integration
    ("POST", "/api/v1/webhooks"): Exempt("where an agency's changes are delivered, not what"),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Exempt(
        "where an agency's changes are delivered, not what"
    ),
}


def _routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, those of included routers too (FastAPI keeps them in a wrapper that
    holds the router as `original_router`)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def mutating_routes(*apps: FastAPI) -> dict[tuple[str, str], re.Pattern[str]]:
    """(method, path) of each mutating route, and the pattern its paths match."""
    found: dict[tuple[str, str], re.Pattern[str]] = {}
    for app in apps:
        for route in _routes(app.routes):
            if isinstance(route, Route):  # APIRoute too
                for method in sorted(MUTATING & (route.methods or set())):
                    found[(method, route.path)] = route.path_regex
    return found


def _served() -> dict[tuple[str, str], re.Pattern[str]]:
    """Both sides, as `labourwatch serve` runs them in one process."""
    runtime = Runtime(make_settings("sqlite+aiosqlite://"))
    return mutating_routes(build_internal(runtime), build_public(runtime, own_lifespan=False))


SERVED = _served()


def unclassified(served: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{method} {path}" for method, path in sorted(served) if (method, path) not in ROUTES]


def test_every_mutating_route_is_in_the_table() -> None:
    missing = unclassified(SERVED)
    assert missing == [], (
        "Add each of these routes to ROUTES in tests/rules/test_queue_etags.py: scenes "
        "(tests/rules/queue_scenes.py) that call it and name the agencies whose queue shows "
        "what it changes, or Exempt('why it cannot change any queue'): " + ", ".join(missing)
    )
    gone = sorted(f"{m} {p}" for m, p in set(ROUTES) - set(SERVED))
    assert gone == [], f"ROUTES lists routes the app does not serve: {gone}"
    assert len(SERVED) > 70  # the walk found the routers' routes


def test_the_table_finds_a_new_route() -> None:
    router = APIRouter(prefix="/api/v1")
    router.add_api_route("/cases/{case_id}/merge", lambda: None, methods=["POST"])
    router.add_api_route("/cases/{case_id}", lambda: None, methods=["GET"])
    app = FastAPI()
    app.include_router(router)
    assert unclassified(mutating_routes(app)) == ["POST /api/v1/cases/{case_id}/merge"]


async def queue_problems(
    stage: Stage, method: str, route: re.Pattern[str], scene: Scene
) -> list[str]:
    """What is wrong with the ETags once `scene` has called `route`; [] if nothing."""
    if not scene.sees:
        return ["the scene names no agency whose queue shows the change"]
    watched = {a.id: a for a in [*scene.sees, *scene.unseen]}
    before = {aid: await stage.etag(a) for aid, a in watched.items()}
    r = await scene.call()
    if not r.is_success:
        return [f"the scene's call answered {r.status_code}: {r.text[:500]}"]
    called = f"{r.request.method} {r.request.url.path}"
    if r.request.method != method or not route.match(r.request.url.path):
        return [f"the scene called {called}, another route"]
    problems = [
        f"{a.name}'s queue ETag did not change though its queue shows the change"
        for a in scene.sees
        if await stage.etag(a) == before[a.id]
    ]
    problems += [
        f"{a.name}'s queue ETag changed though nothing it may see did"
        for a in scene.unseen
        if await stage.etag(a) != before[a.id]
    ]
    if scene.case is not None:
        case = scene.case if not callable(scene.case) else scene.case(r)
        named = {a.id for a in scene.sees}
        more = [a.name for a in await stage.holders(case) if a.id not in named]
        if more:
            problems.append(f"the scene does not name every agency holding the case: {more}")
    return problems


async def test_every_mutating_route_changes_the_etag_of_each_queue_that_shows_it(
    client: httpx.AsyncClient, db: TestDatabase, world: World, subtests: pytest.Subtests
) -> None:
    stage = Stage(client, db, world)
    for (method, path), entry in ROUTES.items():
        if isinstance(entry, Exempt):
            continue
        for build in entry:
            name = f"{method} {path} ({build.__name__})"
            with subtests.test(msg=name):
                problems = await queue_problems(
                    stage, method, SERVED[(method, path)], await build(stage)
                )
                assert problems == [], f"{name}: " + "; ".join(problems)


async def test_the_rule_sees_a_write_that_leaves_a_queue_alone(
    client: httpx.AsyncClient, db: TestDatabase, world: World
) -> None:
    """The check itself: a scene claiming the police's queue changes, for a write that
    changes no queue (a note on a tip), is caught."""
    stage = Stage(client, db, world)
    tip = await stage.tip("restriction_of_liberty")
    police = stage.agency("police")
    scene = Scene(
        lambda: client.post(
            f"/api/v1/tips/{tip['id']}/notes", headers=stage.office(), json={"message": "已回电"}
        ),
        sees=[police],
    )
    route = SERVED[("POST", "/api/v1/tips/{tip_id}/notes")]
    assert await queue_problems(stage, "POST", route, scene) == [
        f"{police.name}'s queue ETag did not change though its queue shows the change"
    ]
