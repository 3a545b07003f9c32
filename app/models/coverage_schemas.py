"""Response schemas of campaign coverage (地毯式、不留死角); no tables here."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import Field as PField

from app.models.employers import EmployerPublic
from app.models.stats import StatsCampaign, StatsPlace


class CoverageRowPublic(BaseModel):
    jurisdiction: StatsPlace
    own: bool = PField(description="Employers on the place itself, under no township.")
    registered: int = PField(description="Employers in the registry now, at their present place.")
    inspected: int = PField(
        description="Of them, visited by an enforcement or follow-up inspection of the "
        "campaign (submitted or signed)."
    )
    not_inspected: int
    not_inspected_flagged: int = PField(
        description="Of those not visited, flagged (no_business_licence, licence_expired, "
        "no_safety_permit)."
    )
    self_checked: int = PField(
        description="With a self-check (自查自纠) of the campaign, submitted or signed."
    )


class CoveragePublic(BaseModel):
    campaign: StatsCampaign
    jurisdiction: StatsPlace
    limited_to_teams: bool = PField(
        description="True for a team leader: only the townships of the teams you lead."
    )
    registered: int
    inspected: int
    not_inspected_total: int
    self_checked: int
    townships: list[CoverageRowPublic]
    not_inspected: list[EmployerPublic] = PField(
        description="A page of the employers not yet visited, flagged ones first, then oldest "
        "first; the next page with `cursor=next_cursor`."
    )
    next_cursor: str | None
