"""科技型中小企业 evaluation (国科发政〔2017〕115号), boundaries by hand."""

from datetime import date

import pytest

from pipeline.criteria import IPItem, TsmeFlags, assess
from tests.criteria.helpers import good_profile, with_year


def tsme(p):
    return assess(p).tsme


def last(**kw):
    return with_year(good_profile(), 2025, **kw)


@pytest.mark.parametrize(
    "tech, points",
    [
        (30, 20),
        (29, 16),
        (25, 16),
        (24, 12),
        (20, 12),
        (19, 8),
        (15, 8),
        (14, 4),
        (10, 4),
        (9, 0),
        (0, 0),
    ],
)
def test_staff_points(tech, points):
    t = tsme(last(staff=100, tech_staff=tech))
    assert t.items["staff"] == points
    assert t.conditions["staff_nonzero"] == ("pass" if points else "fail")


def test_staff_uses_tsme_count():
    assert tsme(last(staff=100, tech_staff=5, tech_staff_tsme=30)).items["staff"] == 20


@pytest.mark.parametrize(
    "rd, points",
    [
        (60, 50),
        ("59.99", 40),
        (50, 40),
        ("49.99", 30),
        (40, 30),
        (30, 20),
        (20, 10),
        ("19.99", 0),
        (0, 0),
    ],
)
def test_rd_over_sales(rd, points):
    # total_cost huge so option (b) scores 0 (rd/cost < 10 %)
    t = tsme(
        last(
            sales=1000, total_income=1000, hightech_income=800, rd_total=rd, rd_domestic=rd, total_cost=100000
        )
    )
    assert t.items["rd"] == points


@pytest.mark.parametrize(
    "rd, points",
    [
        (300, 50),
        ("299.99", 40),
        (250, 40),
        (200, 30),
        (150, 20),
        (100, 10),
        ("99.99", 0),
    ],
)
def test_rd_over_cost(rd, points):
    # sales huge so option (a) scores 0 (rd/sales < 2 %)
    t = tsme(
        last(
            sales=100000,
            total_income=100000,
            hightech_income=80000,
            rd_total=rd,
            rd_domestic=rd,
            total_cost=1000,
        )
    )
    assert t.items["rd"] == points


def test_rd_takes_better_option_and_deductible_caliber():
    # a: 300/10000 = 3 % → 20; b: 300/1000 = 30 % → 50
    t = tsme(
        last(
            sales=10000,
            total_income=10000,
            hightech_income=8000,
            rd_total=300,
            rd_domestic=300,
            total_cost=1000,
        )
    )
    assert t.items["rd"] == 50
    # rd_deductible replaces rd_total for the tech-SME score: 20/1000 = 2 % → 10
    t = tsme(last(sales=1000, rd_total=100, rd_domestic=100, rd_deductible=20, total_cost=100000))
    assert t.items["rd"] == 10


def cii(n, **kw):
    return tuple(IPItem("software_copyright", **kw) for _ in range(n))


@pytest.mark.parametrize(
    "ip, points",
    [
        ((IPItem("invention_patent"),), 30),
        (cii(4), 24),
        (cii(7), 24),
        (cii(3), 18),
        (cii(2), 12),
        (cii(1), 6),
        ((), 0),
        (cii(2, used_in_hnte=True), 12),  # Class II used for HNTE still counts here
        (cii(2, related=False), 0),  # only IP related to the main products
        ((IPItem("invention_patent", related=False),) + cii(1), 6),
        (cii(3, status="filed"), 0),
    ],
)
def test_ip_points(ip, points):
    assert tsme(good_profile(ip=ip)).items["ip"] == points


@pytest.mark.parametrize(
    "kw, size",
    [
        (dict(staff=500, tech_staff=100), "pass"),
        (dict(staff=501, tech_staff=100), "fail"),
        (dict(sales=20000, total_income=20000, hightech_income=16000), "pass"),
        (dict(sales="20000.01", total_income="20000.01", hightech_income=16000), "fail"),
        (dict(total_assets=20000), "pass"),
        (dict(total_assets="20000.01"), "fail"),
        (dict(total_assets=None), "missing"),
    ],
)
def test_size(kw, size):
    t = tsme(last(**kw))
    assert t.conditions["size"] == size
    if size != "pass":
        assert t.eligible is False


def test_score_exactly_60_is_eligible():
    # staff 20 % → 12; rd 40/1000 = 4 % of sales → 30; ip 3 Class II → 18; total 60
    p = with_year(
        good_profile(ip=cii(3)),
        2025,
        staff=100,
        tech_staff=20,
        sales=1000,
        total_income=1000,
        hightech_income=800,
        rd_total=40,
        rd_domestic=40,
        total_cost=100000,
    )
    t = tsme(p)
    assert (t.score, t.eligible, t.direct) == (60, True, False)
    p = with_year(p, 2025, rd_total="39.99", rd_domestic="39.99")  # rd → 20, score 50
    t = tsme(p)
    assert (t.score, t.conditions["score"], t.eligible) == (50, "fail", False)


def test_staff_score_zero_blocks_unless_direct():
    p = with_year(good_profile(), 2025, staff=100, tech_staff=9)  # staff 0, rd 50, ip 30 → 80
    t = tsme(p)
    assert (t.score, t.eligible) == (80, False)
    for route in ("hnte_valid", "national_award_5y", "provincial_rd_institution", "led_standard_5y"):
        t = tsme(good_profile(tsme=TsmeFlags(**{route: True}), ip=(), years={**p.years}))
        assert (t.eligible, t.direct) == (True, True), route


def test_basic_conditions_block_even_direct():
    for kw in (
        dict(restricted_industry=True),
        dict(listed_dishonest=True),
        dict(incident_prev_or_this_year=True),
    ):
        t = tsme(good_profile(tsme=TsmeFlags(hnte_valid=True, **kw)))
        assert t.eligible is False, kw


def test_incident_falls_back_to_hnte_flag():
    t = tsme(good_profile(incident_within_year=True))
    assert t.conditions["no_incident"] == "fail" and not t.eligible
    t = tsme(good_profile(incident_within_year=True, tsme=TsmeFlags(incident_prev_or_this_year=False)))
    assert t.conditions["no_incident"] == "pass" and t.eligible


def test_null_without_last_year():
    years = dict(good_profile().years)
    del years[2025]
    assert assess(good_profile(years=years)).to_dict()["tsme"] is None
    assert assess(good_profile(registered_on=date(2026, 1, 2), years={})).tsme is None


def test_good_profile_values():
    # staff 20 % → 12; rd 196/1960 = 10 % → 50; invention → 30
    assert tsme(good_profile()).to_dict() == {
        "eligible": True,
        "direct": False,
        "score": 92,
        "items": {"staff": 12, "rd": 50, "ip": 30},
        "conditions": {"size": "pass", "score": "pass", "staff_nonzero": "pass", "no_incident": "pass"},
    }
