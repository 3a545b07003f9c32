"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

Eighteen characters: registration authority (1), organisation category (1),
division code (6), organisation code (9, itself GB 11714 with its own check
digit) and the check digit (1). The functions take the code exactly as given:
callers normalise first with `normalise_uscc`, so a lowercase or spaced code is
reported as invalid rather than silently accepted.
"""

from __future__ import annotations

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# 3**i mod 31, i = 0..16.
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))

_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}

# GB 11714 organisation code: 8 body characters (digits and Latin capitals
# valued 10..35) and a check character 0-9 or X.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalise_uscc(s: str) -> str:
    """Strip all whitespace (including full-width spaces) and uppercase."""
    return "".join(s.split()).upper()


def uscc_check_digit(first17: str) -> str:
    """The 18th character for the 17 given; ValueError if they are not 17 valid characters."""
    if len(first17) != USCC_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a USCC") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_digit(first8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    if len(first8) != 8:
        raise ValueError(f"expected 8 characters, got {len(first8)}")
    total = 0
    for ch, w in zip(first8, _ORG_WEIGHTS, strict=True):
        if not (ch.isascii() and ch.isalnum()) or ch.islower():
            raise ValueError(f"character {ch!r} is not allowed in an organisation code")
        total += int(ch, 36) * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_error(code: str, *, check_org_code: bool = False) -> str | None:
    """None if `code` is a valid USCC, else a short English reason.

    The embedded organisation-code check digit is only checked when asked:
    codes issued to some registrants (e.g. individual businesses) do not
    always carry a valid one, and the overall check digit already catches typos.
    """
    if len(code) != USCC_LENGTH:
        return f"must be {USCC_LENGTH} characters, got {len(code)}"
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            return f"character {ch!r} at position {pos} is not allowed"
    if check_org_code:
        body, org_check = code[8:16], code[16]
        try:
            expected_org = org_code_check_digit(body)
        except ValueError:
            return "organisation code part is malformed"
        if org_check != expected_org:
            return "organisation code check digit is wrong"
    if code[17] != uscc_check_digit(code[:17]):
        return "check digit is wrong"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_error(code) is None
