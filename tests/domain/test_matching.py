import pytest

from app.domain.matching import dice, normalise_name, rank_candidates, similarity

HUANGHUA = ("黄骅", "黄骅市")


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("黄骅某砖厂", "砖"),
        ("某砖厂", "砖"),
        ("某某砖窑厂", "砖"),
        ("黄骅市某某砖窑", "砖"),
        ("某家具厂", "家具"),
        ("黄骅市第一砖厂有限公司", "第一砖"),
        ("黄骅市宏达建材有限责任公司", "宏达建材"),
        ("宏达建材股份有限公司（黄骅分厂）", "宏达建材"),
        ("ＡＢＣ　物流 公司", "abc物流"),
        ("  王某 砖厂 ", "王砖"),
        ("某厂", "厂"),
        ("黄骅市", "黄骅市"),
        ("", ""),
    ],
)
def test_names_reduce_to_their_distinctive_core(name: str, core: str) -> None:
    assert normalise_name(name, HUANGHUA) == core


def test_place_prefixes_are_only_stripped_when_given() -> None:
    assert normalise_name("黄骅某砖厂") == "黄骅砖"
    assert normalise_name("黄骅某砖厂", ["黄骅"]) == "砖"


@pytest.mark.parametrize("other", ["某砖厂", "某某砖窑厂", "黄骅市某砖窑", "黄骅某砖厂"])
def test_the_documents_kiln_names_are_the_same_employer(other: str) -> None:
    assert similarity("黄骅某砖厂", other, place_names=HUANGHUA) == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("黄骅某砖厂", "某家具厂"),
        ("黄骅市第一砖厂", "黄骅市第二砖厂"),
        ("宏达物流", "兴业建材"),
    ],
)
def test_different_employers_are_not_alike(a: str, b: str) -> None:
    assert similarity(a, b, place_names=HUANGHUA) < 0.5


@pytest.mark.parametrize(
    ("a", "b"),
    [("宏达建材", "宏达建材厂"), ("abc", "abd"), ("", "砖"), ("", ""), ("某", "某某")],
)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == similarity(b, a)


def test_dice_on_empty_is_zero_and_on_equal_is_one() -> None:
    assert dice("", "") == 0.0
    assert dice("砖", "砖") == 1.0


def test_the_documents_example_ranks_the_kilns_and_not_the_furniture_factory() -> None:
    candidates = [
        ("e1", "某家具厂", ""),
        ("e2", "某砖厂", ""),
        ("e3", "某某砖窑厂", ""),
        ("e4", "宏达物流有限公司", ""),
    ]
    ranked = rank_candidates("黄骅某砖厂", "", candidates, place_names=HUANGHUA)
    assert [key for key, _ in ranked] == ["e2", "e3"]
    assert all(score == 1.0 for _, score in ranked)


def test_the_address_separates_two_kilns_of_the_same_name() -> None:
    candidates = [
        (1, "某砖厂", "黄骅市旧城镇李村"),
        (2, "某砖厂", "黄骅市旧城镇王村东"),
    ]
    ranked = rank_candidates("某砖窑", "旧城镇王村", candidates, place_names=HUANGHUA)
    assert [key for key, _ in ranked] == [2, 1]
    assert ranked[0][1] > ranked[1][1]


def test_threshold_and_limit() -> None:
    candidates = [(i, f"某砖厂{'有限公司' if i % 2 else ''}", "") for i in range(10)]
    candidates.append((99, "某家具厂", ""))
    assert len(rank_candidates("某砖窑", "", candidates)) == 5
    assert len(rank_candidates("某砖窑", "", candidates, limit=20)) == 10
    assert rank_candidates("某砖窑", "", candidates, threshold=1.01) == []
    everything = rank_candidates("某砖窑", "", candidates, threshold=0.0, limit=20)
    assert everything[-1] == (99, 0.0)
