"""Duplicate and employer suggestions for tips (黄骅某砖厂 ≈ 某砖厂 ≈ 某某砖窑厂).

Tipsters name employers loosely: a place prefix, 某/某某 for an unknown
owner, 厂/窑/场 interchangeably, a legal-form suffix or none. Names are
reduced to their distinctive core before comparing. These are suggestions
for a person to confirm, never automatic merges.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

K = TypeVar("K")

# Longest first, so 有限责任公司 goes before 公司.
_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "合伙企业",
    "个体工商户",
    "公司",
)
_PLACEHOLDERS = ("某某", "某")
_SITE_SUFFIXES = ("厂", "窑", "场")
_BRACKETED = re.compile(r"\([^)]*\)")
_SPACE = re.compile(r"\s+")


def _fold(s: str) -> str:
    """Full-width → half-width (NFKC), no whitespace, ASCII casefolded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", s)).casefold()


def _strip_prefixes(s: str, prefixes: Sequence[str]) -> str:
    changed = True
    while changed and s and s not in prefixes:
        changed = False
        for p in prefixes:
            if p and s.startswith(p) and len(s) > len(p):
                s, changed = s[len(p) :], True
                break
    return s


def _strip_suffixes(s: str, suffixes: Sequence[str]) -> str:
    changed = True
    while changed and s:
        changed = False
        for suffix in suffixes:
            if s.endswith(suffix) and len(s) > len(suffix):
                s, changed = s[: -len(suffix)], True
                break
    return s


def normalise_name(s: str, place_names: Iterable[str] = ()) -> str:
    """The distinctive core of an employer name: 黄骅市某某砖窑厂有限公司 → 砖.

    Place prefixes (from `place_names`), 某/某某, bracketed notes, legal forms
    and trailing 厂/窑/场 are removed; a name is never reduced to nothing (某厂
    stays 厂).
    """
    places = sorted({_fold(p) for p in place_names if p.strip()}, key=len, reverse=True)
    name = _BRACKETED.sub("", _fold(s))
    name = _strip_prefixes(name, [*places, *_PLACEHOLDERS])
    name = _strip_suffixes(name, _LEGAL_FORMS)
    # 某 can also follow a legal-form strip or sit mid-name: 黄骅某砖厂, 王某砖厂.
    name = name.replace("某", "") or name
    return _strip_suffixes(name, _SITE_SUFFIXES)


def _grams(s: str) -> set[str]:
    padded = f"\x02{s}"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def dice(a: str, b: str) -> float:
    """Bigram Dice coefficient, the start padded so one-character names compare too.

    Only the start is padded: 第一砖 and 第二砖 share their end, not their identity.
    """
    if not a or not b:
        return 0.0
    ga, gb = _grams(a), _grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def similarity(a: str, b: str, *, place_names: Iterable[str] = ()) -> float:
    """How alike two employer names are, in [0, 1], after `normalise_name`."""
    places = tuple(place_names)
    return dice(normalise_name(a, places), normalise_name(b, places))


def rank_candidates(
    query_name: str,
    query_address: str,
    candidates: Sequence[tuple[K, str, str]],
    place_names: Iterable[str] = (),
    threshold: float = 0.5,
    limit: int = 5,
) -> list[tuple[K, float]]:
    """Candidates (id, name, address) scoring at least `threshold`, best first.

    The name decides; when both sides give an address it counts for a quarter,
    so two same-named kilns in different villages are told apart. Ties keep the
    candidates' order.
    """
    places = tuple(place_names)
    qname = normalise_name(query_name, places)
    qaddr = _fold(query_address)
    scored: list[tuple[K, float]] = []
    for key, name, address in candidates:
        score = dice(qname, normalise_name(name, places))
        caddr = _fold(address)
        if qaddr and caddr:
            score = 0.75 * score + 0.25 * dice(qaddr, caddr)
        if score >= threshold:
            scored.append((key, round(score, 4)))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]
