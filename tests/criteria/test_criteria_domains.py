"""The three-level domain catalogue."""

from pipeline.criteria import DOMAINS, SUBDOMAINS, THIRD_LEVEL, domain_name, is_valid_domain


def test_counts_and_names():
    assert list(DOMAINS) == ["10", "20", "30", "40", "50", "60", "70", "80"]
    assert DOMAINS["50"] == "高技术服务"
    # second level per the rules file §1.2: 8 + 7 + 2 + 6 + 8 + 4 + 8 + 9
    assert len(SUBDOMAINS) == 52
    assert SUBDOMAINS["108"] == "智能交通和轨道交通技术"
    assert SUBDOMAINS["809"] == "传统文化产业改造技术"
    assert len(THIRD_LEVEL) == 254
    assert THIRD_LEVEL["10101"] == "基础软件"
    assert THIRD_LEVEL["80902"] == "印刷技术"
    assert all(c[:3] in SUBDOMAINS for c in THIRD_LEVEL)


def test_third_levels_are_contiguous():
    by_sub = {}
    for c in THIRD_LEVEL:
        by_sub.setdefault(c[:3], []).append(int(c[3:]))
    for sub, nums in by_sub.items():
        assert sorted(nums) == list(range(1, len(nums) + 1)), sub
    assert len(by_sub["101"]) == 12 and len(by_sub["104"]) == 10


def test_validity():
    for ok in ("10", "101", "10101", "60408", "504"):
        assert is_valid_domain(ok)
    for bad in ("10999", "109", "1", "", None, 10101, "90", "10101 "):
        assert not is_valid_domain(bad)


def test_names():
    assert domain_name("10101") == "电子信息／软件／基础软件"
    assert domain_name("20") == "生物与新医药"
    assert domain_name("603") == "新能源与节能／新型高效能量转换与储存技术"
    assert domain_name("10999") is None
