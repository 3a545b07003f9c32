"""What the demo county holds: the sites, teams and reports of one campaign in 黄骅市.

Plain data, no I/O. Places, kinds of site and figures follow the campaign documents
(the 19-worker kiln, the 23-worker 银河铜矿, the three teams and their townships);
days are offsets from today (China's date), so the campaign is always under way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.taxonomy import Industry, LicenceKind

CAMPAIGN = "黄骅市整治非法用工打击违法犯罪专项行动"
# (phase, first day, last day), days from today: today falls in the enforcement phase.
PHASES: tuple[tuple[str, int, int], ...] = (
    ("publicity", -24, -15),
    ("self_check", -14, -10),
    ("enforcement", -9, 7),
    ("rectification", 8, 21),
)
SETUP_DAY = -26  # the office registers the sites and forms the teams before the campaign

# The documents' three teams: (name, leader's username, members, townships).
TEAMS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "第一组",
        "inspector.labour",
        ("inspector.union",),
        ("黄骅镇", "羊二庄镇", "羊三木乡", "南排河镇"),
    ),
    ("第二组", "inspector.police", ("inspector.safety",), ("旧城镇", "常郭镇", "滕庄子乡")),
    ("第三组", "inspector.commerce", ("inspector.union",), ("吕桥镇", "齐家务乡", "官庄乡")),
)


@dataclass(frozen=True, slots=True)
class DemoLicence:
    kind: LicenceKind
    number: str
    valid_for_days: int | None  # from today; negative: expired that many days ago


@dataclass(frozen=True, slots=True)
class DemoEmployer:
    key: str
    name: str
    township: str
    industry: Industry
    address: str
    workers: int
    org_code: str | None = None  # 8 characters of the USCC's organisation code; None: no USCC
    licences: tuple[DemoLicence, ...] = ()


def _business(number: str, days: int | None) -> DemoLicence:
    return DemoLicence(LicenceKind.business, number, days)


EMPLOYERS: tuple[DemoEmployer, ...] = (
    DemoEmployer(
        "red_star_kiln",
        "羊二庄镇红星砖窑厂",
        "羊二庄镇",
        Industry.brick_kiln,
        "羊二庄镇北二里村东",
        19,
    ),
    DemoEmployer(
        "yinhe_mine",
        "黄骅市银河铜矿有限责任公司",
        "羊二庄镇",
        Industry.mine,
        "羊二庄镇西山口",
        23,
        "MA0D1KQ8",
        (
            _business("130983000012345", 1500),
            DemoLicence(LicenceKind.resource, "C1309832009017", 900),
        ),
    ),
    DemoEmployer(
        "xingwang_furniture",
        "黄骅镇兴旺家具厂",
        "黄骅镇",
        Industry.furniture,
        "黄骅镇工业街18号",
        12,
        "MA0E7P2L",
        (_business("130983600054321", -40),),
    ),
    DemoEmployer(
        "hongda_kiln",
        "旧城镇宏达砖厂",
        "旧城镇",
        Industry.brick_kiln,
        "旧城镇后街村西洼地",
        34,
        "MA0C3R6W",
        (
            _business("130983000023817", 700),
            DemoLicence(LicenceKind.safety, "（冀）AX安许证字〔2021〕0931", -90),
        ),
    ),
    DemoEmployer(
        "jinxin_smelter",
        "常郭镇金鑫冶炼厂",
        "常郭镇",
        Industry.smelter,
        "常郭镇常郭村南",
        27,
        "MA0F2K7T",
        (
            _business("130983000031102", 1200),
            DemoLicence(LicenceKind.safety, "（冀）AX安许证字〔2024〕1207", 400),
        ),
    ),
    DemoEmployer(
        "haifeng_seafood",
        "南排河镇海丰水产品加工厂",
        "南排河镇",
        Industry.workshop,
        "南排河镇渔港路6号",
        15,
        "MA0G8N4Q",
        (_business("130983000040566", 1000),),
    ),
    DemoEmployer(
        "yongsheng_builders",
        "滕庄子乡永盛建筑施工队",
        "滕庄子乡",
        Industry.construction_team,
        "滕庄子乡政府东侧安置房工地",
        42,
        "MA0H5T1B",
        (_business("130983000052290", 800),),
    ),
    DemoEmployer(
        "xinyuan_plastics",
        "吕桥镇鑫源塑料制品厂",
        "吕桥镇",
        Industry.manufacturing,
        "吕桥镇工业园区3号",
        38,
        "MA0J6W3C",
        (_business("130983000061834", 1800), DemoLicence(LicenceKind.tax, "130983MA0J6W3C", None)),
    ),
    DemoEmployer(
        "shunda_logistics",
        "齐家务乡顺达物流园",
        "齐家务乡",
        Industry.logistics,
        "齐家务乡307国道北",
        56,
        "MA0K9X5D",
        (_business("130983000070015", 1100),),
    ),
    DemoEmployer(
        "hongguang_kiln",
        "官庄乡红光砖窑厂",
        "官庄乡",
        Industry.brick_kiln,
        "官庄乡大辛庄村北坑塘边",
        22,
    ),
    DemoEmployer(
        "limin_garments",
        "羊三木乡利民服装加工作坊",
        "羊三木乡",
        Industry.workshop,
        "羊三木乡羊三木村民房",
        9,
    ),
    DemoEmployer(
        "xinda_parts",
        "黄骅镇鑫达机械配件厂",
        "黄骅镇",
        Industry.manufacturing,
        "黄骅镇新华路55号",
        30,
        "MA0L2Y8E",
        (
            _business("130983000082741", 1300),
            DemoLicence(LicenceKind.production, "XK06-014-01234", 600),
        ),
    ),
    DemoEmployer(
        "fuli_kiln",
        "齐家务乡福利砖厂",
        "齐家务乡",
        Industry.brick_kiln,
        "齐家务乡小辛庄村东",
        14,
        "MA0M4A9F",
        (_business("130983000090418", -15),),
    ),
)


@dataclass(frozen=True, slots=True)
class DemoFinding:
    violation_type: str
    description: str
    workers: int | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DemoInspection:
    """(total, local, migrant, female, minors 16–18, children under 16, contracts signed)."""

    employer: str
    day: int
    team: str | None  # None: the leader of 第一组 alone (a self-check needs one signer)
    headcount: tuple[int, int, int, int, int, int, int]
    findings: tuple[DemoFinding, ...] = ()
    kind: str = "enforcement"
    location: tuple[float, float] | None = None  # (lat, lon), WGS-84
    interview: tuple[str, str] | None = None  # (who, the inquiry record), by leader and member
    photo: str | None = None  # a scene photo's caption
    origins: tuple[tuple[str, int], ...] = ()  # migrants by home province (籍贯)
    checklist: tuple[tuple[str, str], ...] = ()  # (item, compliant | not_compliant)


# What the documents' two sites showed on the checklist besides their findings.
SEED_CHECKED = (
    ("licences", "compliant"),
    ("child_labour", "compliant"),
    ("wage_payment", "compliant"),
    ("forced_labour", "compliant"),
    ("contracts", "not_compliant"),
    ("insurance", "not_compliant"),
)


F = DemoFinding
INSPECTIONS: tuple[DemoInspection, ...] = (
    DemoInspection(
        "red_star_kiln",
        -12,
        None,
        (19, 14, 5, 2, 0, 0, 0),
        (F("no_business_licence", "砖窑厂未办理营业执照即开工生产。"),),
        kind="self_check",
    ),
    DemoInspection(
        "hongda_kiln",
        -9,
        "第二组",
        (34, 6, 28, 0, 3, 2, 0),
        (
            F("forced_labour", "工棚夜间上锁，打手看管，工人不得离开。", 28),
            F("restriction_of_liberty", "窑主扣押工人，外出须有人跟随。", 28),
            F("child_labour", "现场发现两名未满16周岁的童工在出砖。", 2),
            F("id_document_detention", "工人身份证被窑主统一收走保管。", 28),
            F("wage_arrears", "自今年3月以来未发工资。", 31, Decimal("186400.00")),
            F("vulnerable_persons", "4名工人身份不明、疑似智障。", 4),
        ),
        location=(38.3689, 117.3297),
        photo="工棚外景：铁门外挂锁，窗户焊有钢筋。",
        interview=(
            "工人甲（窑工，河南籍）",
            "问：你什么时候来窑厂的？答：今年3月，中介说一个月给三千。\n"
            "问：工资发了吗？答：一分没发，窑主说年底一起结。\n"
            "问：能离开窑厂吗？答：晚上工棚锁门，白天有人看着，身份证也被收走了。",
        ),
    ),
    DemoInspection(
        "red_star_kiln",
        -8,
        "第一组",
        (19, 14, 5, 2, 0, 0, 0),
        (
            F("no_employment_registration", "招用人员未向劳动部门备案。", 19),
            F("no_labour_contract", "全部19名工人未签订劳动合同。", 19),
            F("no_work_injury_insurance", "未为工人缴纳工伤保险。", 19),
        ),
        origins=(("四川", 5),),
        checklist=SEED_CHECKED[1:],  # its missing licence was the self-check's finding
    ),
    DemoInspection(
        "yinhe_mine",
        -8,
        "第一组",
        (23, 15, 8, 0, 0, 0, 10),
        (
            F("no_employment_registration", "用工未及时向劳动部门备案。", 23),
            F("no_labour_contract", "13人未签订劳动合同。", 13),
            F("no_work_injury_insurance", "未参加工伤保险。", 23),
            F("no_safety_permit", "未取得安全生产许可证进行开采。"),
        ),
        checklist=(*SEED_CHECKED[1:], ("licences", "not_compliant")),
    ),
    DemoInspection(
        "shunda_logistics",
        -8,
        "第三组",
        (56, 21, 35, 9, 0, 0, 20),
        (
            F("no_labour_contract", "36名装卸工未签订劳动合同。", 36),
            F("no_social_insurance", "未为职工参加社会保险。", 56),
        ),
    ),
    DemoInspection(
        "haifeng_seafood",
        -7,
        "第一组",
        (15, 6, 9, 12, 0, 0, 15),
        (
            F("excessive_hours", "旺季每日工作14小时，未支付加班费。", 15),
            F("female_worker_protection", "安排怀孕7个月以上的女工上夜班。", 2),
        ),
    ),
    DemoInspection(
        "jinxin_smelter",
        -7,
        "第二组",
        (27, 20, 7, 3, 0, 0, 27),
        (
            F("occupational_health", "熔炼车间粉尘超标，未发放防尘口罩，未组织职业健康检查。", 27),
            F("no_social_insurance", "未为职工参加社会保险。", 27),
        ),
    ),
    DemoInspection("xinyuan_plastics", -6, "第三组", (38, 30, 8, 14, 0, 0, 38)),
    DemoInspection("xinda_parts", -6, "第一组", (30, 22, 8, 4, 0, 0, 30)),
    DemoInspection(
        "xingwang_furniture",
        -5,
        "第一组",
        (12, 12, 0, 3, 0, 0, 4),
        (
            F("licence_expired", "营业执照已过有效期，未按时公示年报。"),
            F("no_labour_contract", "8人未签订劳动合同。", 8),
        ),
    ),
    DemoInspection(
        "hongguang_kiln",
        -3,
        "第三组",
        (22, 9, 13, 0, 1, 0, 0),
        (F("no_labour_contract", "全部工人未签订劳动合同。", 22),),
    ),
)


@dataclass(frozen=True, slots=True)
class DemoTip:
    """A report, and what the office decided. `decision` None: still waiting for triage.
    Day 0 tips arrive `minutes_ago` before the demo loads."""

    key: str
    day: int
    time: str
    channel: str
    description: str
    violation_types: tuple[str, ...]
    township: str
    employer_name: str = ""
    employer: str | None = None  # the site it is about, for open_case / link_case
    contact: dict[str, str] = field(default_factory=dict)
    decision: str | None = None
    triage_time: str = "10:30"
    reason: str | None = None
    duplicate_of: str | None = None
    reply: str | None = None
    minutes_ago: int = 0
    kind: str = "report"  # or "complaint": a worker's own (投诉), 5 working days to accept


TIPS: tuple[DemoTip, ...] = (
    DemoTip(
        "hongda_web",
        -10,
        "08:40",
        "web",
        "旧城镇宏达砖厂里有二三十个外地人，晚上锁在工棚里不让出门，干了半年没拿到工钱，"
        "还看见两个十三四岁的孩子在搬砖。",
        ("forced_labour", "child_labour", "wage_arrears"),
        "旧城镇",
        "宏达砖厂",
        "hongda_kiln",
        decision="open_case",
        triage_time="09:20",
        reply="您反映的情况已受理，已交公安、劳动保障、民政等部门联合查处。",
    ),
    DemoTip(
        "hongda_again",
        -10,
        "21:15",
        "web",
        "宏达砖厂打工的被人看着不让走，我表哥在里面联系不上。",
        ("restriction_of_liberty",),
        "旧城镇",
        "旧城镇宏达砖厂",
        decision="duplicate",
        duplicate_of="hongda_web",
        triage_time="22:00",
        reply="此事已在查处中，与此前举报合并办理。",
    ),
    DemoTip(
        "haifeng_mailbox",
        -11,
        "07:50",
        "mailbox",
        "海丰水产加工厂旺季每天干十四个小时，没有加班费，怀孕的女工也要上夜班。",
        ("excessive_hours", "female_worker_protection"),
        "南排河镇",
        "海丰水产",
        "haifeng_seafood",
        decision="open_case",
        triage_time="14:00",
        reply="已受理，已交市人力资源和社会保障局劳动保障监察大队调查处理。",
    ),
    DemoTip(
        "haifeng_phone",
        -9,
        "19:30",
        "phone",
        "我在海丰水产干活，这两个月每天干到夜里十点，加班费一分没给。",
        ("excessive_hours",),
        "南排河镇",
        "海丰水产",
        "haifeng_seafood",
        contact={"name": "刘淑芬", "phone": "13603170000"},
        decision="link_case",
        triage_time="20:10",
        reply="您反映的问题已并入海丰水产案件，由劳动保障监察大队一并调查。",
    ),
    DemoTip(
        "shunda_phone",
        -6,
        "15:10",
        "phone",
        "顺达物流园的装卸工都没签合同，也不给上保险，干活受了伤自己掏钱看病。",
        ("no_labour_contract", "no_social_insurance"),
        "齐家务乡",
        "顺达物流园",
        "shunda_logistics",
        contact={"name": "李建国", "phone": "13903170000"},
        decision="link_case",
        triage_time="16:00",
        reply="您反映的问题检查组已在核查，并入同一案件办理。",
    ),
    DemoTip(
        "hongguang_letter",
        -5,
        "09:00",
        "letter",
        "官庄乡红光砖窑厂没有执照干了三年，村干部和派出所的人常去窑上喝酒，"
        "每次上面检查前都有人通风报信，窑上就停工。",
        ("official_misconduct", "no_business_licence"),
        "官庄乡",
        "红光砖窑厂",
        "hongguang_kiln",
        decision="open_case",
        triage_time="11:00",
        reply="来信收悉，已转有关部门调查，结果将答复您。",
    ),
    DemoTip(
        "furniture_visit",
        -4,
        "10:15",
        "visit",
        "兴旺家具厂老板借了我两万块钱一直不还。",
        (),
        "黄骅镇",
        "兴旺家具厂",
        contact={"name": "张秀云"},
        decision="reject",
        triage_time="11:30",
        reason="所反映系个人借贷纠纷，不属于劳动保障监察范围，已告知可向人民法院起诉。",
        reply="经了解，您反映的是借贷纠纷，请向黄骅市人民法院起诉；如有拖欠工资，请再来反映。",
    ),
    DemoTip(
        "limin_mailbox",
        -4,
        "08:20",
        "mailbox",
        "羊三木乡村里有个服装作坊没挂牌子，雇了七八个人，天天干到半夜。",
        ("no_business_licence", "excessive_hours"),
        "羊三木乡",
        "服装加工作坊",
    ),
    DemoTip(
        "yongsheng_phone",
        -1,
        "16:40",
        "phone",
        "滕庄子乡安置房工地永盛施工队欠我们三十多个人的工钱，包工头说年底再说。",
        ("wage_arrears",),
        "滕庄子乡",
        "永盛建筑施工队",
        "yongsheng_builders",
        contact={"name": "王海", "phone": "15833170000"},
        decision="open_case",
        triage_time="17:30",
        reply="已受理，已交劳动保障监察大队处理。",
        kind="complaint",
    ),
    DemoTip(
        "bohai_12345",
        -2,
        "09:30",
        "phone",
        "12345热线转来：南排河镇边上渤海新区一家化工厂的外包装卸队，工头扣着二十来个工人的"
        "身份证，说干满一年才还。",
        ("id_document_detention",),
        "南排河镇",
        "渤海新区某化工厂外包装卸队",
    ),
    DemoTip(
        "changguo_web",
        0,
        "",
        "web",
        "常郭镇一家煤球加工点两个月没发工资了，老板说等卖了货再给。",
        ("wage_arrears",),
        "常郭镇",
        "煤球加工点",
        minutes_ago=35,
    ),
)


@dataclass(frozen=True, slots=True)
class DemoFeedback:
    """A reporter's answer once the tip was handled (评价): on the web by receipt, or told
    on the office's callback (回访). Not satisfied opens a re-handling request (重办)."""

    day: int
    time: str
    tip: str
    via: str  # "web" | "callback"
    satisfied: bool
    comment: str


# The seafood workshop's case closes on day -2: the phone reporter is called back the
# next day and is satisfied; the mailbox reporter says on the web that the pregnant
# workers still work nights, which asks the office to handle it again.
FEEDBACK: tuple[DemoFeedback, ...] = (
    DemoFeedback(-1, "09:30", "haifeng_phone", "callback", True, "补发的加班费已收到，满意。"),
    DemoFeedback(
        -1, "20:15", "haifeng_mailbox", "web", False, "孕期女工还是被安排上夜班，问题没有解决。"
    ),
)
# A tipster's receipt the demo can print again on every start: the public tip above sent
# with this idempotency key derives its receipt from the install's secret key.
RECEIPT_TIP = "hongda_web"
RECEIPT_PRINCIPAL = "demo"
RECEIPT_KEY = "demo-hongda-web"


@dataclass(frozen=True, slots=True)
class Step:
    """One piece of work on a site's case by an agency's officer (or the office).

    `verb`: accept | own (the officer takes it on) | file (立案) | extend (`count` more
    days, approved by the head) | criminal_transfer (to the police: asked, approved by the head
    and sent within the hour) | criminal_filing (the police file the transfer they
    received) | conclude | follow_up (the assignment's latest rectification) | close |
    disclose (the office) | a document kind (`note` its facts, `basis` its articles,
    `amount` the fine) | serve (the assignment's latest unserved document, `note` the
    recipient) | persons, handover, documents_returned (`PERSONS`) | an action type.
    `deadline` is in days from today."""

    day: int
    time: str
    employer: str
    agency: str
    verb: str
    note: str = ""
    amount: Decimal | None = None
    count: int | None = None
    deadline: int | None = None
    referral_kind: str | None = None
    corrected: bool = False
    basis: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """A person found at the 宏达 kiln. The ID number is built on the day the demo loads,
    born `years` before it in the place `area` (GB/T 2260), so the child is 15 whatever
    the year; None: no papers."""

    name: str
    role: str  # as entered
    area: str | None
    years: int
    seq: int = 0
    phone: str | None = None
    hometown: str | None = None


# Civil affairs registers them when it takes the children out (`persons`); entered as a
# worker, 杨小虎's ID number makes him a child. Both children go to the rescue station
# (`handover`); labour hands the adults their withheld ID cards back (`documents_returned`).
PERSONS: tuple[DemoPerson, ...] = (
    DemoPerson("杨小虎", "worker", "511623", 15, 211, "13990001111"),
    DemoPerson("无名男孩（约14岁）", "child", None, 14, hometown="不详"),
    DemoPerson("罗德明", "worker", "511623", 38, 135, "13990002222"),
    DemoPerson("何志军", "worker", "513030", 44, 157, "13990003333"),
)
PERSON_VERBS = ("persons", "handover", "documents_returned")

S = Step
_WOMEN = ("《女职工劳动保护特别规定》第六条、第十三条", "《劳动保障监察条例》第二十三条")
_CONTRACTS = ("《中华人民共和国劳动合同法》第八十二条", "《劳动保障监察条例》第二十四条")
STEPS: tuple[Step, ...] = (
    # The kiln of the web tip: police, labour, civil affairs and the union at once (从重从快).
    S(-10, "10:00", "hongda_kiln", "police", "accept"),
    S(-10, "10:10", "hongda_kiln", "labour", "accept"),
    S(-10, "10:20", "hongda_kiln", "civil_affairs", "accept"),
    S(-10, "10:30", "hongda_kiln", "union", "accept"),
    S(-10, "10:15", "hongda_kiln", "labour", "own"),
    S(-10, "11:00", "hongda_kiln", "labour", "file", "使用童工、拖欠31名工人工资，予以立案。"),
    # 两法衔接: labour's head approves the transfer of the child-labour crime, it goes out
    # the same day, and the police (already on the case for forced labour) file it.
    S(
        -10,
        "15:00",
        "hongda_kiln",
        "labour",
        "criminal_transfer",
        "窑主使用2名未满16周岁童工从事砖坯搬运等危重劳动，涉嫌雇用童工从事危重劳动罪，"
        "报请移送市公安局。",
    ),
    S(
        -9,
        "17:00",
        "hongda_kiln",
        "police",
        "criminal_filing",
        "经审查，对窑主以涉嫌雇用童工从事危重劳动罪立案侦查。",
    ),
    S(
        -9,
        "18:00",
        "hongda_kiln",
        "police",
        "criminal_case_filed",
        "以涉嫌强迫劳动罪立案侦查，刑事拘留窑主及看管人员3人。",
    ),
    S(
        -9,
        "19:00",
        "hongda_kiln",
        "civil_affairs",
        "children_rescued",
        "解救童工2名，送市救助管理站临时照料，通知监护人。",
        count=2,
    ),
    S(-9, "19:05", "hongda_kiln", "civil_affairs", "persons", "解救人员逐人登记。"),
    S(-9, "19:10", "hongda_kiln", "civil_affairs", "handover", "沧州市救助管理站"),
    S(-8, "09:00", "hongda_kiln", "labour", "documents_returned", "被扣身份证件当场返还。"),
    S(
        -8,
        "10:00",
        "hongda_kiln",
        "labour",
        "referral",
        "无证经营，通报工商局予以查处取缔。",
        referral_kind="commerce",
    ),
    S(-8, "15:00", "hongda_kiln", "commerce", "accept"),
    S(-7, "11:00", "hongda_kiln", "commerce", "site_closed", "依法取缔关闭，拆除窑门。"),
    S(
        -7,
        "16:00",
        "hongda_kiln",
        "civil_affairs",
        "persons_repatriated",
        "护送6名外地工人返乡，其中4名身份不明人员经救助站甄别后送回。",
        count=6,
    ),
    S(
        -6,
        "15:00",
        "hongda_kiln",
        "labour",
        "wages_recovered",
        "责令窑主足额支付31名工人工资186400元，现场发放。",
        amount=Decimal("186400.00"),
        count=31,
    ),
    S(
        -3,
        "10:00",
        "hongda_kiln",
        "labour",
        "extend",
        "涉及31名外地工人工资清算及童工来源调查，案情复杂，申请延长办案期限。",
        count=30,
    ),
    S(
        -5,
        "10:00",
        "hongda_kiln",
        "civil_affairs",
        "conclude",
        "童工及身份不明人员均已安置、返乡。",
    ),
    # The seafood workshop of the mailbox tip: found, fined, corrected, closed, published.
    S(-10, "09:30", "haifeng_seafood", "labour", "accept"),
    S(
        -10,
        "10:00",
        "haifeng_seafood",
        "labour",
        "file",
        "安排孕期女工夜班劳动、不支付加班费，予以立案。",
    ),
    S(
        -7,
        "16:00",
        "haifeng_seafood",
        "labour",
        "rectification_order",
        "责令立即停止安排孕期女工上夜班，调整工时，补发加班费。",
        deadline=-3,
    ),
    S(
        -6,
        "10:00",
        "haifeng_seafood",
        "labour",
        "wages_recovered",
        "补发15名工人加班费37800元。",
        amount=Decimal("37800.00"),
        count=15,
    ),
    S(
        -9,
        "10:00",
        "haifeng_seafood",
        "labour",
        "penalty_notice",
        "你单位安排怀孕7个月以上的女职工从事夜班劳动。",
        amount=Decimal("20000.00"),
        basis=_WOMEN,
    ),
    S(-9, "11:00", "haifeng_seafood", "labour", "serve", "法定代表人 李海丰"),
    S(
        -4,
        "10:00",
        "haifeng_seafood",
        "labour",
        "penalty_decision",
        "你单位安排怀孕7个月以上的女职工从事夜班劳动。",
        amount=Decimal("20000.00"),
        basis=_WOMEN,
    ),
    S(-4, "11:00", "haifeng_seafood", "labour", "serve", "法定代表人 李海丰"),
    S(
        -4,
        "15:00",
        "haifeng_seafood",
        "labour",
        "fine",
        "违反女职工劳动保护特别规定，罚款二万元。",
        amount=Decimal("20000.00"),
    ),
    S(
        -3,
        "09:30",
        "haifeng_seafood",
        "labour",
        "follow_up",
        "回访：孕期女工已调白班，排班表已调整，加班费已补发到人。",
        corrected=True,
    ),
    S(
        -2,
        "10:00",
        "haifeng_seafood",
        "labour",
        "conclude",
        "已责令改正并罚款二万元，补发加班费37800元，回访整改到位。",
    ),
    S(
        -2,
        "16:00",
        "haifeng_seafood",
        "coordinator",
        "close",
        "违法用工问题已查处，整改到位，工人加班费已补发。",
    ),
    S(
        -1,
        "10:00",
        "haifeng_seafood",
        "coordinator",
        "disclose",
        "南排河镇海丰水产品加工厂旺季安排工人每日工作14小时且不支付加班费，安排孕期女工上夜班。"
        "市人力资源和社会保障局责令改正，补发15名工人加班费37800元，罚款二万元；经回访已整改到位。",
    ),
    # The documents' kiln: the township's self-check, then the first team.
    S(-11, "10:00", "red_star_kiln", "commerce", "accept"),
    S(
        -11,
        "15:00",
        "red_star_kiln",
        "commerce",
        "rectification_order",
        "责令限期办理营业执照，逾期未办理的依法取缔。",
        deadline=10,
    ),
    S(-7, "09:00", "red_star_kiln", "labour", "accept"),
    S(-7, "09:10", "red_star_kiln", "police", "accept"),
    S(-7, "09:20", "red_star_kiln", "labour", "own"),
    S(-7, "09:30", "red_star_kiln", "labour", "file", "未签订劳动合同、未办理用工备案，予以立案。"),
    S(
        -6,
        "11:00",
        "red_star_kiln",
        "labour",
        "rectification_order",
        "责令与19名工人签订劳动合同、办理用工备案、参加工伤保险。",
        deadline=5,
    ),
    S(
        -5,
        "10:00",
        "red_star_kiln",
        "police",
        "conclude",
        "已对19名工人身份逐一核查登记，未发现在逃人员和身份不明人员。",
    ),
    # The documents' copper mine.
    S(-7, "10:00", "yinhe_mine", "safety", "accept"),
    S(
        -7,
        "14:00",
        "yinhe_mine",
        "safety",
        "suspension",
        "未取得安全生产许可证，责令停产整顿，取证前不得开采。",
    ),
    S(-6, "09:00", "yinhe_mine", "labour", "accept"),
    S(-6, "09:30", "yinhe_mine", "police", "accept"),
    S(
        -6,
        "15:00",
        "yinhe_mine",
        "labour",
        "rectification_order",
        "限期签订劳动合同、办理用工备案、参加工伤保险。",
        deadline=-2,
    ),
    S(-6, "15:30", "yinhe_mine", "labour", "file", "23名工人均未签订劳动合同，予以立案。"),
    S(
        -6,
        "16:00",
        "yinhe_mine",
        "labour",
        "penalty_notice",
        "你单位与23名工人建立劳动关系超过一个月未订立书面劳动合同，经责令改正逾期未改。",
        amount=Decimal("30000.00"),
        basis=_CONTRACTS,
    ),
    S(-6, "17:00", "yinhe_mine", "labour", "serve", "矿长 赵银河"),
    S(
        -1,
        "09:00",
        "yinhe_mine",
        "labour",
        "penalty_decision",
        "你单位与23名工人建立劳动关系超过一个月未订立书面劳动合同，经责令改正逾期未改。",
        amount=Decimal("30000.00"),
        basis=_CONTRACTS,
    ),
    S(-1, "10:00", "yinhe_mine", "labour", "serve", "矿长 赵银河"),
    S(
        -1,
        "14:00",
        "yinhe_mine",
        "labour",
        "fine",
        "未订立书面劳动合同，罚款三万元。",
        amount=Decimal("30000.00"),
    ),
    S(-5, "11:00", "yinhe_mine", "police", "conclude", "已完成23名工人身份核查登记。"),
    # The smelter: health's order not corrected by its deadline; labour's still running.
    S(-6, "09:00", "jinxin_smelter", "health", "accept"),
    S(
        -6,
        "10:00",
        "jinxin_smelter",
        "health",
        "rectification_order",
        "责令配备防尘口罩、设置除尘设施，组织接尘工人职业健康检查。",
        deadline=-2,
    ),
    S(-5, "09:00", "jinxin_smelter", "labour", "accept"),
    S(
        -5,
        "14:00",
        "jinxin_smelter",
        "labour",
        "rectification_order",
        "责令为27名职工办理社会保险登记并补缴。",
        deadline=8,
    ),
    S(
        -1,
        "10:00",
        "jinxin_smelter",
        "health",
        "follow_up",
        "回访：除尘设施仍未安装，工人仍无防护用品。",
        corrected=False,
    ),
    # The furniture workshop with the expired licence.
    S(-4, "09:00", "xingwang_furniture", "commerce", "accept"),
    S(
        -4,
        "10:00",
        "xingwang_furniture",
        "commerce",
        "rectification_order",
        "责令补报年度报告，办理营业执照换发。",
        deadline=15,
    ),
    S(-4, "11:00", "xingwang_furniture", "labour", "accept"),
    S(
        -3,
        "15:00",
        "xingwang_furniture",
        "labour",
        "rectification_order",
        "责令与8名工人补签劳动合同。",
        deadline=12,
    ),
    # The kiln of the letter: the supervision commission above the county takes the umbrella.
    S(-4, "09:00", "hongguang_kiln", "supervision", "accept"),
    S(-4, "09:30", "hongguang_kiln", "commerce", "accept"),
    S(-2, "09:00", "hongguang_kiln", "labour", "accept"),
    S(-2, "10:00", "hongguang_kiln", "commerce", "site_closed", "无照经营砖窑，依法予以取缔。"),
)


@dataclass(frozen=True, slots=True)
class DemoPublicity:
    """Publicity work (宣传发动) the office recorded; `township` None: the county's own."""

    day: int
    kind: str
    count: int
    township: str | None
    place: str
    note: str = ""


PUBLICITY: tuple[DemoPublicity, ...] = (
    DemoPublicity(-24, "meeting", 1, None, "市政府会议室", "全市专项行动动员大会"),
    DemoPublicity(-23, "meeting", 1, "羊二庄镇", "镇政府会议室", "镇专项行动动员会"),
    DemoPublicity(-22, "leaflets", 3000, None, "各乡镇集市", "劳动合同法、禁止使用童工规定宣传单"),
    DemoPublicity(-21, "leaflets", 600, "羊二庄镇", "羊二庄大集"),
    DemoPublicity(-21, "consultation", 45, "羊二庄镇", "羊二庄大集", "设咨询台解答用工问题"),
    DemoPublicity(-20, "signs", 12, "羊二庄镇", "各村公开栏", "公布举报电话12333，设举报箱"),
    DemoPublicity(-19, "media", 3, None, "黄骅电视台", "专项行动专题报道"),
    DemoPublicity(-17, "training", 80, None, "市人社局", "用人单位负责人劳动法规培训"),
)
