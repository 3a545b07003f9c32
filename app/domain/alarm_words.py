"""Words in a tipster's own text that name a critical violation (从重、从快).

A tipster writes "老板连夜把孩子转移走了", not `child_labour`. When such words come
in a follow-up (补充举报), the case is treated as if the type had been reported
fresh: its severity and deadlines rise (`services/tipline/relay.py`). Matching errs on
the side of urgency — a false alarm costs an officer a look, a missed one a child —
so there is no attempt at reading negation; the office can see which words matched.
Only `critical` types are listed (taxonomy: every one of them has a 24-hour clock).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

ALARM_WORDS: Mapping[str, tuple[str, ...]] = {
    "child_labour": ("童工", "孩子", "小孩", "未成年", "娃娃", "十几岁", "初中生", "小学生"),
    "restriction_of_liberty": (
        "锁起来",
        "锁在",
        "关起来",
        "关押",
        "拘禁",
        "不让走",
        "不让离开",
        "不许离开",
        "不让出去",
        "看守",
        "打手",
    ),
    "violence_abuse": ("打人", "殴打", "毒打", "被打", "体罚"),
    "forced_labour": ("强迫", "逼着干", "强制劳动"),
    "abduction": ("拐骗", "拐卖", "骗来", "被拐"),
    "vulnerable_persons": ("智障", "傻子", "流浪", "精神病", "聋哑"),
    "malicious_wage_arrears": ("跑路", "卷款", "逃匿", "老板跑了"),
    "official_misconduct": ("保护伞", "包庇", "通风报信", "官商勾结"),
}


def alarm_types(text: str) -> dict[str, list[str]]:
    """The critical types `text` names in words, each with the words that matched,
    in the order of `ALARM_WORDS`. Full-width forms and spaces do not hide a word."""
    flat = "".join(unicodedata.normalize("NFKC", text).split())
    found: dict[str, list[str]] = {}
    for code, words in ALARM_WORDS.items():
        hits = [w for w in words if w in flat]
        if hits:
            found[code] = hits
    return found
