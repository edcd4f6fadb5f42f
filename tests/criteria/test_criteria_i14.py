"""i14 engine fixes (assess-io.md as updated), each with a hand-computed expectation."""

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from pipeline.criteria import TsmeFlags, assess
from pipeline.criteria.rules import PASS_SCORE, REVISIONS, RULES_VERSION, hires_needed, rd_band_pct
from tests.criteria.helpers import fig, good_dict, good_profile

ROOT = Path(__file__).resolve().parents[2]


def _gap(a, code):
    return next(g for g in a.gaps if g.code == code)


def test_h5_fails_with_zero_sales_in_every_year():
    years = {
        y: fig(sales=0, total_income=0, hightech_income=0, rd_total=10, rd_domestic=10)
        for y in (2023, 2024, 2025)
    }
    a = assess(good_profile(years=years))
    h5 = a.conditions["H5"]
    assert (h5.status, h5.value) == ("fail", None)
    assert "视为满足" not in h5.explain and "不存在研发费用占比" in h5.explain
    assert "销售收入合计为0" in _gap(a, "H5").what


def test_direct_route_of_a_too_big_firm_is_not_direct():
    # hnte_valid is a direct route, but 600 staff > 500: 第八条 needs the size condition
    years = dict(good_profile().years)
    years[2025] = replace(years[2025], staff=600, tech_staff=120)
    t = assess(good_profile(years=years, tsme=TsmeFlags(hnte_valid=True))).tsme
    assert (t.direct, t.eligible, t.conditions["size"]) == (False, False, "fail")
    t = assess(good_profile(tsme=TsmeFlags(hnte_valid=True))).tsme
    assert (t.direct, t.eligible) == (True, True)
    t = assess(good_profile(tsme=TsmeFlags(hnte_valid=True, listed_dishonest=True))).tsme
    assert (t.direct, t.eligible) == (False, False)


def test_ratio_text_and_value_never_contradict_the_verdict():
    # window sales 3 × 1000 = 3000; R&D 50 + 50 + 49.99 = 149.99 → 4.99967% < 5%: fails.
    years = {y: fig(sales=1000, rd_total=50, rd_domestic=50) for y in (2023, 2024)}
    years[2025] = fig(sales=1000, rd_total="49.99", rd_domestic="49.99")
    h5 = assess(good_profile(years=years)).conditions["H5"]
    assert h5.status == "fail"
    assert h5.value == 0.0499 and h5.value < h5.required  # not 0.05
    assert "4.99%" in h5.explain and "5.00%" not in h5.explain
    # 10 of 100.01 staff is 9.9990%: fails; the text says 9.99%, the value 0.0999
    years = dict(good_profile().years)
    years[2025] = replace(years[2025], staff=D("100.01"), tech_staff=10)
    h4 = assess(good_profile(years=years)).conditions["H4"]
    assert (h4.status, h4.value) == ("fail", 0.0999)
    assert "9.99%" in h4.explain
    # exact pass keeps its plain rounding: 150/3000 = 5.00%
    years = {y: fig(sales=1000, rd_total=50, rd_domestic=50) for y in (2023, 2024, 2025)}
    h5 = assess(good_profile(years=years)).conditions["H5"]
    assert (h5.status, h5.value) == ("pass", 0.05) and "5.00%" in h5.explain


def test_h5_gap_names_closed_years_and_the_year_that_can_still_change():
    # application 2027-05-31 → window 2024..2026; read on 2026-12-01: 2024, 2025 closed, 2026 open.
    # sales 1000 each → need 150; R&D 30 + 30 + 30 = 90 → short 60; 2026 must reach 30 + 60 = 90.
    years = {y: fig(sales=1000, rd_total=30, rd_domestic=30) for y in (2024, 2025, 2026)}
    p = good_profile(
        application_date=date(2027, 5, 31),
        years=years,
        as_of=date(2026, 12, 1),
        conversions={2024: 5, 2025: 5, 2026: 5},
    )
    g = _gap(assess(p), "H5")
    assert g.amount == 60
    assert "2024、2025年度已结束（合计60万元，不能再改变）" in g.what
    assert "差额须在2026年度补足（2026年度研发费用合计不低于90万元" in g.what
    # read at the application date (no as_of): every window year has ended
    g = _gap(assess(replace(p, as_of=None)), "H5")
    assert "2024、2025、2026年度均已结束" in g.what and "2027年申报已无法补足" in g.what


def test_h6_gap_gives_both_amounts():
    # R&D 100 a year, domestic 50: Σ 300 / 150. More domestic: (6·300 − 10·150)/4 = 75;
    # less foreign: 300 − 150/0.6 = 50.
    years = {y: fig(sales=1000, rd_total=100, rd_domestic=50) for y in (2023, 2024, 2025)}
    g = _gap(assess(good_profile(years=years)), "H6")
    assert g.amount == 75
    assert "境内研发费用需再增加75万元，或境外委托研发减少50万元" == g.what


def test_registration_after_application_is_refused_with_exit_2(tmp_path):
    data = good_dict()
    data["registered_on"] = "2026-12-20"
    data["application_date"] = "2026-06-15"
    data["years"] = {}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.assess", str(f)], cwd=ROOT, capture_output=True, timeout=60
    )
    assert r.returncode == 2 and r.stdout == b""
    err = r.stderr.decode("utf-8")
    assert err.startswith("registered_on：") and "晚于申请日期" in err and err.count("\n") == 1


def test_the_rules_table_is_the_one_source():
    assert PASS_SCORE == 71 and RULES_VERSION == "hnte-2016/tsme-2017"
    assert [rd_band_pct(D(x)) for x in (5000, "5000.01", 20000, 20001)] == [5, 4, 4, 3]
    assert hires_needed(100, 8) == 3  # (8+3)/(100+3) ≥ 10%  with full-year hires
    assert all(r.date and r.basis and r.changes for r in REVISIONS)
    from pipeline.criteria import gaps, hnte, score
    from pipeline.forecast import PASS_SCORE as fc
    from pipeline.roadmap import planner

    assert hnte.PASS_SCORE is gaps.PASS_SCORE is planner.PASS_SCORE is fc
    assert score.GRADE_BANDS is __import__("pipeline.criteria.rules", fromlist=["x"]).GRADE_BANDS
