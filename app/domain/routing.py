"""The task router: which agencies a case goes to, in what role, and why.

Pure: the routing table, the employer's jurisdiction path and the agencies are
arguments. Invariants:

- a kind goes to the agency of that kind at the nearest ancestor-or-self of the
  employer's jurisdiction; no such agency means the nearest coordinator, and no
  coordinator either raises `NoRouteError` — a case never goes nowhere;
- one assignment per agency; lead wins over also, and the reason names every
  rule that put the agency there;
- only bodies with enforcement power lead: an agency below county level (a
  township labour station, a township government) is never `lead`; the lead goes
  to the nearest agency of that kind at county level or above, and the township
  body keeps an `also` share (劳动保障监察条例 第13条: the county-level labour
  department has jurisdiction);
- protective umbrella (保护伞): supervision skips the employer's own county and
  goes to the level above, restricted (hidden from local agencies); a referral
  made from a restricted share skips the county the same way;
- an unrestricted assignment's deadline comes from the severity of the types
  unrestricted assignments carry, so a local agency's clock does not give away
  the hidden part; a restricted one's from every type;
- the result does not depend on the order of the types or the agencies.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from app.domain.taxonomy import (
    LEVEL_DEPTH,
    SEVERITY_RANK,
    VIOLATION_TYPES,
    AgencyKind,
    JurisdictionLevel,
    Severity,
)

Role = Literal["lead", "also"]
UMBRELLA_TYPE = "official_misconduct"
KIND_ORDER: dict[str, int] = {kind.value: i for i, kind in enumerate(AgencyKind)}


class NoRouteError(Exception):
    """Nothing on the employer's path can take (part of) the case, not even a coordinator."""

    def __init__(self, violation_type: str, kind: AgencyKind, where: str) -> None:
        self.violation_type = violation_type
        self.kind = kind
        self.where = where
        super().__init__(
            f"{violation_type}: no {kind} agency and no coordinator at or above {where}"
        )


@dataclass(frozen=True, slots=True)
class PathPlace:
    id: str
    level: JurisdictionLevel
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class PathAgency:
    id: str
    kind: AgencyKind
    jurisdiction_id: str


@dataclass(frozen=True, slots=True)
class TypeRule:
    violation_type: str
    lead: AgencyKind
    also: tuple[AgencyKind, ...]
    severity: Severity
    version: int


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    accept_within: Mapping[Severity, timedelta]


DEFAULT_DEADLINES = DeadlinePolicy(
    MappingProxyType(
        {
            Severity.critical: timedelta(hours=24),
            Severity.high: timedelta(days=3),
            Severity.normal: timedelta(days=5),
        }
    )
)


@dataclass(frozen=True, slots=True)
class PlannedAssignment:
    """One agency's share of a case.

    `rule_version` is that of the rule which gave the agency its role (the
    highest if several did; 0 when no rule did). `restricted` marks an
    umbrella share: local agencies must not see it.
    """

    agency_id: str
    agency_kind: AgencyKind
    role: Role
    due_at: datetime
    reason: str
    rule_version: int
    violation_types: tuple[str, ...]
    restricted: bool


def default_rules(version: int = 1) -> dict[str, TypeRule]:
    """DESIGN.md's table as rules: what the database is seeded with."""
    return {v.code: TypeRule(v.code, v.lead, v.also, v.severity, version) for v in VIOLATION_TYPES}


def case_severity(violation_types: Iterable[str], rules: Mapping[str, TypeRule]) -> Severity:
    """The most severe of the types; a type without a rule counts as normal."""
    severities = [rules[t].severity for t in violation_types if t in rules]
    return max(severities, key=SEVERITY_RANK.__getitem__, default=Severity.normal)


@dataclass(slots=True)
class _Share:
    """What one rule (or the lack of one) gives one agency."""

    agency: PathAgency
    role: Role
    violation_types: tuple[str, ...]
    version: int
    reason: str
    restricted: bool = False


@dataclass(slots=True)
class _Path:
    path: Sequence[PathPlace]
    by_place: dict[tuple[str, AgencyKind], PathAgency] = field(default_factory=dict)

    @classmethod
    def build(cls, path: Sequence[PathPlace], agencies: Iterable[PathAgency]) -> _Path:
        on_path = {j.id for j in path}
        by_place: dict[tuple[str, AgencyKind], PathAgency] = {}
        # Several agencies of one kind in one jurisdiction: the smallest id, so
        # the choice does not depend on the order they were given in.
        for a in sorted(agencies, key=lambda a: a.id, reverse=True):
            if a.jurisdiction_id in on_path:
                by_place[(a.jurisdiction_id, a.kind)] = a
        return cls(path, by_place)

    @property
    def leaf(self) -> PathPlace:
        return self.path[-1]

    def nearest(self, kind: AgencyKind, below: int | None = None) -> PathAgency | None:
        """Nearest agency of `kind` walking leaf → root, only above index `below` if given."""
        stop = len(self.path) if below is None else below
        for j in reversed(self.path[:stop]):
            agency = self.by_place.get((j.id, kind))
            if agency is not None:
                return agency
        return None

    def below_county(self, agency: PathAgency) -> bool:
        county = LEVEL_DEPTH[JurisdictionLevel.county]
        return any(
            j.id == agency.jurisdiction_id and LEVEL_DEPTH[j.level] > county for j in self.path
        )

    def county_index(self) -> int:
        """Index of the employer's county, or of the deepest level above county on the path."""
        county = LEVEL_DEPTH[JurisdictionLevel.county]
        candidates = [i for i, j in enumerate(self.path) if LEVEL_DEPTH[j.level] <= county]
        return candidates[-1] if candidates else 0


def above_county(employer_path: Sequence[PathPlace], jurisdiction_id: str) -> bool:
    """Whether `jurisdiction_id` sits on the employer's path above its county: where a
    protective-umbrella share may go."""
    p = _Path(employer_path)
    return jurisdiction_id in {j.id for j in p.path[: p.county_index()]}


def _coordinator(p: _Path, vtype: str, kind: AgencyKind, below: int | None = None) -> PathAgency:
    agency = p.nearest(AgencyKind.coordinator, below)
    if agency is None:
        agency = p.nearest(AgencyKind.coordinator)
    if agency is None:
        raise NoRouteError(vtype, kind, p.leaf.label)
    return agency


def _above_county_share(
    p: _Path,
    kind: AgencyKind,
    vtypes: tuple[str, ...],
    version: int,
    head: str,
    role: Role = "lead",
) -> _Share:
    """A restricted share for `kind` above the employer's county: the officials accused of
    protecting the employer sit in that county, so none of its agencies may hold it."""
    county = p.county_index()
    agency = p.nearest(kind, below=county)
    where = p.path[county].label
    if agency is not None:
        tail = f"protective umbrella, sent to {kind} above {where}"
    else:
        agency = _coordinator(p, vtypes[0], kind, below=county)
        tail = f"protective umbrella, no {kind} agency above {where}; sent to the coordinator"
    return _Share(agency, role, vtypes, version, f"{head}: {tail}", restricted=True)


def _umbrella_share(p: _Path, vtypes: tuple[str, ...], version: int, head: str) -> _Share:
    return _above_county_share(p, AgencyKind.supervision, vtypes, version, head)


def _lead_share(p: _Path, vtype: str, kind: AgencyKind, rule: TypeRule) -> list[_Share]:
    """The lead, held at county level or above; a nearer township body is told (`also`)."""
    head = f"{vtype} → {kind} (lead), rule v{rule.version}"
    nearest = p.nearest(kind)
    if nearest is None or not p.below_county(nearest):
        agency = nearest
        if agency is None:
            agency = _coordinator(p, vtype, kind)
            head += f": no {kind} agency exists at or above {p.leaf.label}; sent to the coordinator"
        return [_Share(agency, "lead", (vtype,), rule.version, head)]
    county = p.county_index() + 1
    lead = p.nearest(kind, below=county) if kind is not AgencyKind.township else None
    where = p.path[county - 1].label
    if lead is None:
        lead = _coordinator(p, vtype, kind, below=county)
        head += (
            f": a township body does not lead and no {kind} agency exists at or above "
            f"{where}; sent to the coordinator"
        )
    else:
        head += f": a township body does not lead; the {kind} agency at or above {where} does"
    local = f"{vtype} → {kind} (also), rule v{rule.version}: the township body on the spot"
    return [
        _Share(lead, "lead", (vtype,), rule.version, head),
        _Share(nearest, "also", (vtype,), rule.version, local),
    ]


def _rule_shares(p: _Path, vtype: str, rule: TypeRule, umbrella: bool) -> list[_Share]:
    shares: list[_Share] = []
    for kind, role in [(rule.lead, "lead"), *((k, "also") for k in rule.also)]:
        if umbrella and kind is AgencyKind.supervision:
            head = f"{vtype} → supervision (lead), rule v{rule.version}"
            shares.append(_umbrella_share(p, (vtype,), rule.version, head))
            continue
        if role == "lead":
            shares += _lead_share(p, vtype, kind, rule)
            continue
        head = f"{vtype} → {kind} (also), rule v{rule.version}"
        agency = p.nearest(kind)
        if agency is None:
            agency = _coordinator(p, vtype, kind)
            head += f": no {kind} agency exists at or above {p.leaf.label}; sent to the coordinator"
        shares.append(_Share(agency, "also", (vtype,), rule.version, head))
    return shares


def _merge(
    shares: list[_Share], due_at: datetime, open_due_at: datetime
) -> list[PlannedAssignment]:
    by_agency: dict[str, list[_Share]] = {}
    for s in shares:
        by_agency.setdefault(s.agency.id, []).append(s)
    planned: list[PlannedAssignment] = []
    for group in by_agency.values():
        role: Role = "lead" if any(s.role == "lead" for s in group) else "also"
        restricted = any(s.restricted for s in group)
        types = tuple(sorted({t for s in group for t in s.violation_types}))
        reasons = list(dict.fromkeys(s.reason for s in group))
        planned.append(
            PlannedAssignment(
                agency_id=group[0].agency.id,
                agency_kind=group[0].agency.kind,
                role=role,
                due_at=due_at if restricted else open_due_at,
                reason="; ".join(reasons),
                rule_version=max(s.version for s in group if s.role == role),
                violation_types=types,
                restricted=restricted,
            )
        )
    planned.sort(key=lambda a: (a.role != "lead", KIND_ORDER[a.agency_kind], a.agency_id))
    return planned


def plan_assignments(
    violation_types: Iterable[str],
    employer_path: Sequence[PathPlace],
    agencies: Iterable[PathAgency],
    rules: Mapping[str, TypeRule],
    *,
    now: datetime,
    deadlines: DeadlinePolicy = DEFAULT_DEADLINES,
    umbrella: bool = False,
    existing_agency_ids: Collection[str] = (),
) -> list[PlannedAssignment]:
    """Plan a case's assignments. `employer_path` runs root → employer's own jurisdiction.

    Agencies in `existing_agency_ids` already hold an assignment and are left
    out, so re-routing after new findings only adds agencies; the result may
    then be empty. A restricted assignment stays restricted even if the same
    agency also received an ordinary share.
    """
    vtypes = sorted(set(violation_types))
    if not vtypes:
        raise ValueError("a case needs at least one violation type")
    if not employer_path:
        raise ValueError("the employer's jurisdiction path is empty")
    p = _Path.build(employer_path, agencies)
    umbrella_on = umbrella or UMBRELLA_TYPE in vtypes
    shares: list[_Share] = []
    for vtype in vtypes:
        rule = rules.get(vtype)
        if rule is None:
            agency = _coordinator(p, vtype, AgencyKind.coordinator)
            why = f"{vtype}: no routing rule for this violation type; sent to the coordinator"
            shares.append(_Share(agency, "lead", (vtype,), 0, why))
        else:
            shares += _rule_shares(p, vtype, rule, umbrella_on)
    if umbrella and not any(s.restricted for s in shares):
        head = "protective umbrella alleged → supervision (lead)"
        shares.append(_umbrella_share(p, tuple(vtypes), 0, head))
    return _planned(shares, rules, now, deadlines, existing_agency_ids)


def _planned(
    shares: list[_Share],
    rules: Mapping[str, TypeRule],
    now: datetime,
    deadlines: DeadlinePolicy,
    skip: Collection[str],
) -> list[PlannedAssignment]:
    every = {t for s in shares for t in s.violation_types}
    unrestricted = {t for s in shares if not s.restricted for t in s.violation_types}
    due_at = now + deadlines.accept_within[case_severity(every, rules)]
    open_due_at = now + deadlines.accept_within[case_severity(unrestricted, rules)]
    skipped = set(skip)
    return [a for a in _merge(shares, due_at, open_due_at) if a.agency_id not in skipped]


def route_referral(
    kind: AgencyKind,
    violation_types: Iterable[str],
    employer_path: Sequence[PathPlace],
    agencies: Iterable[PathAgency],
    severity: Severity,
    *,
    now: datetime,
    restricted: bool,
    head: str = "",
    deadlines: DeadlinePolicy = DEFAULT_DEADLINES,
    existing_agency_ids: Collection[str] = (),
) -> PlannedAssignment | None:
    """Where an agency's referral (移送) to `kind` goes: the nearest agency of that kind, or
    the coordinator; None if that agency is already on the case.

    A referral from a restricted (protective-umbrella) share stays restricted and skips
    the employer's county exactly as the umbrella share does: the county's own police
    must not receive an allegation that county officials protect the employer.
    """
    vtypes = tuple(sorted(set(violation_types)))
    if not vtypes:
        raise ValueError("a referral needs at least one violation type")
    p = _Path.build(employer_path, agencies)
    head = head or f"referral to {kind}"
    if restricted:
        share = _above_county_share(p, kind, vtypes, 0, head, role="also")
    else:
        agency = p.nearest(kind) or _coordinator(p, vtypes[0], kind)
        share = _Share(agency, "also", vtypes, 0, head)
    if share.agency.id in set(existing_agency_ids):
        return None
    rules = {t: TypeRule(t, kind, (), severity, 0) for t in vtypes}
    return _planned([share], rules, now, deadlines, ())[0]


def route_transfer(
    employer_path: Sequence[PathPlace], agencies: Iterable[PathAgency], *, restricted: bool
) -> PathAgency | None:
    """The police agency a criminal transfer goes to: the nearest at county level or above
    (a township police station does not file criminal cases; 国务院令第310号 第3条 sends
    transfers to the police "of the same level"), or None if there is none.

    A transfer from a restricted (protective-umbrella) share skips the employer's county as
    the umbrella share does: its police must not receive an allegation about its officials.
    """
    p = _Path.build(employer_path, agencies)
    county = p.county_index()
    return p.nearest(AgencyKind.police, below=county if restricted else county + 1)
