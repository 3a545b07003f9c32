"""Redaction of text the public will read (公开): phone numbers, ID numbers, names, minors' ages.

A number or a name counts however it is written. Text is first brought to NFKC
(full-width digits and letters become ASCII, the ideographic space a space) and
stripped of invisible format characters; a number may then be broken up by
separators — spaces, hyphens and dashes, dots, parentheses, brackets, slashes —
and a name may have them between its characters (张 三, 张·三).

What is masked (the 个人信息保护法 第28条 treats ID numbers and a minor's data as
sensitive; 政府信息公开条例 第15条 keeps personal privacy out of what is published):

- mainland mobile numbers, with or without +86 / 0086: ``139****4321``;
- ID numbers (GB 11643-1999: 17 digits and a digit or X): ``1309**************``;
- landlines with their area code (0 and 2–3 digits, then 7–8 digits): all digits;
- any run of digits holding one of these, or a number given as known (a tipster's
  phone, whatever its form): all digits;
- ages under 18 (``15岁`` → ``**岁``);
- the names given (tipsters, recorded persons) in any spacing: ``张某``.

Masking alone is not trusted: `leaks` looks again at the masked text with every
punctuation mark and space removed, and a caller publishes nothing it finds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATORS = (
    " \t\r\n\u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
    ".\u3002\u00b7\u30fb\u2022()[]{}\u3010\u3011\u3014\u3015/\\_"
)
_SEP = "[" + "".join(re.escape(c) for c in SEPARATORS) + "]"
_RUN = re.compile(rf"(?:\(\+?\d+\){_SEP}*)?\+?\d(?:{_SEP}*\d)*(?:{_SEP}*[Xx](?![A-Za-z]))?")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}[2-9]\d{6,7}")
_PREFIXED_LANDLINE = re.compile(r"[1-9]\d{1,2}[2-9]\d{6,7}")
_MINOR_AGE = re.compile(r"(?<!\d)(1[0-7]|[0-9])\s*(周岁|岁)")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_STRICT = (
    re.compile(r"(?<!\d)(?:(?:86|0086)?1[3-9]\d{9})(?!\d)"),
    re.compile(r"(?<![\dX])\d{17}[\dX](?![\dX])"),
    re.compile(r"(?<!\d)0[1-9]\d{1,2}[2-9]\d{6,7}(?!\d)"),
)
MIN_KNOWN_DIGITS = 5
"""A known number shorter than this is not searched for: it would mask ordinary figures."""


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC character by character, without format characters (zero-width spaces and
    joiners, BOM); with, for each folded character, the index it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(text):
        if unicodedata.category(c) == "Cf":
            continue
        for f in unicodedata.normalize("NFKC", c):
            folded.append(f)
            origin.append(i)
    return "".join(folded), origin


def normalise(text: str) -> str:
    return _fold(text)[0]


def skeleton(text: str) -> str:
    """The normalised text without separators: what a number or a name is matched on."""
    return re.sub(f"{_SEP}+", "", normalise(text))


def _digits(text: str) -> str:
    return "".join(c for c in skeleton(text).upper() if c.isdigit() or c in "+X")


def _national(number: str) -> tuple[str, bool]:
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :], True
    return number.lstrip("+"), False


def _known_numbers(numbers: Iterable[str | None]) -> list[str]:
    found = set()
    for raw in numbers:
        national, _ = _national(_digits(raw or ""))
        national = national.rstrip("X")
        if len(national) >= MIN_KNOWN_DIGITS:
            found.add(national)
    return sorted(found, key=len, reverse=True)


def _mask_number(run: str, known: list[str]) -> str:
    number = _digits(run)
    national, prefixed = _national(number)
    if _MOBILE.fullmatch(national):
        return national[:3] + "****" + national[-4:]
    if _ID_NUMBER.fullmatch(number):
        return number[:4] + "*" * 14
    if (
        _LANDLINE.fullmatch(national)
        or (prefixed and _PREFIXED_LANDLINE.fullmatch(national))
        or any(p.search(national) for p in (_MOBILE, _ID_NUMBER, _LANDLINE))
        or any(k in national for k in known)
    ):
        return "*" * len(national)
    return run


def _name_pattern(name: str) -> re.Pattern[str] | None:
    chars = skeleton(name)
    if len(chars) < 2:  # one character would mask every word that holds it
        return None
    return re.compile(f"{_SEP}*".join(re.escape(c) for c in chars), re.IGNORECASE)


def _names(names: Iterable[str | None]) -> list[str]:
    return sorted(
        {skeleton(n) for n in names if n and len(skeleton(n)) >= 2}, key=len, reverse=True
    )


def _spans(
    folded: str, names: list[str], known: list[str], minor_ages: bool = True
) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in `folded`, sorted, none overlapping the one before."""
    found = [(m.start(), m.end(), _mask_number(m.group(), known)) for m in _RUN.finditer(folded)]
    found = [span for span in found if span[2] != folded[span[0] : span[1]]]
    if minor_ages:
        found += [(m.start(), m.end(), "**" + m.group(2)) for m in _MINOR_AGE.finditer(folded)]
    for name in names:
        pattern = _name_pattern(name)
        if pattern is not None:
            found += [(m.start(), m.end(), name[0] + "某") for m in pattern.finditer(folded)]
    kept: list[tuple[int, int, str]] = []
    for span in sorted(found):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def redact(
    text: str,
    names: Iterable[str | None] = (),
    numbers: Iterable[str | None] = (),
    *,
    minor_ages: bool = True,
) -> str:
    """`text` with every sensitive number, minor's age and given name masked; the rest is
    left as written (full-width punctuation stays full-width). `minor_ages=False` keeps
    ages (text for the officers on a case, for whom a child's age is the point)."""
    folded, origin = _fold(text)
    out, at = [], 0
    spans = _spans(folded, _names(names), _known_numbers(numbers), minor_ages)
    for start, end, replacement in spans:
        out += [text[at : origin[start]], replacement]
        at = origin[end - 1] + 1
    return "".join([*out, text[at:]])


def leaks(
    text: str, names: Iterable[str | None] = (), numbers: Iterable[str | None] = ()
) -> list[str]:
    """What of a sensitive kind `text` still holds once every space and punctuation mark
    (Chinese numerals read as digits) is taken out: ``phone``, ``id_number``, ``landline``,
    ``known_number``, ``name``. Empty when the text may be published."""
    flat = "".join(c for c in normalise(text).upper() if c.isalnum())
    numeric = flat.translate(_CN_DIGITS)
    found = [
        kind
        for kind, pattern in zip(("phone", "id_number", "landline"), _STRICT, strict=True)
        if pattern.search(numeric)
    ]
    if any(k in numeric for k in _known_numbers(numbers)):
        found.append("known_number")
    lowered = flat.casefold()
    if any(n.casefold() in lowered for n in _names(names)):
        found.append("name")
    return found
