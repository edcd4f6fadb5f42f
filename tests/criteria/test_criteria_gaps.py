"""Gaps: numbers worked out by hand, and each adding exactly the amount closes the gap."""

from datetime import date

import pytest

from pipeline.criteria import IPItem, assess
from tests.criteria.helpers import good_profile, series, with_year

UNITS = {"万元", "人", "项", "次/年", None}


def gaps(p):
    return {g["code"]: g for g in assess(p).to_dict()["gaps"]}


def test_gap_shape_and_citations():
    p = good_profile(
        ip=(),
        rd_management=frozenset(),
        standards=False,
        tech_domain="10999",
        conversions={},
        incident_within_year=True,
        revoked_this_year=True,
    )
    p = with_year(p, 2025, staff=100, tech_staff=1, hightech_income=100)
    out = assess(p).to_dict()["gaps"]
    assert out
    for g in out:
        assert set(g) == {"code", "what", "amount", "unit", "explain"}
        assert g["unit"] in UNITS
        assert g["amount"] is None or isinstance(g["amount"], (int, float))
        assert (g["amount"] is None) == (g["unit"] is None)
        assert "《" in g["explain"] and "》" in g["explain"], g
        assert "\n" not in g["what"] + g["explain"]


def test_ready_firm_has_no_condition_gaps():
    codes = set(gaps(good_profile()))
    assert not codes & {f"H{i}" for i in range(1, 11)}


def test_h1_days():
    g = gaps(good_profile(registered_on=date(2025, 6, 17)))["H1"]  # 363 days
    assert "2天" in g["what"] and "2026-06-17" in g["what"]


@pytest.mark.parametrize(
    "staff, tech, hires",
    [
        (100, 9, 2),  # 10/101 < 10 %, 11/102 ≥ 10 %
        (100, 5, 6),  # 10/105 < 10 %, 11/106 ≥ 10 %
        (100, 0, 12),  # 11/111 < 10 %, 12/112 ≥ 10 %
        (10, 0, 2),  # 1/11 < 10 %, 2/12 ≥ 10 %
    ],
)
def test_h4_hires(staff, tech, hires):
    p = with_year(good_profile(), 2025, staff=staff, tech_staff=tech)
    g = gaps(p)["H4"]
    assert (g["amount"], g["unit"]) == (hires, "人")
    assert (
        assess(with_year(p, 2025, staff=staff + hires, tech_staff=tech + hires)).conditions["H4"].status
        == "pass"
    )
    assert (
        assess(with_year(p, 2025, staff=staff + hires - 1, tech_staff=tech + hires - 1))
        .conditions["H4"]
        .status
        == "fail"
    )


def test_h5_short():
    # sales 1000 a year → 5 %; need 150 over the window, have 3 × 40 = 120 → 30 万元
    p = series(
        "rd_total",
        (40, 40, 40),
        series(
            "rd_domestic",
            (40, 40, 40),
            series(
                "sales",
                (1000, 1000, 1000),
                series("total_income", (1000, 1000, 1000), series("hightech_income", (800, 800, 800))),
            ),
        ),
    )
    g = gaps(p)["H5"]
    assert (g["amount"], g["unit"]) == (30, "万元")
    assert assess(with_year(p, 2025, rd_total=70, rd_domestic=70)).conditions["H5"].status == "pass"


def test_h5_short_rounds_up_to_cent():
    # sales 3 × 3333.33 = 9999.99 → need 499.9995; have 400 → 99.9995 → 100.00
    p = good_profile()
    for y in (2023, 2024, 2025):
        p = with_year(p, y, sales="3333.33", total_income="3333.33", hightech_income=2000)
    p = series("rd_total", (100, 150, 150), p)
    p = series("rd_domestic", (100, 150, 150), p)
    g = gaps(p)["H5"]
    assert g["amount"] == 100
    assert assess(with_year(p, 2025, rd_total=250, rd_domestic=250)).conditions["H5"].status == "pass"


def test_h6_domestic():
    # each year rd 100, domestic 50: total 300 / 150; x = (6·300 − 10·150)/4 = 75
    p = series("rd_total", (100, 100, 100), series("rd_domestic", (50, 50, 50)))
    g = gaps(p)["H6"]
    assert (g["amount"], g["unit"]) == (75, "万元")
    p2 = with_year(p, 2025, rd_total=175, rd_domestic=125)
    assert assess(p2).conditions["H6"].status == "pass"  # 225 / 375 = 0.6


def test_h7_hightech():
    p = with_year(good_profile(), 2025, sales=1000, total_income=1000, hightech_income=500)
    g = gaps(p)["H7"]
    assert (g["amount"], g["unit"]) == (100, "万元")
    assert "250" in g["explain"]  # new HT income alone: (6000 − 5000)/4 = 250


@pytest.mark.parametrize(
    "ip, amount",
    [
        ((), 1),
        ((IPItem("design"),), 2),  # 1 → 3 for 3–4
        ((IPItem("design"),) * 2, 1),
        ((IPItem("design"),) * 4, 1),  # 4 → 5 for 5–6
        ((IPItem("design"),) * 5, 1),  # then one Class I
    ],
)
def test_ip_quantity(ip, amount):
    g = gaps(good_profile(ip=ip))["ip_quantity"]
    assert (g["amount"], g["unit"]) == (amount, "项")


def test_no_quantity_gap_with_class_i():
    assert "ip_quantity" not in gaps(good_profile())


def test_h2_gap():
    g = gaps(good_profile(ip=(IPItem("utility_model", core=True, used_in_hnte=True),)))["H2"]
    assert (g["amount"], g["unit"]) == (1, "项")


def test_conversion_next_band():
    g = gaps(good_profile(conversions={2023: 3, 2024: 3, 2025: 3}))["conversion"]
    assert (g["amount"], g["unit"]) == (4, "次/年")
    assert "再增加3项" in g["explain"]
    assert "conversion" not in gaps(good_profile())


def test_rd_management_pieces():
    have = frozenset({"rules", "accounting", "rd_unit"})
    got = {c for c in gaps(good_profile(rd_management=have)) if c.startswith("rd_management.")}
    assert got == {
        "rd_management." + k
        for k in (
            "ledger",
            "cooperation",
            "conversion_rules",
            "open_platform",
            "training",
            "skills",
            "recruitment",
            "performance_reward",
        )
    }
    assert "研发费用辅助账" in gaps(good_profile(rd_management=have))["rd_management.ledger"]["what"]


def test_growth_gap():
    # sales 1000, 1200, 1400: ½(1.2 + 1.1667) − 1 = 0.1833 → 5–6; for 0.25:
    # V3 ≥ 1200 × (2.5 − 1.2) = 1560 → +160
    p = series("sales", (1000, 1200, 1400))
    p = series("total_income", (1000, 1200, 1400), p)
    g = gaps(p)["growth_sales"]
    assert (g["amount"], g["unit"]) == (160, "万元")
    p2 = series("sales", (1000, 1200, 1560), p)
    p2 = series("total_income", (1000, 1200, 1560), p2)
    assert assess(p2).items["growth_sales"] == (7, 8)


def test_growth_gap_flat():
    g = gaps(series("net_assets", (100, 100, 100)))["growth_net_assets"]
    assert g["amount"] == 0.01


def test_h8_gap_and_tsme_gap():
    p = good_profile(conversions={}, rd_management=frozenset())
    g = gaps(p)
    assert "H8" in g and "还差" in g["H8"]["what"]
    p = with_year(good_profile(), 2025, staff=600, tech_staff=100)
    assert "tsme" in gaps(p)


def test_h4_no_staff_and_fractional_averages():
    from decimal import Decimal

    from pipeline.criteria.gaps import staff_to_hire

    assert staff_to_hire(0, 0) == 1
    assert staff_to_hire(100, 10) == 0
    # monthly averages may be fractional: 100.5 staff, 9.5 tech → need 5.5 → 1 hire
    # (10.5·10 = 105 ≥ 101.5), 0 hires fails (95 < 100.5)
    assert staff_to_hire(Decimal("100.5"), Decimal("9.5")) == 1
    assert staff_to_hire(Decimal("100.5"), Decimal("9")) == 2  # need 10.5 → 2


def test_assessment_is_dataclass():
    import dataclasses

    a = assess(good_profile())
    assert dataclasses.is_dataclass(a)
    assert a.rules_version == "hnte-2016/tsme-2017"
    assert a.conditions["H1"].explain.startswith("注册成立")
