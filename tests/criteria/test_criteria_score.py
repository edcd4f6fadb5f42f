"""Innovation score items (《工作指引》三（七）) as [min, max] bands, boundaries by hand."""

from datetime import date

import pytest

from pipeline.criteria import IPItem, assess
from tests.criteria.helpers import INVENTION, good_profile, series, with_year


def items(p):
    return assess(p).items


# ---------------------------------------------------------------- grades


@pytest.mark.parametrize(
    "grade, band", [("A", (7, 8)), ("B", (5, 6)), ("C", (3, 4)), ("D", (1, 2)), ("E", (0, 0))]
)
def test_grades_map(grade, band):
    it = items(good_profile(grades={"tech_advancement": grade, "core_support": grade}))
    assert it["ip_advancement"] == band
    assert it["ip_core_support"] == band


def test_missing_grade_is_unknown():
    it = items(good_profile(grades={"tech_advancement": "B"}))
    assert it["ip_advancement"] == (5, 6)
    assert it["ip_core_support"] == (0, 8)


# ---------------------------------------------------------------- quantity


def c2(n, **kw):
    return tuple(IPItem("utility_model", core=True, **kw) for _ in range(n))


@pytest.mark.parametrize(
    "ip, band",
    [
        ((), (0, 0)),
        (c2(1), (1, 2)),
        (c2(2), (1, 2)),
        (c2(3), (3, 4)),
        (c2(4), (3, 4)),
        (c2(5), (5, 6)),
        (c2(9), (5, 6)),
        ((INVENTION,), (7, 8)),
        ((IPItem("plant_variety"),) + c2(1), (7, 8)),
        # Class II already used in an HNTE application counts for nothing: 4 countable → 3–4
        (c2(4) + c2(1, used_in_hnte=True), (3, 4)),
        # filed items count for nothing
        (c2(2) + c2(3, status="filed"), (1, 2)),
        ((IPItem("invention_patent", status="filed"),), (0, 0)),
        # Class I may be reused
        ((IPItem("invention_patent", used_in_hnte=True),), (7, 8)),
    ],
)
def test_quantity(ip, band):
    assert items(good_profile(ip=ip))["ip_quantity"] == band


@pytest.mark.parametrize(
    "ip, band",
    [
        ((INVENTION,), (1, 6)),
        ((IPItem("invention_patent", acquired="transferred"),), (1, 3)),
        (c2(3, acquired="transferred"), (1, 3)),
        ((IPItem("design", acquired="transferred"), IPItem("design", acquired="own")), (1, 6)),
        # own item only filed → only the transferred one counts
        ((IPItem("design", acquired="transferred"), IPItem("design", status="filed")), (1, 3)),
        ((), (0, 0)),
        (c2(1, used_in_hnte=True), (0, 0)),
    ],
)
def test_acquisition(ip, band):
    assert items(good_profile(ip=ip))["ip_acquisition"] == band


def test_standards_and_cap():
    it = items(good_profile(standards=False))
    assert it["ip_standards"] == (0, 0)
    assert it["ip_total"] == (22, 30)  # 7+7+7+1 .. 8+8+8+6
    it = items(good_profile(standards=True))
    assert it["ip_standards"] == (1, 2)
    assert it["ip_total"] == (23, 30)  # max 32 capped at 30
    it = items(good_profile(standards=True, grades={"tech_advancement": "C", "core_support": "D"}))
    assert it["ip_total"] == (3 + 1 + 7 + 1 + 1, 4 + 2 + 8 + 6 + 2)  # (13, 22): no cap


# ---------------------------------------------------------------- conversion


@pytest.mark.parametrize(
    "conv, band",
    [
        ({2023: 5, 2024: 5, 2025: 5}, (25, 30)),
        ({2023: 15}, (25, 30)),  # 15 / 3 = 5
        ({2023: 5, 2024: 5, 2025: 4}, (19, 24)),  # 14 / 3 < 5
        ({2023: 4, 2024: 4, 2025: 4}, (19, 24)),
        ({2023: 3, 2024: 3, 2025: 3}, (13, 18)),
        ({2023: 2, 2024: 2, 2025: 2}, (7, 12)),
        ({2023: 1, 2024: 1, 2025: 1}, (1, 6)),
        ({2025: 3}, (1, 6)),  # 3 / 3 = 1
        ({2025: 2}, (0, 0)),  # 2 / 3 < 1
        ({}, (0, 0)),
        ({2022: 50, 2026: 50}, (0, 0)),  # outside the window
    ],
)
def test_conversion_three_years(conv, band):
    assert items(good_profile(conversions=conv))["conversion"] == band


def test_conversion_averages_over_operated_years():
    # registered 2024: window years operated = 2024, 2025 → divide by 2
    p = good_profile(
        registered_on=date(2024, 3, 1),
        years={y: f for y, f in good_profile().years.items() if y >= 2024},
        conversions={2024: 4, 2025: 6},
    )
    assert items(p)["conversion"] == (25, 30)  # 10 / 2 = 5
    p = good_profile(
        registered_on=date(2024, 3, 1),
        years={y: f for y, f in good_profile().years.items() if y >= 2024},
        conversions={2024: 4, 2025: 5},
    )
    assert items(p)["conversion"] == (19, 24)  # 9 / 2 = 4.5
    # one operated year → divide by 1
    p = good_profile(
        registered_on=date(2025, 1, 1),
        years={2025: good_profile().years[2025]},
        conversions={2025: 3, 2024: 100},
    )
    assert items(p)["conversion"] == (13, 18)
    # none operated → divide by 1 → 0
    p = good_profile(registered_on=date(2026, 1, 1), years={}, conversions={})
    assert items(p)["conversion"] == (0, 0)


# ---------------------------------------------------------------- R&D management


@pytest.mark.parametrize(
    "keys, points",
    [
        (
            (
                "rules",
                "accounting",
                "ledger",
                "rd_unit",
                "cooperation",
                "conversion_rules",
                "open_platform",
                "training",
                "skills",
                "recruitment",
                "performance_reward",
            ),
            20,
        ),
        ((), 0),
        (("rules",), 2),
        (("ledger",), 2),
        (("rd_unit", "cooperation"), 6),
        (("conversion_rules", "open_platform"), 4),
        (("training", "skills", "recruitment", "performance_reward"), 4),
        (
            (
                "rules",
                "accounting",
                "ledger",
                "rd_unit",
                "conversion_rules",
                "training",
                "skills",
                "performance_reward",
            ),
            2 + 2 + 2 + 3 + 2 + 1 + 1 + 1,
        ),
        (("unknown_key", "rules"), 2),
    ],
)
def test_rd_management(keys, points):
    assert items(good_profile(rd_management=frozenset(keys)))["rd_management"] == (points, points)


# ---------------------------------------------------------------- growth


@pytest.mark.parametrize(
    "values, band",
    [
        ((100, 135, "182.25"), (9, 10)),  # exactly 0.35
        ((100, 135, "182.24"), (7, 8)),
        ((100, 125, "156.25"), (7, 8)),  # exactly 0.25
        ((100, 125, "156.24"), (5, 6)),
        ((100, 115, "132.25"), (5, 6)),  # exactly 0.15
        ((100, 115, "132.24"), (3, 4)),
        ((100, 105, "110.25"), (3, 4)),  # exactly 0.05
        ((100, 105, "110.24"), (1, 2)),
        ((100, 100, "100.01"), (1, 2)),  # just above 0
        ((100, 100, 100), (0, 0)),  # exactly 0
        ((100, 90, 80), (0, 0)),  # negative
        ((100, 200, 200), (9, 10)),  # ½(2 + 1) − 1 = 0.5
        ((200, 100, 150), (0, 0)),  # ½(0.5 + 1.5) − 1 = 0
        ((0, 100, 135), (9, 10)),  # first year zero → V3/V2 − 1 = 0.35
        ((0, 100, "134.99"), (7, 8)),
        ((100, 0, 500), (0, 0)),  # second year zero → 0 points
    ],
)
def test_growth_sales(values, band):
    p = series("sales", values)
    p = series("total_income", values, p)
    p = series("hightech_income", [0] * 3, p)
    assert items(p)["growth_sales"] == band


@pytest.mark.parametrize(
    "values, band",
    [
        ((-50, 100, 126), (7, 8)),  # V1 ≤ 0 → 126/100 − 1 = 0.26
        ((100, -10, 500), (0, 0)),  # V2 ≤ 0 → 0
        ((-100, -50, -10), (0, 0)),
        ((100, 135, "182.25"), (9, 10)),
    ],
)
def test_growth_net_assets_may_be_negative(values, band):
    assert items(series("net_assets", values))["growth_net_assets"] == band


def two_year_profile(values):
    base = good_profile().years
    p = good_profile(
        registered_on=date(2024, 5, 1),
        years={2024: base[2024], 2025: base[2025]},
        conversions={2024: 5, 2025: 5},
    )
    return series("net_assets", values, p, start=2024)


@pytest.mark.parametrize(
    "values, band",
    [
        ((100, 135), (9, 10)),  # V3/V2 − 1, no ½
        ((100, "134.99"), (7, 8)),
        ((100, 105), (3, 4)),
        ((100, 100), (0, 0)),
        ((0, 100), (0, 0)),  # V2 ≤ 0 (the first of two) → 0
    ],
)
def test_growth_two_years(values, band):
    assert items(two_year_profile(values))["growth_net_assets"] == band


def test_growth_one_year_scores_zero():
    p = good_profile(registered_on=date(2025, 2, 1), years={2025: good_profile().years[2025]})
    it = items(p)
    assert it["growth_net_assets"] == (0, 0) and it["growth_sales"] == (0, 0)


def test_growth_missing_figures_unknown():
    it = items(with_year(good_profile(), 2024, net_assets=None))
    assert it["growth_net_assets"] == (0, 10)
    assert it["growth_sales"] == (9, 10)
    years = dict(good_profile().years)
    del years[2023]
    it = items(good_profile(years=years))
    assert it["growth_net_assets"] == (0, 10) and it["growth_sales"] == (0, 10)


def test_total_is_sum_of_items():
    a = assess(good_profile())
    it = a.items
    assert (
        a.score_min
        == it["ip_total"][0]
        + it["conversion"][0]
        + it["rd_management"][0]
        + it["growth_net_assets"][0]
        + it["growth_sales"][0]
        == 23 + 25 + 20 + 9 + 9
    )
    assert a.score_max == 30 + 30 + 20 + 10 + 10
