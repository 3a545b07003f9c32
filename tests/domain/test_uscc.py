import pytest

from app.domain.uscc import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    is_valid_uscc,
    normalise_uscc,
    org_code_check_digit,
    uscc_check_digit,
    uscc_error,
)

# Published codes (business licences, company disclosures); each also passes the
# embedded GB 11714 organisation-code check, which a made-up code rarely would.
PUBLISHED = [
    "91350100M000100Y43",  # GB 32100-2015's own example
    "91110000600037341L",
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "911100007109250324",
    "91440300708461136T",
]


def _other_char(ch: str) -> str:
    return USCC_ALPHABET[(USCC_ALPHABET.index(ch) + 1) % len(USCC_ALPHABET)]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_alphabet_leaves_out_letters_that_look_like_digits() -> None:
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert uscc_error(code) is None
    assert uscc_error(code, check_org_code=True) is None
    assert is_valid_uscc(code)
    assert uscc_check_digit(code[:17]) == code[17]


@pytest.mark.parametrize("code", PUBLISHED)
def test_a_wrong_check_digit_is_reported(code: str) -> None:
    bad = code[:17] + _other_char(code[17])
    assert uscc_error(bad) == "check digit is wrong"
    assert not is_valid_uscc(bad)


@pytest.mark.parametrize("code", PUBLISHED)
@pytest.mark.parametrize("pos", range(17))
def test_every_single_character_typo_is_caught(code: str, pos: int) -> None:
    bad = code[:pos] + _other_char(code[pos]) + code[pos + 1 :]
    assert not is_valid_uscc(bad)


SWAPS = [(c, i) for c in PUBLISHED for i in range(17) if c[i] != c[i + 1]]


@pytest.mark.parametrize(("code", "pos"), SWAPS)
def test_every_adjacent_swap_is_caught(code: str, pos: int) -> None:
    bad = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    assert not is_valid_uscc(bad)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "must be 18 characters, got 0"),
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M000100Y433", "must be 18 characters, got 19"),
        ("91350100I000100Y43", "character 'I' at position 9 is not allowed"),
        ("91350100O000100Y43", "character 'O' at position 9 is not allowed"),
        ("91350100Z000100Y43", "character 'Z' at position 9 is not allowed"),
        ("91350100S000100Y43", "character 'S' at position 9 is not allowed"),
        ("91350100V000100Y43", "character 'V' at position 9 is not allowed"),
        ("91350100m000100y43", "character 'm' at position 9 is not allowed"),
        ("91350100 M000100Y4", "character ' ' at position 9 is not allowed"),
        ("９1350100M000100Y43", "character '９' at position 1 is not allowed"),
    ],
)
def test_malformed_codes_say_why(code: str, reason: str) -> None:
    assert uscc_error(code) == reason
    assert not is_valid_uscc(code)


def test_the_organisation_code_check_is_optional() -> None:
    first16 = "91350100M000100Y"
    wrong_org = "0" if org_code_check_digit(first16[8:16]) != "0" else "1"
    code = first16 + wrong_org
    code += uscc_check_digit(code)
    assert uscc_error(code) is None
    assert uscc_error(code, check_org_code=True) == "organisation code check digit is wrong"


@pytest.mark.parametrize(
    ("body", "check"), [("M000100Y", "4"), ("71526726", "X"), ("60003734", "1")]
)
def test_organisation_code_check_digit(body: str, check: str) -> None:
    assert org_code_check_digit(body) == check


@pytest.mark.parametrize("first17", ["", "9135010", "91350100M000100Y43", "91350100I000100Y4"])
def test_check_digit_needs_17_valid_characters(first17: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_digit(first17)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        ("91350100M000100Y43\u3000", "91350100M000100Y43"),
        ("\t9144030071526726xg\n", "9144030071526726XG"),
    ],
)
def test_normalise_then_validate(raw: str, normalised: str) -> None:
    assert not is_valid_uscc(raw)
    assert normalise_uscc(raw) == normalised
    assert is_valid_uscc(normalise_uscc(raw))


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("00000000000000000", "0"),  # 31 - 0 = 31 wraps to 0
        ("10000000000000000", "Y"),  # 31 - 1 = 30
        ("20000000000000000", "X"),
        ("01000000000000000", "W"),  # weight 3: 31 - 3 = 28
        ("Y0000000000000000", "1"),  # value 30
    ],
)
def test_check_digit_arithmetic(first17: str, check: str) -> None:
    assert uscc_check_digit(first17) == check
    assert is_valid_uscc(first17 + check)
