"""The forecast on constructed pools whose answer is worked out by hand (no database, no app)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.forecast import (
    DEFAULT_ASSUMPTIONS,
    Assumptions,
    Band,
    FirmOutlook,
    forecast,
    forecast_with_scenarios,
)

TODAY = date(2026, 3, 1)
YEARS = [2026, 2027, 2028, 2029]


def pool():
    return [
        # A: certificate expires this year, no re-application planned -> lost at year end
        FirmOutlook(1, cert_expiry=date(2026, 11, 30)),
        # B: expires on the last day of next year -> still counted at the end of next year
        FirmOutlook(2, cert_expiry=date(2027, 12, 31)),
        # C: expires in 2028 and the roadmap re-applies in 2028 with a solid margin (80 -> 90 %)
        FirmOutlook(
            3,
            cert_expiry=date(2028, 11, 14),
            target_batch="2028-1",
            target_year=2028,
            projected_min=80,
            projected_max=86,
        ),
        # D: new, thin margin (73 -> 70 %, range 50-90 %), certified 2026, expires in 2029
        FirmOutlook(
            4, target_batch="2026-1", target_year=2026, projected_min=73, projected_max=79, verdict="ready"
        ),
        # E: new, marginal projection (65..75 -> 40 %), R&D-dependent
        FirmOutlook(
            5,
            target_batch="2027-2",
            target_year=2027,
            projected_min=65,
            projected_max=75,
            verdict="marginal",
            rd_dependent=True,
        ),
        # F: marginal today, no feasible batch -> nothing in the base case
        FirmOutlook(6, verdict="marginal"),
        # G: certificate expired yesterday, nothing planned
        FirmOutlook(7, cert_expiry=date(2026, 2, 28)),
    ]


def test_active_count_and_new_certifications_by_hand():
    fc = forecast(pool(), TODAY, YEARS, targets={2026: 3, 2027: 3})
    assert fc.active_today == 3  # A, B, C; G expired yesterday
    y26, y27, y28, y29 = (fc.year(y) for y in YEARS)
    assert y26.active_expected == pytest.approx(1 + 1 + 0.7)  # B, C, D
    assert (y26.active_low, y26.active_high) == (pytest.approx(2.5), pytest.approx(2.9))
    assert y27.active_expected == pytest.approx(1 + 1 + 0.7 + 0.4)  # B, C, D, E
    assert y28.active_expected == pytest.approx(0.9 + 0.7 + 0.4)  # C renewed, D, E; B expired
    # D's certificate (2026) expires in 2029: kept with the renewal rate 85 % (low 70 %, high 95 %)
    assert y29.active_expected == pytest.approx(0.9 + 0.7 * 0.85 + 0.4)
    assert y29.active_low == pytest.approx(0.8 + 0.5 * 0.70 + 0.2)
    assert y29.active_high == pytest.approx(1.0 + 0.9 * 0.95 + 0.6)
    assert (y26.new_expected, y27.new_expected, y28.new_expected) == (
        pytest.approx(0.7),
        pytest.approx(0.4),
        0,
    )
    assert y28.renewals_expected == pytest.approx(0.9)
    assert (y26.expiring, y26.expiring_without_reapplication) == (1, 1)
    assert (y27.expiring, y27.expiring_without_reapplication) == (1, 1)
    assert (y28.expiring, y28.expiring_without_reapplication) == (1, 0)
    assert y26.to_dict()["gap_expected"] == pytest.approx(0.3)
    assert y26.to_dict()["reaches_target"] is False
    assert y29.to_dict()["gap_expected"] is None  # no target set for that year


def test_batches_sum_expected_certifications():
    fc = forecast(pool(), TODAY, YEARS)
    got = {
        b.batch: (b.year, b.firms, round(b.expected, 2), round(b.low, 2), round(b.high, 2))
        for b in fc.batches
    }
    assert got == {
        "2026-1": (2026, 1, 0.7, 0.5, 0.9),
        "2027-2": (2027, 1, 0.4, 0.2, 0.6),
        "2028-1": (2028, 1, 0.9, 0.8, 1.0),
    }
    assert [b.batch for b in fc.batches] == ["2026-1", "2027-2", "2028-1"]


def test_scenarios_close_gaps_and_rd_slip():
    fc = forecast_with_scenarios(pool(), TODAY, YEARS, first_batch_year=2026)
    close = {y.year: y for y in fc.scenarios["close_gaps"]}
    # E becomes solid (90 %) at 2027; F passes at the first batch year 2026 with 90 %
    assert close[2026].active_expected == pytest.approx(2.7 + 0.9)
    assert close[2027].active_expected == pytest.approx(1 + 1 + 0.7 + 0.9 + 0.9)
    slip = {y.year: y for y in fc.scenarios["rd_slip"]}
    # E (R&D-dependent) moves from 2027 to 2028; nobody else changes
    assert slip[2027].active_expected == pytest.approx(2.7)
    assert slip[2027].new_expected == 0
    assert slip[2028].new_expected == pytest.approx(0.4)
    assert slip[2028].active_expected == pytest.approx(2.0)
    # the base figures are unchanged by computing scenarios
    assert fc.year(2027).active_expected == pytest.approx(3.1)


def test_certificate_counted_at_year_end_only_if_it_lasts_to_31_december():
    outlooks = [
        FirmOutlook(1, cert_expiry=date(2026, 12, 30)),
        FirmOutlook(2, cert_expiry=date(2026, 12, 31)),
    ]
    fc = forecast(outlooks, date(2026, 12, 30), [2026])
    assert fc.active_today == 2
    assert fc.year(2026).active_expected == 1
    assert fc.year(2026).expiring == 2


def test_target_in_a_past_year_counts_for_nothing():
    fc = forecast(
        [FirmOutlook(1, target_batch="2025-3", target_year=2025, projected_min=90, projected_max=95)],
        TODAY,
        YEARS,
    )
    assert all(y.active_expected == 0 for y in fc.years)
    assert fc.batches == []


def test_lapse_then_reapply_is_a_new_certification_not_a_renewal():
    o = FirmOutlook(
        1,
        cert_expiry=date(2026, 11, 30),
        target_batch="2027-1",
        target_year=2027,
        projected_min=80,
        projected_max=85,
    )
    fc = forecast([o], TODAY, YEARS)
    assert fc.year(2026).expiring_without_reapplication == 1
    assert fc.year(2026).active_expected == 0
    assert fc.year(2027).new_expected == pytest.approx(0.9)
    assert fc.year(2027).renewals_expected == 0


def test_assumptions_are_data_and_drive_the_numbers():
    sure = Assumptions(thin=Band(1.0, 1.0, 1.0))
    fc = forecast([pool()[3]], TODAY, [2026], assumptions=sure)
    assert fc.year(2026).active_expected == 1
    keys = [s["key"] for s in DEFAULT_ASSUMPTIONS.statements()]
    assert {"solid", "thin", "marginal", "expiry", "renewal", "range"} <= set(keys)
    assert all(s["text"] for s in DEFAULT_ASSUMPTIONS.statements())
    assert "71" in next(s["text"] for s in fc.assumptions if s["key"] == "thin")


def test_forecast_module_is_pure():
    import ast

    import pipeline.forecast as mod

    tree = ast.parse(open(mod.__file__, encoding="utf-8").read())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    pure = (
        "pipeline.criteria",
        "pipeline.roadmap",
        "pipeline.forecast",
    )  # the pure core may share its rules table
    assert not {
        m
        for m in imported
        if m
        and (
            m.split(".")[0] in {"flask", "sqlalchemy"}
            or (m.startswith("pipeline") and not m.startswith(pure))
        )
    }
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not calls & {"date.today", "datetime.now", "datetime.utcnow"}


def test_weighted_rows_equal_repeated_firms():
    from dataclasses import replace

    repeated = [o for o in pool() for _ in range(3)]
    weighted = [replace(o, weight=3) for o in pool()]
    a = forecast_with_scenarios(repeated, TODAY, YEARS, {2026: 5}, first_batch_year=2026).to_dict()
    b = forecast_with_scenarios(weighted, TODAY, YEARS, {2026: 5}, first_batch_year=2026).to_dict()
    assert a == b
