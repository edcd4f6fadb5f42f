"""H1..H10 and the verdict, both sides of every boundary, values worked out by hand."""

from datetime import date
from decimal import Decimal as D

import pytest

from pipeline.criteria import IPItem, assess
from tests.criteria.helpers import INVENTION, fig, good_profile, replace, series, with_year


def status(p, cid):
    return assess(p).conditions[cid].status


def test_good_profile_is_ready():
    a = assess(good_profile())
    assert a.verdict == "ready"
    assert {k: c.status for k, c in a.conditions.items()} == {f"H{i}": "pass" for i in range(1, 11)}


# ---------------------------------------------------------------- H1 365 days


@pytest.mark.parametrize(
    "reg, app, days, expected",
    [
        (date(2025, 6, 15), date(2026, 6, 15), 365, "pass"),
        (date(2025, 6, 16), date(2026, 6, 15), 364, "fail"),
        # leap years: 2024-02-29 lies inside, so 365 days end one calendar day early
        (date(2023, 6, 15), date(2024, 6, 14), 365, "pass"),
        (date(2023, 6, 16), date(2024, 6, 14), 364, "fail"),
        (date(2023, 3, 1), date(2024, 2, 29), 365, "pass"),
        (date(2024, 2, 29), date(2025, 2, 28), 365, "pass"),
        (date(2024, 3, 1), date(2025, 2, 28), 364, "fail"),
    ],
)
def test_h1_boundary(reg, app, days, expected):
    assert (app - reg).days == days
    c = assess(good_profile(registered_on=reg, application_date=app)).conditions["H1"]
    assert c.status == expected
    assert c.required == 1


def test_h1_value_is_years_two_decimals():
    # 2021-03-10 → 2026-06-15 is 1923 days; 1923 / 365.25 = 5.2649 → 5.26
    c = assess(good_profile(registered_on=date(2021, 3, 10))).conditions["H1"]
    assert c.value == 5.26
    assert "第十一条（一）" in c.explain


# ---------------------------------------------------------------- H2 IP


@pytest.mark.parametrize(
    "ip, expected, count",
    [
        ((), "fail", 0),
        ((INVENTION,), "pass", 1),
        ((IPItem("invention_patent", status="filed", core=True),), "fail", 0),
        ((IPItem("invention_patent", core=False),), "fail", 0),
        ((IPItem("utility_model", core=True, used_in_hnte=True),), "fail", 0),  # Class II used once
        ((IPItem("software_copyright", core=True, used_in_hnte=True),), "fail", 0),
        ((IPItem("invention_patent", core=True, used_in_hnte=True),), "pass", 1),  # Class I reusable
        ((IPItem("ic_layout", acquired="transferred", core=True),), "pass", 1),
        ((IPItem("design", core=True), IPItem("utility_model", core=True)), "pass", 2),
    ],
)
def test_h2(ip, expected, count):
    c = assess(good_profile(ip=ip)).conditions["H2"]
    assert (c.status, c.value, c.required) == (expected, count, 1)


# ---------------------------------------------------------------- H3 domain


@pytest.mark.parametrize(
    "code, expected",
    [
        ("10101", "pass"),
        ("101", "pass"),
        ("10", "pass"),
        ("80", "pass"),
        ("80902", "pass"),
        ("10112", "pass"),
        ("504", "pass"),
        ("10999", "fail"),
        ("109", "fail"),
        ("90", "fail"),
        ("10113", "fail"),
        ("50401", "fail"),
        ("1010", "fail"),
        ("x", "fail"),
        ("", "missing"),
        (None, "missing"),
    ],
)
def test_h3(code, expected):
    assert status(good_profile(tech_domain=code), "H3") == expected


# ---------------------------------------------------------------- H4 staff 10 %


@pytest.mark.parametrize(
    "staff, tech, expected, value",
    [
        (100, 10, "pass", 0.1),
        (100, 9, "fail", 0.09),
        (30, 3, "pass", 0.1),
        (31, 3, "fail", 0.0968),
        (7, 1, "pass", 0.1429),
        (100, 0, "fail", 0.0),
    ],
)
def test_h4_boundary(staff, tech, expected, value):
    c = assess(with_year(good_profile(), 2025, staff=staff, tech_staff=tech)).conditions["H4"]
    assert (c.status, c.value, c.required) == (expected, value, 0.1)


def test_h4_only_last_year_counts():
    p = with_year(good_profile(), 2023, staff=100, tech_staff=1)
    assert status(p, "H4") == "pass"


def test_h4_missing_without_last_year_staff():
    assert status(with_year(good_profile(), 2025, staff=None), "H4") == "missing"
    years = dict(good_profile().years)
    del years[2025]
    assert status(good_profile(years=years), "H4") == "missing"


# ---------------------------------------------------------------- H5 R&D ratio and bands


def rd_profile(sales, rds, **kw):
    p = good_profile(**kw)
    for i, (s, r) in enumerate(zip(sales, rds, strict=False)):
        p = with_year(
            p,
            2023 + i,
            sales=s,
            total_income=s,
            hightech_income=D(str(s)) * D("0.8"),
            rd_total=r,
            rd_domestic=r,
        )
    return p


@pytest.mark.parametrize(
    "sales, rds, expected, required",
    [
        # last-year sales 5000 (inclusive) → 5 %
        ((5000, 5000, 5000), (250, 250, 250), "pass", 0.05),
        ((5000, 5000, 5000), (250, 250, "249.99"), "fail", 0.05),
        ((5000, 5000, 5000), (225, 225, 225), "fail", 0.05),  # 4.5 % fails at 5 %
        ((5000, 5000, "5000.01"), (225, 225, 225), "pass", 0.04),  # … passes at 4 %
        # 4 % band, exact
        ((10000, 10000, 10000), (400, 400, 400), "pass", 0.04),
        ((10000, 10000, 10000), (400, 400, "399.99"), "fail", 0.04),
        # last-year sales 20000 (inclusive) → 4 %; above → 3 %
        ((20000, 20000, 20000), (700, 700, 700), "fail", 0.04),  # 3.5 %
        ((20000, 20000, "20000.01"), (700, 700, 700), "pass", 0.03),
        ((30000, 30000, 30000), (900, 900, 900), "pass", 0.03),
        ((30000, 30000, 30000), (900, 900, "899.99"), "fail", 0.03),
        # the window is summed, not averaged: last year alone is 2.5 %, window 400/10000 = 4 %
        ((1000, 1000, 8000), (100, 100, 200), "pass", 0.04),
    ],
)
def test_h5_bands(sales, rds, expected, required):
    c = assess(rd_profile(sales, rds)).conditions["H5"]
    assert (c.status, c.required) == (expected, required)


def test_h5_value_rounded_to_four_places():
    # 550 / 10700 = 0.051401…
    c = assess(rd_profile((3000, 3500, 4200), (160, 180, 210))).conditions["H5"]
    assert (c.status, c.value) == ("pass", 0.0514)


def test_h5_uses_operated_years_only():
    # registered 2025-01-01: only FY2025 counts (经营不满三年按实际经营时间)
    p = good_profile(
        registered_on=date(2025, 1, 1),
        years={2025: fig(sales=1000, rd_total=50, rd_domestic=50)},
        conversions={},
    )
    c = assess(p).conditions["H5"]
    assert (c.status, c.value) == ("pass", 0.05)
    p = good_profile(
        registered_on=date(2025, 1, 1), years={2025: fig(sales=1000, rd_total="49.99", rd_domestic="49.99")}
    )
    assert status(p, "H5") == "fail"


def test_h5_missing_year_is_missing():
    years = dict(good_profile().years)
    del years[2024]
    a = assess(good_profile(years=years))
    assert a.conditions["H5"].status == "missing"
    assert a.conditions["H6"].status == "missing"
    assert a.verdict == "incomplete"


def test_h5_ignores_years_outside_window():
    p = good_profile()
    years = dict(p.years)
    years[2022] = fig(sales=1000, rd_total=0, rd_domestic=0)
    years[2026] = fig(sales=1000, rd_total=0, rd_domestic=0)
    assert assess(replace(p, years=years)).to_dict() == assess(p).to_dict()


# ---------------------------------------------------------------- H6 domestic 60 %


@pytest.mark.parametrize(
    "dom, expected, value",
    [
        ((60, 60, 60), "pass", 0.6),
        ((60, 60, "59.99"), "fail", 0.5999),  # 179.99/300 = 0.59997: rounded toward the verdict (i14)
        ((100, 100, 0), "pass", 0.6667),
        ((0, 0, 100), "fail", 0.3333),
    ],
)
def test_h6(dom, expected, value):
    p = good_profile()
    for i, d in enumerate(dom):
        p = with_year(p, 2023 + i, rd_total=100, rd_domestic=d, sales=1000)
    c = assess(p).conditions["H6"]
    assert (c.status, c.value, c.required) == (expected, value, 0.6)


def test_h6_domestic_defaults_to_total():
    p = good_profile()
    for y in (2023, 2024, 2025):
        p = with_year(p, y, rd_domestic=None)
    assert assess(p).conditions["H6"].value == 1.0


# ---------------------------------------------------------------- H7 high-tech income 60 %


@pytest.mark.parametrize(
    "ht, income, expected, value",
    [
        (600, 1000, "pass", 0.6),
        ("599.99", 1000, "fail", 0.5999),
        (600, 1100, "fail", 0.5455),
        (1000, 1000, "pass", 1.0),
    ],
)
def test_h7(ht, income, expected, value):
    p = with_year(good_profile(), 2025, hightech_income=ht, total_income=income, sales=1000)
    c = assess(p).conditions["H7"]
    assert (c.status, c.value, c.required) == (expected, value, 0.6)


def test_h7_total_income_defaults_to_sales():
    p = with_year(good_profile(), 2025, sales=1000, total_income=None, hightech_income=600)
    assert assess(p).conditions["H7"].status == "pass"
    p = with_year(good_profile(), 2025, sales=1001, total_income=None, hightech_income=600)
    assert assess(p).conditions["H7"].status == "fail"


def test_h7_missing():
    assert status(with_year(good_profile(), 2025, hightech_income=None), "H7") == "missing"


# ---------------------------------------------------------------- H8 score ≥ 71


def scored(conv, rdm, growth_sales, growth_na=(100, 100, 100), grades=("A", "A"), standards=False):
    p = good_profile(
        conversions=dict(zip((2023, 2024, 2025), conv, strict=False)),
        rd_management=frozenset(rdm),
        grades={"tech_advancement": grades[0], "core_support": grades[1]},
        standards=standards,
    )
    p = series("sales", growth_sales, p)
    p = series("total_income", growth_sales, p)
    p = series("hightech_income", [D(str(s)) for s in growth_sales], p)
    return series("net_assets", growth_na, p)


ALL = (
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
)


def test_h8_min_exactly_71_passes():
    # ip: A,A 7–8 ×2, invention 7–8, own 1–6 → 22–30; conversion 3/yr 13–18; rdm 20;
    # net assets 100,135,182.25 → 0.35 → 9–10; sales 100,125,156.25 → 0.25 → 7–8.
    # min 22+13+20+9+7 = 71, max 30+18+20+10+8 = 86.
    p = scored((3, 3, 3), ALL, (100, 125, "156.25"), growth_na=(100, 135, "182.25"))
    a = assess(p)
    assert (a.score_min, a.score_max) == (71, 86)
    c = a.conditions["H8"]
    assert (c.status, c.value, c.required) == ("pass", 71, 71)


def test_h8_min_70_is_uncertain():
    p = scored((3, 3, 3), set(ALL) - {"training"}, (100, 125, "156.25"), growth_na=(100, 135, "182.25"))
    a = assess(p)
    assert (a.score_min, a.score_max) == (70, 85)
    assert a.conditions["H8"].status == "uncertain"
    assert a.verdict == "marginal"


def test_h8_max_70_fails_and_71_is_uncertain():
    # grades B,A: ip 5+7+7+1 = 20 .. 6+8+8+6 = 28; conversion 13–18; rdm 20;
    # net assets flat → 0; sales 100,105,110.25 → exactly 0.05 → 3–4.  56–70.
    p = scored((3, 3, 3), ALL, (100, 105, "110.25"), grades=("B", "A"))
    a = assess(p)
    assert (a.score_min, a.score_max) == (56, 70)
    assert a.conditions["H8"].status == "fail"
    # grades A,A + standards: ip 23 .. 32 capped at 30; conv 13–18; rdm 19;
    # net assets and sales 100,100,100.01 → 0.00005 > 0 → 1–2 each.  57–71.
    p = scored(
        (3, 3, 3),
        set(ALL) - {"training"},
        (100, 100, "100.01"),
        growth_na=(100, 100, "100.01"),
        standards=True,
    )
    a = assess(p)
    assert (a.score_min, a.score_max) == (57, 71)
    assert a.conditions["H8"].status == "uncertain"


# ---------------------------------------------------------------- H9 / H10


def test_h9_h10():
    a = assess(good_profile(incident_within_year=True))
    assert a.conditions["H9"].status == "fail" and a.verdict == "not_ready"
    a = assess(good_profile(revoked_this_year=True))
    assert a.conditions["H10"].status == "fail" and a.verdict == "not_ready"


# ---------------------------------------------------------------- verdict precedence


def test_verdict_precedence():
    fail = dict(incident_within_year=True)
    missing = dict(tech_domain=None)
    uncertain = dict(grades={})  # grades unknown → ip 9–30 …
    base = good_profile(conversions={2023: 4, 2024: 4, 2025: 4})  # … conversion 19–24
    a = assess(replace(base, **uncertain))
    # ip 0+0+7+1+1 = 9 .. 30; conv 19–24; rdm 20; growth 18–20 → 66–94
    assert (a.score_min, a.score_max) == (66, 94)
    assert a.verdict == "marginal"
    assert assess(replace(base, **uncertain, **missing)).verdict == "incomplete"
    assert assess(replace(base, **uncertain, **missing, **fail)).verdict == "not_ready"
    assert assess(replace(base, **missing)).verdict == "incomplete"
    assert assess(replace(base, **fail)).verdict == "not_ready"
    assert assess(base).verdict == "ready"
