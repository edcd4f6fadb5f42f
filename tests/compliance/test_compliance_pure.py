"""Issue 16, the pure watch: constructed firms whose answer is worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from pipeline import compliance as C

TODAY = date(2026, 7, 1)


def fy(year, sales, rd, ht=None, staff=50, tech=8, est=False):
    return C.YearFigures(
        year, D(sales), None, D(ht if ht is not None else sales * 7 // 10), D(rd), staff, tech, est
    )


def test_rolling_rd_ratio_drops_below_band_with_the_amount_to_invest():
    # 2024–2026 sales 4500 + 4800 + 5200 = 14500; 2026 sales > 5000万 → 4% band; R&D 160+170+192 = 522
    # 522 / 14500 = 3.6%; 4% × 14500 = 580 → 58万 more in 2026 (the open year).
    years = {2024: fy(2024, 4500, 160), 2025: fy(2025, 4800, 170), 2026: fy(2026, 5200, 192, est=True)}
    r = C.watch(
        C.WatchInput(1, date(2024, 11, 1), date(2027, 10, 31), years, (), {2025: None, 2026: None}), TODAY
    )
    assert r.status == C.AT_RISK and r.codes == (C.RD_RATIO,)
    assert r.summary() == "2024–2026年研发费用占比3.6%，低于4%；2026年需再投入约58万元"
    assert (r.rd_ratio, r.rd_band, r.rd_shortfall) == (D("0.0360"), 4, D(58))


def test_a_closed_latest_year_plans_this_years_rd_at_last_years_sales():
    # 2023–2025: 100+100+100 / 3×3000 = 3.3% < 5%. This year's window 2024–2026 at 2026 sales = 3000:
    # 5% × 9000 = 450 − (100 + 100) = 250万.
    years = {y: fy(y, 3000, 100) for y in (2023, 2024, 2025)}
    r = C.watch(
        C.WatchInput(
            1, date(2023, 11, 1), date(2026, 10, 31), years, (), {2024: None, 2025: None, 2026: None}
        ),
        TODAY,
    )
    assert r.rd_shortfall == D(250)
    assert r.summary().startswith(
        "2023–2025年研发费用占比3.3%，低于5%；2026年（按销售收入与2025年持平估算）需投入研发费用约250万元"
    )


def test_compliant_firm_and_other_conditions():
    years = {y: fy(y, 3000, 200) for y in (2023, 2024, 2025)}
    ok = C.watch(
        C.WatchInput(
            1, date(2023, 11, 1), date(2026, 10, 31), years, (), {2024: None, 2025: None, 2026: None}
        ),
        TODAY,
    )
    assert ok.status == C.OK and not ok.reasons
    years[2025] = fy(2025, 3000, 200, ht=1500, staff=60, tech=5)
    r = C.watch(
        C.WatchInput(
            1,
            date(2023, 11, 1),
            date(2026, 10, 31),
            years,
            (date(2026, 3, 1),),
            {2024: None, 2025: None, 2026: None},
        ),
        TODAY,
    )
    assert r.codes == (C.HIGHTECH, C.TECH_STAFF, C.INCIDENT)
    assert "2025年高新技术产品（服务）收入占比50.0%，低于60%；需再增加约300万元" in r.summary()
    # (5 + n) × 10 ≥ 60 + n → n ≥ 10/9 → 2 more tech staff
    assert "2025年科技人员5人/职工60人=8.3%，低于10%；需增加约2名科技人员" in r.summary()


def test_missed_annual_reports_one_is_a_risk_two_revoke():
    years = {y: fy(y, 3000, 200) for y in (2023, 2024, 2025)}
    base = C.WatchInput(1, date(2023, 11, 1), date(2026, 10, 31), years, (), {2024: date(2024, 5, 10)})
    # 2025 and 2026 passed with no record: shown as unrecorded, not counted (the status stays ok).
    r = C.watch(base, TODAY)
    assert r.reports_missed == () and r.status == C.OK
    assert "2025、2026年年报已过截止日期，尚未登记是否填报" in r.notes
    # 2026 recorded as not submitted: one missed year is a risk.
    r = C.watch(dataclasses.replace(base, not_submitted=frozenset({2026})), TODAY)
    assert r.reports_missed == (2026,) and r.codes == (C.REPORT_MISSED,)
    assert "2026年年报未按期填报；再有一年未报将被取消高企资格" in r.summary()
    # Before the 2026 deadline nothing is missed yet.
    assert (
        C.watch(dataclasses.replace(base, not_submitted=frozenset({2026})), date(2026, 5, 31)).reports_missed
        == ()
    )
    # 2025 and 2026 recorded as not submitted: two years → revocation.
    r = C.watch(dataclasses.replace(base, not_submitted=frozenset({2025, 2026})), TODAY)
    assert r.reports_missed == (2025, 2026) and r.codes == (C.REPORT_REVOCATION,)
    assert "已累计2年未按期填报年报（2025、2026年）" in r.summary()
    # A locality's earlier deadline counts: 20 May passed on 25 May.
    early = dataclasses.replace(
        base, not_submitted=frozenset({2026}), report_deadlines={2026: date(2026, 5, 20)}
    )
    assert C.watch(early, date(2026, 5, 25)).reports_missed == (2026,)


def test_cert_active_and_report_years():
    assert C.cert_active(date(2023, 11, 1), date(2026, 10, 31), date(2026, 10, 31))
    assert not C.cert_active(date(2023, 11, 1), date(2026, 10, 31), date(2026, 11, 1))  # lapsed
    assert C.report_years(date(2023, 11, 1), date(2026, 10, 31), 2026) == [2024, 2025, 2026]


@pytest.mark.parametrize("sales", ["4999.99", "5000", "5000.01", "19999.99", "20000", "20000.01"])
def test_band_agrees_with_the_core_at_every_boundary(sales):
    from pipeline.criteria import assess
    from tests.criteria import helpers as h

    p = h.good_profile()
    p = h.with_year(p, 2025, sales=sales, total_income=sales)
    assert assess(p).conditions["H5"].required == C.rd_band_pct(D(sales)) / 100


def test_tsme_cycle_and_site_checks():
    codes = [k for k, _ in C.site_check_triggers(C.SiteCheckFacts(5, 0, D("8"), False, True))]
    assert codes == ["staff_le5", "no_ip", "rd_lt10", "first"]
    assert C.site_check_triggers(C.SiteCheckFacts(30, 2, D("50"), False, False)) == []


def test_tsme_renewal_reminder_follows_the_calendar_date():
    from pipeline.reminders import rules

    firm = rules.FirmFacts(1, "科小企业", 1, "pool", tsme_reg_no="2025A", tsme_year=2025)
    th = rules.Thresholds()
    # Default: by 31 March (a Tuesday in 2026), from 1 March.
    assert rules.tsme_update_rule(firm, date(2026, 3, 20), th)[0].due_on == date(2026, 3, 31)
    # The admin's earlier local date (20 March, a Friday): due then, nothing after it.
    hit = rules.tsme_update_rule(firm, date(2026, 3, 10), th, date(2026, 3, 20))
    assert hit and hit[0].due_on == date(2026, 3, 20)
    assert rules.tsme_update_rule(firm, date(2026, 3, 21), th, date(2026, 3, 20)) == []


def test_annual_report_reminders_missed_and_unrecorded():
    from pipeline.reminders import rules

    th = rules.Thresholds()
    firm = rules.FirmFacts(
        1,
        "高企",
        1,
        "certified",
        hnte_cert_date=date(2024, 11, 1),
        hnte_cert_expiry=date(2027, 10, 31),
        reports_not_submitted=frozenset({2025}),
    )
    hits = rules.annual_report_missed_rule(firm, date(2026, 6, 2), th)
    assert [(h.rule, h.period) for h in hits] == [
        ("annual_report_missed", "2025"),
        ("annual_report_missed", "2026:unrecorded"),
    ]
    firm2 = dataclasses.replace(firm, reports_not_submitted=frozenset({2025, 2026}))
    hits = rules.annual_report_missed_rule(firm2, date(2026, 6, 2), th)
    assert [(h.rule, h.period) for h in hits][-1] == ("annual_report_revocation", "2025,2026")
    assert (
        rules.annual_report_missed_rule(firm, date(2026, 5, 29), th)[0].period == "2025"
    )  # 2026 not yet due
