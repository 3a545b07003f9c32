"""The enforcement track's rules: which agencies file cases (立案), on which clock, and
how their numbers read.

Clocks by kind of agency, each from the law that sets it:

- labour (劳动保障监察): investigation done within 60 *working* days of filing; the
  agency's head (负责人, role `agency_lead`) may extend it once by up to 30 working
  days for a complex case (劳动保障监察条例 第17条).
- market regulation (commerce): a decision within 90 days of filing, extendable once by
  30 days with the head's approval (行政处罚法 第60条; 市场监督管理行政处罚程序规定 第64条).
- the other administrative enforcers (safety, land, health, construction, tax): 90 days
  (行政处罚法 第60条, "法律、法规、规章另有规定的，从其规定"); no extension is read
  into the general law, so one is refused here until an agency's own rule is added.

The police file criminal cases through the transfer workflow (两法衔接), and the office,
township bodies, civil affairs, the union and supervision do not file administrative
penalty cases: filing is refused for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from app.domain.taxonomy import AgencyKind

MAX_EXTERNAL_NUMBER = 64


class ClockUnit(StrEnum):
    working_days = "working_days"
    days = "days"


@dataclass(frozen=True, slots=True)
class HandlingClock:
    days: int
    unit: ClockUnit
    extension: int  # at most this many more, once, with the head's approval; 0: none
    basis: str


_LABOUR = HandlingClock(60, ClockUnit.working_days, 30, "劳动保障监察条例 第17条")
_MARKET = HandlingClock(
    90, ClockUnit.days, 30, "行政处罚法 第60条；市场监督管理行政处罚程序规定 第64条"
)
_PENALTY = HandlingClock(90, ClockUnit.days, 0, "行政处罚法 第60条")

HANDLING_CLOCKS: dict[AgencyKind, HandlingClock] = {
    AgencyKind.labour: _LABOUR,
    AgencyKind.commerce: _MARKET,
    AgencyKind.safety: _PENALTY,
    AgencyKind.land: _PENALTY,
    AgencyKind.health: _PENALTY,
    AgencyKind.construction: _PENALTY,
    AgencyKind.tax: _PENALTY,
}


def case_number(prefix: str, year: int, n: int) -> str:
    """A readable number in the official style, e.g. 黄人社监立〔2026〕12号."""
    return f"{prefix}〔{year}〕{n}号"


def default_prefix(agency_name: str) -> str:
    """Until an admin sets the agency's short prefix: its full name and 立 (filed)."""
    return f"{agency_name}立"


# Criminal transfer (两法衔接), 行政执法机关移送涉嫌犯罪案件的规定 (国务院令第310号):
# the head decides on the officer's report within 3 days and an approved transfer is
# sent within 24 hours (第5条); the police decide whether to file it within 3 days of
# receiving it (第8条). Counted here as elapsed time from the step that starts each clock.
TRANSFER_APPROVE_WITHIN = timedelta(days=3)
TRANSFER_SEND_WITHIN = timedelta(hours=24)
TRANSFER_DECIDE_WITHIN = timedelta(days=3)
TRANSFER_BASIS = "行政执法机关移送涉嫌犯罪案件的规定（国务院令第310号）第5条、第8条"
