"""The papers (文书) an enforcing agency issues on its assignment, and the rules on them.

Kinds, each with the word its number carries (黄人社监令〔2026〕12号) and its title:

- rectification_instruction 责令改正指令书 (令): facts, legal basis, a deadline to
  correct (劳动保障监察条例 第18、30条). A `rectification_order` action always has one.
- penalty_notice 行政处罚事先告知书 (告): the facts, basis and proposed penalty, and the
  right to state a defence (陈述、申辩, 行政处罚法 第44条); from the hearing thresholds
  also the right to a hearing (听证, 第63条: 较大数额罚款).
- penalty_decision 行政处罚决定书 (罚): with the rights to administrative reconsideration
  within 60 days (行政复议法 第20条) and to sue within 6 months (行政诉讼法 第46条).
  It follows a served notice (第62条: no penalty without it) and proposes no heavier
  fine than the notice did (第45条).
- transfer 涉嫌犯罪案件移送书 (移, 国务院令第310号).
- inquiry_record 询问笔录 (询).

Penalty papers and transfers need a filed assignment (立案 comes before a general-
procedure penalty, 行政处罚法 第54条); an instruction and an inquiry record do not, since
both are made on the spot at an inspection, before any filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class DocumentKind(StrEnum):
    rectification_instruction = "rectification_instruction"
    penalty_notice = "penalty_notice"
    penalty_decision = "penalty_decision"
    transfer = "transfer"
    inquiry_record = "inquiry_record"


class ServiceMethod(StrEnum):
    """送达 by the ways 民事诉讼法 (第87–95条) lists, which 行政处罚法 第61条 borrows."""

    direct = "direct"  # 直接送达
    post = "post"  # 邮寄送达
    left = "left"  # 留置送达
    publication = "publication"  # 公告送达


@dataclass(frozen=True, slots=True)
class KindRule:
    title: str
    word: str  # in the number: 黄人社监{word}〔2026〕12号
    filed_first: bool
    needs_deadline: bool = False
    needs_fine: bool = False


KINDS: dict[DocumentKind, KindRule] = {
    DocumentKind.rectification_instruction: KindRule(
        "责令改正指令书", "令", False, needs_deadline=True
    ),
    DocumentKind.penalty_notice: KindRule("行政处罚事先告知书", "告", True, needs_fine=True),
    DocumentKind.penalty_decision: KindRule("行政处罚决定书", "罚", True, needs_fine=True),
    DocumentKind.transfer: KindRule("涉嫌犯罪案件移送书", "移", True),
    DocumentKind.inquiry_record: KindRule("询问笔录", "询", False),
}

SERVICE_METHOD_WORDS: dict[ServiceMethod, str] = {
    ServiceMethod.direct: "直接送达",
    ServiceMethod.post: "邮寄送达",
    ServiceMethod.left: "留置送达",
    ServiceMethod.publication: "公告送达",
}

DEFENCE_RIGHT = (
    "根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）"
    "有权进行陈述和申辩，可在收到本告知书之日起三日内向本机关提出。"
)
HEARING_RIGHT = (
    "根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）"
    "有权要求举行听证，可在收到本告知书之日起五日内向本机关提出。"
)
REMEDY_RIGHTS = (
    "如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议"
    "（《中华人民共和国行政复议法》第二十条），或者在六个月内依法向人民法院"
    "提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）。"
)
PAYMENT_RULE = (
    "罚款应自收到本决定书之日起十五日内缴纳；到期不缴纳的，每日按罚款数额的"
    "百分之三加处罚款（《中华人民共和国行政处罚法》第六十七条、第七十二条）。"
)


def instruction_basis(agency_kind: str) -> str:
    """The article an instruction made from a `rectification_order` action cites."""
    if agency_kind == "labour":
        return "《劳动保障监察条例》第十八条"
    return "《中华人民共和国行政处罚法》第二十八条"


def document_prefix(number_prefix: str | None, agency_name: str) -> str:
    """The agency's prefix names its filings (黄人社监立); its papers take the same
    prefix without the filing word 立, followed by the kind's word. Unset: its name."""
    if number_prefix:
        return number_prefix.removesuffix("立")
    return agency_name


def document_number(prefix: str, kind: DocumentKind, year: int, n: int) -> str:
    return f"{prefix}{KINDS[kind].word}〔{year}〕{n}号"


def is_organisation(uscc: str | None) -> bool:
    """For the hearing threshold: an employer with a unified social credit code is an
    organisation (单位), except category 92, an individual business (个体工商户), which is
    run by a person; one without a code (an unregistered kiln) is a person's business. The
    doubt goes to the lower threshold, so to the party's right to a hearing."""
    return bool(uscc) and not str(uscc).startswith("92")


def hearing_right(
    fine: Decimal | None,
    *,
    organisation: bool,
    person_threshold: Decimal,
    organisation_threshold: Decimal,
) -> bool:
    """A fine that reaches the province's 较大数额 gives the right to a hearing."""
    if fine is None:
        return False
    return fine >= (organisation_threshold if organisation else person_threshold)


def yuan(amount: Decimal) -> str:
    return f"人民币{amount:,.2f}元"


def body_of(
    kind: DocumentKind,
    *,
    facts: str,
    legal_basis: list[str],
    deadline: date | None,
    fine: Decimal | None,
    hearing: bool,
) -> tuple[str, ...]:
    """The paragraphs of a paper after its addressee, in the order of the printed forms."""
    basis = "、".join(legal_basis)
    lines = [f"经查，{facts}"]
    if kind is DocumentKind.rectification_instruction:
        lines.append(
            f"上述行为违反了{basis}的规定。现责令你（单位）于{_day(deadline)}前"
            "改正，并将改正情况书面报告本机关。逾期不改正的，本机关将依法处理。"
        )
    elif kind is DocumentKind.penalty_notice:
        lines.append(
            f"上述行为违反了{basis}的规定。本机关拟对你（单位）作出罚款"
            f"{yuan(fine or Decimal(0))}的行政处罚。"
        )
        lines.append(DEFENCE_RIGHT)
        if hearing:
            lines.append(HEARING_RIGHT)
        lines.append("逾期未提出的，视为放弃上述权利。")
    elif kind is DocumentKind.penalty_decision:
        lines.append(
            f"上述行为违反了{basis}的规定。依据上述规定，本机关决定对你（单位）"
            f"处以罚款{yuan(fine or Decimal(0))}。"
        )
        lines += [PAYMENT_RULE, REMEDY_RIGHTS]
    elif kind is DocumentKind.transfer:
        lines.append(
            f"本机关认为，上述行为涉嫌违反{basis}，依据《行政执法机关移送涉嫌犯罪案件的"
            "规定》（国务院令第310号），现将该案移送你单位，请依法审查。"
        )
    else:
        lines.append(f"依据：{basis}。")
    return tuple(lines)


def _day(day: date | None) -> str:
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"
