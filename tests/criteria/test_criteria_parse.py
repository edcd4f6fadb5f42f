"""parse_profile: defaults, decimal strings and every rejection the contract lists."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from pipeline.criteria import ProfileError, assess, assess_dict, parse_profile
from tests.criteria.helpers import good_dict, good_profile


def test_good_dict_equals_good_profile():
    assert parse_profile(good_dict()) == good_profile()
    assert assess_dict(good_dict()) == assess(good_profile()).to_dict()


def test_decimal_strings_and_numbers():
    d = good_dict()
    d["years"]["2025"]["sales"] = "1960.00"
    d["years"]["2025"]["rd_total"] = 196.0
    p = parse_profile(d)
    assert p.years[2025].sales == Decimal("1960")
    assert p.years[2025].rd_total == Decimal("196")
    assert isinstance(p.years[2025].staff, int)


def test_float_amount_is_taken_by_its_decimal_text():
    d = good_dict()
    d["years"]["2025"]["rd_total"] = 196.1
    assert parse_profile(d).years[2025].rd_total == Decimal("196.1")


def test_defaults():
    d = {
        "application_date": "2026-06-15",
        "registered_on": "2020-01-01",
        "years": {
            "2025": {"sales": 1000, "hightech_income": 700, "rd_total": 80, "staff": 10, "tech_staff": 2}
        },
        "ip": [{"kind": "utility_model"}],
    }
    p = parse_profile(d)
    f = p.years[2025]
    assert f.income == Decimal(1000) and f.rd_dom == Decimal(80)
    assert p.ip[0].status == "granted" and p.ip[0].acquired == "own"
    assert p.ip[0].core is False and p.ip[0].used_in_hnte is False and p.ip[0].related is True
    assert p.grades == {} and p.rd_management == frozenset() and p.conversions == {}
    assert (p.standards, p.incident_within_year, p.revoked_this_year) == (False, False, False)
    assert p.tsme.incident_prev_or_this_year is None and p.tsme.hnte_valid is False
    assert p.tech_domain is None
    out = assess_dict(d)
    assert out["conditions"]["H7"]["value"] == 0.7
    assert out["conditions"]["H3"]["status"] == "missing"


def test_negative_net_assets_allowed():
    d = good_dict()
    d["years"]["2023"]["net_assets"] = -50
    assert parse_profile(d).years[2023].net_assets == Decimal(-50)


def bad(mutate):
    d = copy.deepcopy(good_dict())
    mutate(d)
    with pytest.raises(ProfileError) as e:
        parse_profile(d)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def setyear(y, k, v):
    def m(d):
        d["years"][y][k] = v

    return m


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (setyear("2024", "rd_total", -1), "years.2024.rd_total：研发费用不能为负数"),
        (setyear("2025", "sales", "-0.01"), "years.2025.sales：销售收入不能为负数"),
        (setyear("2023", "staff", -3), "years.2023.staff：职工总数不能为负数"),
        (setyear("2024", "sales", "abc"), "years.2024.sales：销售收入不是有效数字：“abc”"),
        (setyear("2024", "sales", True), "years.2024.sales：销售收入必须是数字"),
        (setyear("2024", "sales", [1]), "years.2024.sales：销售收入必须是数字"),
        (setyear("2024", "sales", "NaN"), "years.2024.sales：销售收入不是有效数字：“NaN”"),
        (
            setyear("2025", "hightech_income", 1961),
            "years.2025.hightech_income：高新技术产品（服务）收入不能高于总收入",
        ),
        (setyear("2025", "rd_domestic", 197), "years.2025.rd_domestic：境内研发费用不能高于研发费用总额"),
        (setyear("2025", "tech_staff", 101), "years.2025.tech_staff：科技人员数不能多于职工总数"),
        (
            lambda d: d["years"].__setitem__("2019", {"sales": 1}),
            "years.2019：2019年度早于注册年份2020年，不应有该年度数据",
        ),
        (lambda d: d["years"].__setitem__("20x4", {"sales": 1}), "years.20x4：years的键必须是年份"),
        (lambda d: d.__setitem__("years", [1]), "years：years必须是对象"),
        (
            lambda d: d.__setitem__("application_date", "2026-02-30"),
            "application_date：申请日期“2026-02-30”不是有效日期",
        ),
        (
            lambda d: d.__setitem__("registered_on", 20200101),
            "registered_on：注册日期必须是“YYYY-MM-DD”格式的日期字符串",
        ),
        (lambda d: d.pop("registered_on"), "registered_on：注册日期必须是“YYYY-MM-DD”格式的日期字符串"),
        (lambda d: d["ip"][0].__setitem__("kind", "trademark"), "ip[0].kind：未知的知识产权类型“trademark”"),
        (
            lambda d: d["ip"][0].__setitem__("status", "pending"),
            "ip[0].status：未知的知识产权状态“pending”（应为granted或filed）",
        ),
        (lambda d: d["ip"][0].__setitem__("core", "yes"), "ip[0].core：core必须是true或false"),
        (lambda d: d.__setitem__("ip", {}), "ip：知识产权必须是数组"),
        (lambda d: d.__setitem__("tech_domain", 10101), "tech_domain：技术领域代码必须是字符串"),
        (lambda d: d["conversions"].__setitem__("2024", -1), "conversions.2024：科技成果转化数不能为负数"),
        (lambda d: d["conversions"].__setitem__("2024", 1.5), "conversions.2024：科技成果转化数必须是整数"),
        (
            lambda d: d["grades"].__setitem__("core_support", "F"),
            "grades.core_support：等级必须是A、B、C、D、E之一，收到“F”",
        ),
        (lambda d: d.__setitem__("standards", "no"), "standards：standards必须是true或false"),
        (lambda d: d["tsme"].__setitem__("hnte_valid", 1), "tsme.hnte_valid：hnte_valid必须是true或false"),
        (
            lambda d: d["rd_management"].__setitem__("ledger", "y"),
            "rd_management.ledger：ledger必须是true或false",
        ),
    ],
)
def test_rejections(mutate, expected):
    assert bad(mutate) == expected


def test_not_an_object():
    with pytest.raises(ProfileError):
        parse_profile([1, 2])


def test_error_carries_field():
    with pytest.raises(ProfileError) as e:
        parse_profile({**good_dict(), "registered_on": "nope"})
    assert e.value.field == "registered_on"


def test_explanations_have_plain_amounts():
    d = good_dict()
    for y in d["years"].values():
        for k in ("sales", "total_income"):
            y[k] = "1.96E+3"
        y["hightech_income"] = "1568"
        y["rd_total"] = "196"
    out = assess_dict(d)
    text = "".join(c["explain"] for c in out["conditions"].values())
    assert "E+" not in text and "5880万元" in text


def test_registered_on_year_of_figures_allowed():
    d = good_dict()
    d["registered_on"] = "2023-12-31"
    p = parse_profile(d)
    assert p.registered_on == date(2023, 12, 31) and 2023 in p.years
