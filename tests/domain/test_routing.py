import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.routing import (
    DEFAULT_DEADLINES,
    DeadlinePolicy,
    NoRouteError,
    PathAgency,
    PathPlace,
    PlannedAssignment,
    TypeRule,
    case_severity,
    default_rules,
    plan_assignments,
    route_referral,
    route_transfer,
)
from app.domain.taxonomy import (
    VIOLATION_CODES,
    VIOLATION_TYPES,
    AgencyKind,
    JurisdictionLevel,
    Severity,
    ViolationTypeSpec,
)

K = AgencyKind
L = JurisdictionLevel
NOW = datetime(2024, 7, 15, 8, 0, tzinfo=UTC)

HEBEI = PathPlace("hb", L.province, "河北省")
CANGZHOU = PathPlace("cz", L.city, "沧州市")
HUANGHUA = PathPlace("hh", L.county, "黄骅市")
JIUCHENG = PathPlace("jc", L.township, "旧城镇")
WANGCUN = PathPlace("wc", L.village, "王村")
PATH = (HEBEI, CANGZHOU, HUANGHUA, JIUCHENG, WANGCUN)
RULES = default_rules()


def ag(kind: AgencyKind, where: PathPlace) -> PathAgency:
    return PathAgency(f"{kind}@{where.id}", kind, where.id)


def county_set(*, without: Iterable[AgencyKind] = ()) -> list[PathAgency]:
    """Every kind at the county, a coordinator at city and province, supervision at the city."""
    skip = set(without)
    agencies = [ag(k, HUANGHUA) for k in AgencyKind if k not in skip]
    agencies += [ag(K.coordinator, CANGZHOU), ag(K.coordinator, HEBEI)]
    if K.supervision not in skip:
        agencies.append(ag(K.supervision, CANGZHOU))
    return agencies


def route(
    types: Iterable[str],
    agencies: Iterable[PathAgency] | None = None,
    path: Sequence[PathPlace] = PATH,
    *,
    umbrella: bool = False,
    existing_agency_ids: Iterable[str] = (),
    deadlines: DeadlinePolicy = DEFAULT_DEADLINES,
) -> list[PlannedAssignment]:
    return plan_assignments(
        types,
        path,
        county_set() if agencies is None else agencies,
        RULES,
        now=NOW,
        umbrella=umbrella,
        existing_agency_ids=frozenset(existing_agency_ids),
        deadlines=deadlines,
    )


def by_id(planned: list[PlannedAssignment]) -> dict[str, PlannedAssignment]:
    return {a.agency_id: a for a in planned}


@pytest.mark.parametrize("spec", VIOLATION_TYPES, ids=lambda v: v.code)
def test_every_type_reaches_exactly_its_lead_and_also_kinds(spec: ViolationTypeSpec) -> None:
    planned = route([spec.code])
    got = {(a.agency_kind, a.role) for a in planned}
    assert got == {(spec.lead, "lead")} | {(k, "also") for k in spec.also}
    assert len(planned) == 1 + len(spec.also)
    due = NOW + DEFAULT_DEADLINES.accept_within[spec.severity]
    for a in planned:
        assert a.due_at == due
        assert a.violation_types == (spec.code,)
        assert a.rule_version == 1
        assert a.reason.startswith(f"{spec.code} → {a.agency_kind} (")
    umbrella = spec.code == "official_misconduct"
    # 保护伞: supervision skips the employer's own county.
    expected_places = {"cz"} if umbrella else {"hh"}
    assert {a.agency_id.split("@")[1] for a in planned} == expected_places
    assert all(a.restricted is umbrella for a in planned)


def test_a_case_of_several_types_gets_one_assignment_per_agency() -> None:
    planned = route(["child_labour", "wage_arrears", "no_business_licence"])
    got = [(a.agency_id, a.role, a.violation_types) for a in planned]
    assert got == [
        ("labour@hh", "lead", ("child_labour", "wage_arrears")),
        ("commerce@hh", "lead", ("no_business_licence",)),
        ("police@hh", "also", ("child_labour",)),
        ("civil_affairs@hh", "also", ("child_labour",)),
        ("township@hh", "also", ("no_business_licence",)),
    ]
    # The most severe type (child labour, critical) sets every deadline.
    assert {a.due_at for a in planned} == {NOW + timedelta(hours=24)}


def test_lead_wins_over_also_and_the_reason_names_every_rule() -> None:
    rules = dict(RULES)
    rules["child_labour"] = TypeRule(
        "child_labour", K.labour, (K.police, K.civil_affairs), Severity.critical, 3
    )
    planned = by_id(
        plan_assignments(["forced_labour", "child_labour"], PATH, county_set(), rules, now=NOW)
    )
    labour = planned["labour@hh"]
    assert labour.role == "lead"
    assert labour.reason == (
        "child_labour → labour (lead), rule v3; forced_labour → labour (also), rule v1"
    )
    assert labour.violation_types == ("child_labour", "forced_labour")
    assert labour.rule_version == 3
    police = planned["police@hh"]
    assert police.role == "lead"
    assert police.rule_version == 1
    assert police.reason == (
        "child_labour → police (also), rule v3; forced_labour → police (lead), rule v1"
    )


def test_a_missing_kind_goes_to_the_nearest_coordinator() -> None:
    planned = route(["no_tax_registration"], county_set(without=[K.tax]))
    assert [(a.agency_id, a.role) for a in planned] == [("coordinator@hh", "lead")]
    assert planned[0].reason == (
        "no_tax_registration → tax (lead), rule v1: no tax agency exists at or above 王村; "
        "sent to the coordinator"
    )


def test_a_missing_also_kind_gives_the_coordinator_an_also_role() -> None:
    planned = by_id(route(["child_labour"], county_set(without=[K.civil_affairs])))
    assert set(planned) == {"labour@hh", "police@hh", "coordinator@hh"}
    assert planned["coordinator@hh"].role == "also"
    assert "no civil_affairs agency exists" in planned["coordinator@hh"].reason


def test_a_missing_kind_uses_the_city_coordinator_when_the_county_has_none() -> None:
    agencies = county_set(without=[K.tax, K.coordinator])
    agencies.append(ag(K.coordinator, CANGZHOU))
    planned = route(["no_tax_registration"], agencies)
    assert [a.agency_id for a in planned] == ["coordinator@cz"]


def test_an_unknown_type_goes_to_the_coordinator() -> None:
    planned = route(["mystery"])
    assert [(a.agency_id, a.role, a.rule_version) for a in planned] == [
        ("coordinator@hh", "lead", 0)
    ]
    assert "no routing rule" in planned[0].reason
    assert planned[0].due_at == NOW + timedelta(days=5)


@pytest.mark.parametrize(
    ("types", "agencies"),
    [
        (["no_tax_registration"], [ag(K.labour, HUANGHUA)]),
        (["mystery"], [ag(K.labour, HUANGHUA)]),
        (["child_labour"], [ag(K.labour, HUANGHUA), ag(K.police, HUANGHUA)]),
        (["wage_arrears"], []),
        # A coordinator off the employer's path does not count.
        (["no_tax_registration"], [ag(K.coordinator, PathPlace("nh", L.county))]),
    ],
)
def test_no_coordinator_anywhere_is_an_error_not_an_empty_result(
    types: list[str], agencies: list[PathAgency]
) -> None:
    with pytest.raises(NoRouteError):
        route(types, agencies)


def test_the_nearest_ancestor_wins() -> None:
    station = ag(K.police, JIUCHENG)  # 旧城镇派出所
    planned = by_id(route(["id_document_detention"], [*county_set(), station]))
    assert planned["police@jc"].role == "also"
    assert "police@hh" not in planned


@pytest.mark.parametrize("kind", [K.police, K.labour])
def test_a_township_body_never_leads(kind: AgencyKind) -> None:
    """劳动保障监察条例 第13条: the county-level department leads; the township station
    (派出所, 劳动保障所) on the spot is told as `also`."""
    station = ag(kind, JIUCHENG)
    vtype = "forced_labour" if kind is K.police else "wage_arrears"
    planned = by_id(route([vtype], [*county_set(), station]))
    assert planned[f"{kind.value}@hh"].role == "lead"
    assert "township body does not lead" in planned[f"{kind.value}@hh"].reason
    assert planned[f"{kind.value}@jc"].role == "also"


def test_id_detention_alone_goes_to_labour_and_malicious_arrears_too() -> None:
    """劳动合同法 第84条; 人社部发〔2014〕100号: labour orders payment first and transfers."""
    for vtype in ("id_document_detention", "malicious_wage_arrears"):
        planned = by_id(route([vtype], county_set()))
        assert planned["labour@hh"].role == "lead"
        assert planned["police@hh"].role == "also"
    # police still lead whenever forced labour is among the types
    planned = by_id(route(["id_document_detention", "forced_labour"], county_set()))
    assert planned["police@hh"].role == "lead"


def test_a_township_agency_does_not_serve_an_employer_registered_at_the_county() -> None:
    station = ag(K.police, JIUCHENG)
    planned = by_id(route(["forced_labour"], [*county_set(), station], path=PATH[:3]))
    assert "police@hh" in planned
    assert "police@jc" not in planned


def test_agencies_of_another_county_are_never_chosen() -> None:
    nanhai = PathPlace("nh", L.county, "南皮县")
    agencies = [*county_set(without=[K.labour]), ag(K.labour, nanhai), ag(K.labour, HEBEI)]
    planned = by_id(route(["wage_arrears"], agencies))
    assert set(planned) == {"labour@hb"}


def test_several_agencies_of_one_kind_in_one_place_pick_the_same_one_whatever_the_order() -> None:
    a, b = PathAgency("police-a", K.police, "hh"), PathAgency("police-b", K.police, "hh")
    first = route(["forced_labour"], [*county_set(without=[K.police]), b, a])
    second = route(["forced_labour"], [a, *county_set(without=[K.police]), b])
    assert first == second
    assert "police-a" in by_id(first)


@pytest.mark.parametrize(
    ("umbrella", "types"),
    [(True, ["wage_arrears"]), (False, ["official_misconduct", "wage_arrears"])],
)
def test_protective_umbrella_goes_above_the_county_and_is_restricted(
    umbrella: bool, types: list[str]
) -> None:
    planned = by_id(route(types, umbrella=umbrella))
    assert set(planned) == {"labour@hh", "supervision@cz"}
    supervision = planned["supervision@cz"]
    assert (supervision.role, supervision.restricted) == ("lead", True)
    assert "protective umbrella" in supervision.reason
    assert planned["labour@hh"].restricted is False


def test_umbrella_flag_redirects_a_rule_that_names_supervision() -> None:
    rules = dict(RULES)
    rules["wage_arrears"] = TypeRule("wage_arrears", K.labour, (K.supervision,), Severity.high, 2)
    planned = plan_assignments(["wage_arrears"], PATH, county_set(), rules, now=NOW, umbrella=True)
    assert [(a.agency_id, a.role, a.restricted) for a in planned] == [
        ("labour@hh", "lead", False),
        ("supervision@cz", "lead", True),
    ]


@pytest.mark.parametrize(
    ("extra", "without", "path", "expected"),
    [
        # No city supervision: the province's.
        ([ag(K.supervision, HEBEI)], [K.supervision], PATH, "supervision@hb"),
        # No supervision above the county at all: the city's coordinator.
        ([], [K.supervision], PATH, "coordinator@cz"),
        # Employer directly under a city (no county): one above the city.
        ([ag(K.supervision, HEBEI)], [], (HEBEI, CANGZHOU, JIUCHENG), "supervision@hb"),
    ],
)
def test_protective_umbrella_fallbacks(
    extra: list[PathAgency],
    without: list[AgencyKind],
    path: Sequence[PathPlace],
    expected: str,
) -> None:
    planned = by_id(route(["official_misconduct"], [*county_set(without=without), *extra], path))
    assert list(planned) == [expected]
    assert planned[expected].restricted is True
    assert planned[expected].role == "lead"


def test_protective_umbrella_with_only_a_county_coordinator() -> None:
    agencies = [ag(K.coordinator, HUANGHUA), ag(K.supervision, HUANGHUA), ag(K.labour, HUANGHUA)]
    planned = by_id(route(["official_misconduct"], agencies))
    assert list(planned) == ["coordinator@hh"]
    assert planned["coordinator@hh"].restricted is True


def test_incremental_routing_adds_only_new_agencies() -> None:
    before = route(["wage_arrears"])
    after = route(
        ["wage_arrears", "forced_labour"], existing_agency_ids={a.agency_id for a in before}
    )
    assert [(a.agency_id, a.role) for a in after] == [("police@hh", "lead"), ("union@hh", "also")]
    nothing_new = route(["wage_arrears"], existing_agency_ids=["labour@hh"])
    assert nothing_new == []


def test_output_order_is_lead_first_then_kind_then_id() -> None:
    planned = route(["forced_labour", "no_business_licence", "illegal_mining"])
    assert [(a.role, a.agency_kind) for a in planned] == [
        ("lead", K.police),
        ("lead", K.commerce),
        ("lead", K.land),
        ("also", K.labour),
        ("also", K.safety),
        ("also", K.union),
        ("also", K.township),
    ]


def test_duplicated_types_count_once() -> None:
    assert route(["wage_arrears", "wage_arrears"]) == route(["wage_arrears"])


@pytest.mark.parametrize(
    ("types", "path", "message"),
    [([], PATH, "violation type"), (["wage_arrears"], (), "path")],
)
def test_routing_nothing_is_refused(
    types: list[str], path: Sequence[PathPlace], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        route(types, path=path)


def test_deadline_policy_is_configurable() -> None:
    policy = DeadlinePolicy(
        {
            Severity.critical: timedelta(hours=2),
            Severity.high: timedelta(hours=8),
            Severity.normal: timedelta(hours=48),
        }
    )
    planned = route(["wage_arrears"], deadlines=policy)
    assert planned[0].due_at == NOW + timedelta(hours=8)


@pytest.mark.parametrize(
    ("types", "severity"),
    [
        ([], Severity.normal),
        (["mystery"], Severity.normal),
        (["licence_expired"], Severity.normal),
        (["licence_expired", "wage_arrears"], Severity.high),
        (["wage_arrears", "forced_labour", "licence_expired"], Severity.critical),
        (["mystery", "illegal_mining"], Severity.high),
    ],
)
def test_case_severity_is_the_worst_type(types: list[str], severity: Severity) -> None:
    assert case_severity(types, RULES) is severity


def test_default_rules_are_the_design_table() -> None:
    assert set(RULES) == VIOLATION_CODES
    assert RULES["child_labour"] == TypeRule(
        "child_labour", K.labour, (K.police, K.civil_affairs), Severity.critical, 1
    )


# Any subset of agencies on the path, as long as some coordinator exists.
_places = st.sampled_from(PATH)
_agency = st.builds(ag, st.sampled_from(list(AgencyKind)), _places)
_agencies = st.lists(_agency, max_size=30).flatmap(
    lambda xs: st.builds(lambda c: [*xs, ag(K.coordinator, c)], _places)
)
_types = st.lists(st.sampled_from(sorted(VIOLATION_CODES)), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None, database=None)
@given(types=_types, agencies=_agencies, umbrella=st.booleans(), seed=st.integers())
def test_every_case_reaches_someone_whatever_the_order(
    types: list[str], agencies: list[PathAgency], umbrella: bool, seed: int
) -> None:
    planned = route(types, agencies, umbrella=umbrella)
    assert planned
    covered = {t for a in planned for t in a.violation_types}
    assert covered == set(types)
    assert len({a.agency_id for a in planned}) == len(planned)
    assert any(a.role == "lead" for a in planned)
    on_path = {j.id for j in PATH}
    assert all(a.agency_id.split("@")[1] in on_path for a in planned)

    rng = random.Random(seed)
    shuffled_types, shuffled_agencies = types[:], agencies[:]
    rng.shuffle(shuffled_types)
    rng.shuffle(shuffled_agencies)
    assert route(shuffled_types, shuffled_agencies, umbrella=umbrella) == planned


def test_local_deadlines_do_not_betray_the_umbrella_part() -> None:
    """Wage arrears (high) with official misconduct (critical): the county's labour bureau
    gets the three days of a high case; only the restricted share runs on 24 hours."""
    planned = by_id(route(["wage_arrears", "official_misconduct"]))
    assert planned["labour@hh"].due_at == NOW + timedelta(days=3)
    assert planned["supervision@cz"].due_at == NOW + timedelta(hours=24)
    assert planned["supervision@cz"].restricted and not planned["labour@hh"].restricted


@pytest.mark.parametrize(
    ("restricted", "agencies", "expected"),
    [
        (False, county_set(), "police@hh"),
        (True, county_set(), "coordinator@cz"),  # no police above the county
        (True, [*county_set(), ag(K.police, CANGZHOU)], "police@cz"),
        (True, [*county_set(), ag(K.police, HEBEI)], "police@hb"),
    ],
)
def test_a_referral_from_the_umbrella_share_skips_the_county(
    restricted: bool, agencies: list[PathAgency], expected: str
) -> None:
    planned = route_referral(
        K.police,
        ["official_misconduct"],
        PATH,
        agencies,
        Severity.critical,
        now=NOW,
        restricted=restricted,
    )
    assert planned is not None and planned.agency_id == expected
    assert planned.restricted is restricted and planned.role == "also"
    assert planned.due_at == NOW + timedelta(hours=24)
    assert (
        route_referral(
            K.police,
            ["official_misconduct"],
            PATH,
            agencies,
            Severity.critical,
            now=NOW,
            restricted=restricted,
            existing_agency_ids={expected},
        )
        is None
    )


def test_a_criminal_transfer_goes_to_the_police_at_county_level_or_above() -> None:
    """A township police station does not file criminal cases (国务院令第310号)."""
    agencies = [*county_set(), ag(K.police, JIUCHENG), ag(K.police, CANGZHOU)]
    found = route_transfer(PATH, agencies, restricted=False)
    assert found is not None and found.jurisdiction_id == HUANGHUA.id


def test_a_restricted_transfer_skips_the_employers_county_police() -> None:
    agencies = [*county_set(), ag(K.police, CANGZHOU)]
    found = route_transfer(PATH, agencies, restricted=True)
    assert found is not None and found.jurisdiction_id == CANGZHOU.id
    assert route_transfer(PATH, county_set(), restricted=True) is None
