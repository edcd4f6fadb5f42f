"""Each reminder rule with a fixed ``today``: the day before its window, the first day, the day after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipeline.reminders import rules
from pipeline.reminders.rules import (
    BatchFacts,
    FirmFacts,
    MilestoneFacts,
    Thresholds,
    annual_report_rule,
    batch_rules,
    cert_expiry_rule,
    milestone_rules,
    stage_stuck_rule,
    stale_data_rule,
    tsme_update_rule,
)

TH = Thresholds()
D = timedelta(days=1)


def firm(**kw) -> FirmFacts:
    base = dict(id=1, name="连云港测试科技有限公司", county_id=7, stage="coaching")
    return FirmFacts(**{**base, **kw})


def ms(due: date, owner="firm", status="todo") -> MilestoneFacts:
    return MilestoneFacts(id=11, firm_id=1, title="申请发明专利", due=due, owner=owner, status=status)


def one(hits):
    assert len(hits) == 1, hits
    return hits[0]


# ------------------------------------------------------------------ milestones

DUE = date(2026, 6, 15)


@pytest.mark.parametrize(
    "today, period",
    [
        (DUE - 15 * D, None),
        (DUE - 14 * D, "d14"),
        (DUE - 13 * D, "d14"),
        (DUE - 4 * D, "d14"),
        (DUE - 3 * D, "d3"),
        (DUE - 2 * D, "d3"),
        (DUE, "d3"),
    ],
)
def test_milestone_due_windows(today, period):
    hits = milestone_rules(ms(DUE), firm(), today, TH)
    if period is None:
        assert hits == []
    else:
        h = one(hits)
        assert (h.rule, h.period, h.audience) == ("milestone_due", f"{period}:{DUE.isoformat()}", "firm")
        assert "2026年6月15日" in h.body and h.anchor == "ms-11"
        assert (
            rules.link_for(1, h.anchor, True) == "/portal/#ms-11"
            and rules.link_for(1, h.anchor, False) == "/firms/1#ms-11"
        )


def test_milestone_overdue_from_the_day_after_and_goes_to_both():
    assert one(milestone_rules(ms(DUE), firm(), DUE, TH)).rule == "milestone_due"
    for today in (DUE + D, DUE + 2 * D, DUE + 40 * D):
        h = one(milestone_rules(ms(DUE), firm(), today, TH))
        assert (h.rule, h.period, h.audience, h.urgent) == (
            "milestone_overdue",
            "overdue:2026-06-15",
            "both",
            True,
        )
    assert "已逾期1天" in one(milestone_rules(ms(DUE), firm(), DUE + D, TH)).body


def test_milestone_owner_decides_audience_and_closed_milestones_are_silent():
    assert one(milestone_rules(ms(DUE, owner="officer"), firm(), DUE - 3 * D, TH)).audience == "officer"
    for status in ("done", "waived"):
        assert milestone_rules(ms(DUE, status=status), firm(), DUE + D, TH) == []
    assert milestone_rules(ms(DUE), firm(stage="exited"), DUE + D, TH) == []


def test_a_moved_due_date_is_a_new_period():
    a = one(milestone_rules(ms(DUE), firm(), DUE - 3 * D, TH))
    b = one(milestone_rules(ms(DUE + 2 * D), firm(), DUE - 1 * D, TH))
    assert a.period != b.period


# ------------------------------------------------------------------ batch cutoff

CUT = date(2026, 7, 14)
BATCH = BatchFacts("2026-3", CUT)


@pytest.mark.parametrize(
    "today, mark",
    [
        (CUT - 31 * D, None),
        (CUT - 30 * D, 30),
        (CUT - 29 * D, 30),
        (CUT - 8 * D, 30),
        (CUT - 7 * D, 7),
        (CUT - 6 * D, 7),
        (CUT, 7),
        (CUT + D, None),
    ],
)
def test_batch_cutoff_windows(today, mark):
    hits = batch_rules(firm(), BATCH, today, TH)
    if mark is None:
        assert hits == []
    else:
        h = one(hits)
        assert h.period == f"2026-3:d{mark}:2026-07-14" and h.audience == "both"
        assert "2026-3" in h.title and "2026年7月14日" in h.body


def test_batch_cutoff_skips_firms_that_applied_or_left():
    for stage in ("applied", "certified", "exited", "failed"):
        assert batch_rules(firm(stage=stage), BATCH, CUT - 7 * D, TH) == []


# ------------------------------------------------------------------ 年报

CERTIFIED = dict(stage="certified", hnte_cert_date=date(2024, 12, 2), hnte_cert_expiry=date(2027, 12, 1))


@pytest.mark.parametrize(
    "today, fires",
    [
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), True),
        (date(2026, 5, 2), True),
        # 2026-05-31 is a Sunday: the real deadline is Monday 1 June
        (date(2026, 5, 31), True),
        (date(2026, 6, 1), True),
        (date(2026, 6, 2), False),
    ],
)
def test_annual_report_window_and_holiday_deadline(today, fires):
    hits = annual_report_rule(firm(**CERTIFIED), today, TH)
    assert bool(hits) is fires
    if fires:
        h = one(hits)
        assert h.period == "2026" and h.due_on == date(2026, 6, 1)
        assert "2026年6月1日（2026年5月31日为节假日，顺延至下一工作日）" in h.body
        assert "2025年度" in h.title


def test_annual_report_uses_china_holidays_not_just_weekends():
    # 2025-05-31 to 06-02 was the Dragon Boat holiday (a Saturday to a Monday): due Tuesday 3 June
    cert = dict(stage="certified", hnte_cert_date=date(2023, 11, 6), hnte_cert_expiry=date(2026, 11, 5))
    assert one(annual_report_rule(firm(**cert), date(2025, 6, 3), TH)).due_on == date(2025, 6, 3)
    assert annual_report_rule(firm(**cert), date(2025, 6, 4), TH) == []


def test_annual_report_only_in_years_after_certification_while_valid():
    assert (
        annual_report_rule(
            firm(stage="certified", hnte_cert_date=date(2026, 1, 10), hnte_cert_expiry=date(2029, 1, 9)),
            date(2026, 5, 10),
            TH,
        )
        == []
    )
    assert (
        annual_report_rule(
            firm(stage="coaching", hnte_cert_date=date(2022, 10, 1), hnte_cert_expiry=date(2025, 9, 30)),
            date(2026, 5, 10),
            TH,
        )
        == []
    )
    # the expiry year still reports the year before
    assert annual_report_rule(
        firm(stage="certified", hnte_cert_date=date(2023, 10, 1), hnte_cert_expiry=date(2026, 9, 30)),
        date(2026, 5, 10),
        TH,
    )
    assert annual_report_rule(firm(), date(2026, 5, 10), TH) == []


# ------------------------------------------------------------------ certificate expiry

EXP = date(2027, 9, 15)


@pytest.mark.parametrize(
    "today, mark",
    [
        (date(2026, 9, 14), None),
        (date(2026, 9, 15), 12),
        (date(2026, 9, 16), 12),
        (date(2027, 3, 14), 12),
        (date(2027, 3, 15), 6),
        (date(2027, 3, 16), 6),
        (date(2027, 6, 14), 6),
        (date(2027, 6, 15), 3),
        (date(2027, 6, 16), 3),
        (EXP, 3),
        (EXP + D, None),
    ],
)
def test_certificate_expiry_12_6_3_months(today, mark):
    hits = cert_expiry_rule(
        firm(stage="certified", hnte_cert_date=date(2024, 9, 16), hnte_cert_expiry=EXP), today, TH
    )
    if mark is None:
        assert hits == []
    else:
        h = one(hits)
        assert h.period == f"m{mark}:2027-09-15"
        assert "2027年按认定条件重新申报" in h.body


# ------------------------------------------------------------------ tech-SME update

TSME = dict(tsme_reg_no="2025320700A0001234", tsme_year=2025)


@pytest.mark.parametrize(
    "today, fires",
    [
        (date(2026, 2, 28), False),
        (date(2026, 3, 1), True),
        (date(2026, 3, 2), True),
        (date(2026, 3, 30), True),
        (date(2026, 3, 31), True),
        (date(2026, 4, 1), False),
    ],
)
def test_tsme_update_by_end_of_march(today, fires):
    hits = tsme_update_rule(firm(**TSME), today, TH)
    assert bool(hits) is fires
    if fires:
        assert one(hits).due_on == date(2026, 3, 31) and one(hits).period == "2026"


def test_tsme_deadline_on_a_sunday_moves_to_monday():
    # 2024-03-31 was a Sunday
    f = firm(tsme_reg_no="X", tsme_year=2023)
    h = one(tsme_update_rule(f, date(2024, 4, 1), TH))
    assert h.due_on == date(2024, 4, 1) and "顺延" in h.body
    assert tsme_update_rule(f, date(2024, 4, 2), TH) == []


def test_tsme_update_skips_firms_done_this_year_or_not_registered():
    assert tsme_update_rule(firm(tsme_reg_no="X", tsme_year=2026), date(2026, 3, 10), TH) == []
    assert tsme_update_rule(firm(), date(2026, 3, 10), TH) == []


# ------------------------------------------------------------------ stale data


@pytest.mark.parametrize(
    "today, fires",
    [
        (date(2026, 3, 31), False),
        (date(2026, 4, 1), True),
        (date(2026, 4, 2), True),
    ],
)
def test_stale_data_from_april(today, fires):
    hits = stale_data_rule(firm(has_last_year_figures=False), today, TH)
    assert bool(hits) is fires
    if fires:
        assert one(hits).period == "2025" and "2025年度" in one(hits).title
    assert stale_data_rule(firm(has_last_year_figures=True), today, TH) == []


# ------------------------------------------------------------------ stage stuck

CHANGED = date(2026, 1, 10)


@pytest.mark.parametrize("days, fires", [(180, False), (181, True), (182, True)])
def test_stage_stuck_after_n_days(days, fires):
    f = firm(stage="coaching", stage_changed_on=CHANGED, stage_label="辅导中")
    hits = stage_stuck_rule(f, CHANGED + days * D, TH)
    assert bool(hits) is fires
    if fires:
        h = one(hits)
        assert h.audience == "officer" and h.period == "coaching:2026-01-10" and "辅导中" in h.body
    for stage in ("certified", "exited", "failed"):
        assert stage_stuck_rule(firm(stage=stage, stage_changed_on=CHANGED), CHANGED + 400 * D, TH) == []


# ------------------------------------------------------------------ settings and calendar


def test_thresholds_come_from_settings_and_bad_values_fall_back():
    th = Thresholds.from_settings(
        {
            "reminders.milestone_days": [5, 20],
            "reminders.stage_stuck_days": 30,
            "reminders.batch_days": "x",
            "reminders.annual_report_due": [2, 30],
        }
    )
    assert th.milestone_days == (20, 5) and th.stage_stuck_days == 30
    assert th.batch_days == (30, 7) and th.annual_report_due == (5, 31)
    assert one(milestone_rules(ms(DUE), firm(), DUE - 20 * D, th)).period.startswith("d20:")
    assert milestone_rules(ms(DUE), firm(), DUE - 21 * D, th) == []


def test_working_days_fall_back_to_weekdays_beyond_the_calendar_data():
    # chinese_calendar ships data for a limited range of years; far years use Monday-Friday
    far = date(2099, 5, 31)  # a Sunday
    assert rules.next_workday(far) == date(2099, 6, 1)
    assert rules.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)  # National Day: 1-7 October


def test_evaluate_runs_every_rule_over_plain_data():
    f1 = firm(id=1, has_last_year_figures=False)
    f2 = firm(id=2, **CERTIFIED)
    inputs = rules.Inputs(
        firms=[f1, f2],
        milestones=[ms(date(2026, 5, 12))],
        batches=[BatchFacts("2026-2", date(2026, 6, 9))],
        target_batch={1: "2026-2"},
    )
    got = sorted((h.rule, h.firm_id) for h in rules.evaluate(inputs, date(2026, 5, 10)))
    assert got == [("annual_report", 2), ("batch_cutoff", 1), ("milestone_due", 1), ("stale_data", 1)]
