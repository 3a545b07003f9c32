"""The campaign's vocabulary as data: levels, agency kinds, roles, violation types.

The default routing table is DESIGN.md's, verbatim. It seeds the database once;
after that the database copy (editable by an admin, versioned) is the one in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class JurisdictionLevel(StrEnum):
    """`national` is the root above the provinces, where the first admin's office sits."""

    national = "national"
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


LEVEL_DEPTH: dict[JurisdictionLevel, int] = {level: i for i, level in enumerate(JurisdictionLevel)}


class AgencyKind(StrEnum):
    coordinator = "coordinator"
    labour = "labour"
    police = "police"
    commerce = "commerce"
    tax = "tax"
    land = "land"
    safety = "safety"
    health = "health"
    supervision = "supervision"
    civil_affairs = "civil_affairs"
    construction = "construction"
    union = "union"
    township = "township"


AGENCY_KIND_ZH: dict[AgencyKind, str] = {
    AgencyKind.coordinator: "专项行动领导小组办公室",
    AgencyKind.labour: "人力资源和社会保障局",
    AgencyKind.police: "公安局",
    AgencyKind.commerce: "市场监督管理局",
    AgencyKind.tax: "税务局",
    AgencyKind.land: "自然资源局",
    AgencyKind.safety: "应急管理局",
    AgencyKind.health: "卫生健康委员会",
    AgencyKind.supervision: "监察委员会",
    AgencyKind.civil_affairs: "民政局",
    AgencyKind.construction: "住房和城乡建设局",
    AgencyKind.union: "总工会",
    AgencyKind.township: "人民政府",
}


class Role(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    inspector = "inspector"
    agency_officer = "agency_officer"
    agency_lead = "agency_lead"  # 负责人: approves extensions and criminal transfers
    auditor = "auditor"
    service = "service"


class Severity(StrEnum):
    normal = "normal"
    high = "high"
    critical = "critical"


SEVERITY_RANK: dict[Severity, int] = {Severity.normal: 0, Severity.high: 1, Severity.critical: 2}


class Category(StrEnum):
    licensing = "licensing"
    labour_standards = "labour_standards"
    safety_health = "safety_health"
    criminal = "criminal"
    construction = "construction"
    misconduct = "misconduct"
    welfare = "welfare"
    other = "other"


@dataclass(frozen=True, slots=True)
class ViolationTypeSpec:
    code: str
    name_zh: str
    name_en: str
    category: Category
    severity: Severity
    lead: AgencyKind
    also: tuple[AgencyKind, ...] = ()


_K = AgencyKind
_C = Category
_S = Severity

VIOLATION_TYPES: tuple[ViolationTypeSpec, ...] = (
    ViolationTypeSpec(
        "no_business_licence",
        "未工商登记/无营业执照生产",
        "Operating without a business licence",
        _C.licensing,
        _S.high,
        _K.commerce,
        (_K.township,),
    ),
    ViolationTypeSpec(
        "licence_expired",
        "营业执照过期或未按时公示年报",
        "Business licence expired or not inspected",
        _C.licensing,
        _S.normal,
        _K.commerce,
    ),
    ViolationTypeSpec(
        "no_tax_registration",
        "未办理涉税信息确认（旧：未税务登记）",
        "Not registered for tax",
        _C.licensing,
        _S.normal,
        _K.tax,
    ),
    ViolationTypeSpec(
        "no_production_permit",
        "无生产许可",
        "No production permit",
        _C.licensing,
        _S.normal,
        _K.commerce,
    ),
    ViolationTypeSpec(
        "no_safety_permit",
        "无安全生产许可/不具备安全生产条件",
        "No work-safety permit or unsafe conditions",
        _C.safety_health,
        _S.high,
        _K.safety,
    ),
    ViolationTypeSpec(
        "illegal_mining",
        "无证开采",
        "Mining without a permit",
        _C.licensing,
        _S.high,
        _K.land,
        (_K.safety,),
    ),
    ViolationTypeSpec(
        "illegal_land_use", "非法占地", "Illegal land use", _C.licensing, _S.normal, _K.land
    ),
    ViolationTypeSpec(
        "no_labour_contract",
        "未签订劳动合同",
        "No written labour contract",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "wage_arrears",
        "拖欠、克扣工资",
        "Wages withheld or unpaid",
        _C.labour_standards,
        _S.high,
        _K.labour,
    ),
    ViolationTypeSpec(
        "below_minimum_wage",
        "低于最低工资",
        "Pay below the minimum wage",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "no_wage_records",
        "未建立工资支付记录/不按月支付",
        "No wage records or wages not paid monthly",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "excessive_hours",
        "随意延长工时/不付加班费",
        "Excessive hours or unpaid overtime",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "no_social_insurance",
        "未参加社会保险",
        "No social insurance",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "no_work_injury_insurance",
        "未缴纳工伤保险",
        "No work-injury insurance",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "no_employment_registration",
        "招用人员未身份核查登记备案",
        "Workers hired without identity check and filing",
        _C.labour_standards,
        _S.normal,
        _K.labour,
        (_K.police,),
    ),
    ViolationTypeSpec(
        "female_worker_protection",
        "违反女职工特殊保护",
        "Breach of female workers' special protection",
        _C.labour_standards,
        _S.normal,
        _K.labour,
    ),
    ViolationTypeSpec(
        "minor_worker_protection",
        "违反未成年工特殊保护",
        "Breach of juvenile workers' special protection",
        _C.labour_standards,
        _S.high,
        _K.labour,
    ),
    ViolationTypeSpec(
        "child_labour",
        "使用童工",
        "Child labour",
        _C.criminal,
        _S.critical,
        _K.labour,
        (_K.police, _K.civil_affairs),
    ),
    ViolationTypeSpec(
        "minor_hazardous_work",
        "未成年工从事职业病危害作业",
        "Juveniles in work with occupational-disease hazards",
        _C.safety_health,
        _S.high,
        _K.health,
        (_K.labour,),
    ),
    ViolationTypeSpec(
        "occupational_health",
        "违反职业健康监护/职业病防治",
        "Breach of occupational-health rules",
        _C.safety_health,
        _S.normal,
        _K.health,
    ),
    ViolationTypeSpec(
        "forced_labour",
        "强迫劳动",
        "Forced labour",
        _C.criminal,
        _S.critical,
        _K.police,
        (_K.labour, _K.union),
    ),
    ViolationTypeSpec(
        "restriction_of_liberty",
        "限制人身自由、非法拘禁",
        "Restriction of liberty, unlawful detention",
        _C.criminal,
        _S.critical,
        _K.police,
        (_K.labour,),
    ),
    ViolationTypeSpec(
        "abduction",
        "拐骗农民工",
        "Abduction or deception of migrant workers",
        _C.criminal,
        _S.critical,
        _K.police,
        (_K.civil_affairs,),
    ),
    ViolationTypeSpec(
        "id_document_detention",
        "扣留身份证件（劳动合同法第84条）",
        "Identity documents withheld",
        _C.labour_standards,
        _S.high,
        _K.labour,
        (_K.police,),
    ),
    ViolationTypeSpec(
        "violence_abuse",
        "侮辱、体罚、殴打、非法搜查",
        "Insult, corporal punishment, beating, unlawful search",
        _C.criminal,
        _S.critical,
        _K.police,
        (_K.union,),
    ),
    ViolationTypeSpec(
        "malicious_wage_arrears",
        "恶意欠薪、逃匿",
        "Malicious wage default or absconding",
        _C.criminal,
        _S.critical,
        _K.labour,
        (_K.police,),
    ),
    ViolationTypeSpec(
        "construction_without_permit",
        "未取得施工/安全许可施工",
        "Building without construction or safety permit",
        _C.construction,
        _S.high,
        _K.construction,
        (_K.safety,),
    ),
    ViolationTypeSpec(
        "illegal_subcontracting",
        "违法发包给无资质单位",
        "Work let to unqualified contractors",
        _C.construction,
        _S.normal,
        _K.construction,
    ),
    ViolationTypeSpec(
        "uncertified_equipment",
        "使用未经验收的起重机械",
        "Uncertified lifting equipment",
        _C.construction,
        _S.high,
        _K.construction,
        (_K.safety,),
    ),
    ViolationTypeSpec(
        "official_misconduct",
        "公职人员失职渎职、参与非法经营、充当保护伞",
        "Official misconduct or protection of offenders",
        _C.misconduct,
        _S.critical,
        _K.supervision,
    ),
    ViolationTypeSpec(
        "vulnerable_persons",
        "身份不明智障人员、流浪人员",
        "Unidentified disabled or homeless persons",
        _C.welfare,
        _S.critical,
        _K.civil_affairs,
        (_K.police,),
    ),
    ViolationTypeSpec("other", "其他", "Other", _C.other, _S.normal, _K.coordinator),
)

VIOLATION_TYPE_BY_CODE: dict[str, ViolationTypeSpec] = {v.code: v for v in VIOLATION_TYPES}
VIOLATION_CODES: frozenset[str] = frozenset(VIOLATION_TYPE_BY_CODE)

# Types a tip about must be triaged within 24 hours: every critical type, the criminal
# ones and also vulnerable persons and official misconduct (DESIGN.md, Lifecycles).
CRITICAL_CODES: frozenset[str] = frozenset(
    v.code for v in VIOLATION_TYPES if v.severity is Severity.critical
)


class Industry(StrEnum):
    brick_kiln = "brick_kiln"
    coal_mine = "coal_mine"
    mine = "mine"
    workshop = "workshop"
    construction_team = "construction_team"
    smelter = "smelter"
    logistics = "logistics"
    furniture = "furniture"
    manufacturing = "manufacturing"
    other = "other"


class LicenceKind(StrEnum):
    business = "business"
    tax = "tax"
    resource = "resource"
    production = "production"
    safety = "safety"
    construction = "construction"
