"""i14: the planner keeps every promise of the updated plan-io.md. Hand-computed expectations."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipeline.roadmap import calendar_from_json, plan, what_if
from pipeline.roadmap.planner import hire_weight, hires_at
from tests.roadmap.helpers import blocked, firm, ready_firm, set_year

ROOT = Path(__file__).resolve().parents[2]
T = date(2026, 12, 1)


def ms(d, code):
    return [m for m in d["milestones"] if m["code"] == code]


def test_monthly_average_hires_8_of_100():
    # hired 2027-06-30: 185 days of 365 → each adds 0.5068 to both averages
    w = hire_weight(date(2027, 6, 30), 2027)
    assert w == Decimal(185) / 365
    share = (8 + 3 * w) / (100 + 3 * w)
    assert round(float(share) * 100, 1) == 9.4 and share < Decimal("0.1")  # 3 on 30 June fail
    assert hires_at(100, 8, w) == 5
    # hired 2027-01-02: 364 days → 3 are enough: (8 + 2.99)/(102.99) = 10.67%
    w2 = hire_weight(date(2027, 1, 2), 2027)
    assert (8 + 3 * w2) / (100 + 3 * w2) >= Decimal("0.1") and hires_at(100, 8, w2) == 3
    # 183-day rule: 1 July leaves 184 days, 3 July only 182 (does not count)
    assert hire_weight(date(2027, 7, 1), 2027) == Decimal(184) / 365
    assert hire_weight(date(2027, 7, 3), 2027) == 0


def _staff_firm():
    f = firm()
    for y in ("2023", "2024", "2025", "2026"):
        set_year(f, int(y), staff=100, tech_staff=8)
    return f


def test_planner_hires_on_1_january_and_proposes_reclassification():
    d = plan(_staff_firm(), T).to_dict()
    ts = d["plans"]["tech_staff"]
    # 2027-1 needs 2026 (ending, 8%): blocked; 2028-1: hire by 2027-01-01 (full year) → 3
    assert "H4" in blocked(d)["2027-1"]["blocked_by"]
    assert d["target"]["batch"] == "2028-1"
    assert (ts["year"], ts["hire_by"], ts["staff"], ts["tech_staff_min"]) == (2027, "2027-01-01", 103, 11)
    hire = ms(d, "staff.hire")[0]
    assert hire["due"] == "2027-01-01" and "新聘科技人员3人" in hire["title"] and "月平均数" in hire["basis"]
    assert ms(d, "staff.reclassify") and ms(d, "staff.reclassify")[0]["due"] <= hire["due"]
    assert d["projected"]["conditions"]["H4"]["status"] == "pass"


def test_what_if_hires_with_a_date_and_reclassification_move_the_plan():
    f = _staff_firm()
    base = plan(f, T).to_dict()
    # 3 hired on 2027-06-30 are not enough: the plan still asks for one more
    late = what_if(f, {"hires": [{"n": 3, "on": "2027-06-30"}]}, T).to_dict()
    assert ms(late, "staff.hire") and "新聘科技人员1人" in ms(late, "staff.hire")[0]["title"]
    # 3 hired on 2027-01-02 are: no more hires planned
    early = what_if(f, {"hires": [{"n": 3, "on": "2027-01-02"}]}, T).to_dict()
    assert not [m for m in ms(early, "staff.hire") if "新聘" in m["title"]]
    assert early["projected"]["conditions"]["H4"]["status"] == "pass"
    # re-checking 2 existing staff as 科技人员 makes 10/100 in every open year: 2027 batches still
    # need 2026 (8 + 2 = 10 of 100 → pass), so the target moves forward
    re2 = what_if(f, {"reclassify_staff": 2}, T).to_dict()
    assert "H4" not in blocked(re2).get("2027-1", {}).get("blocked_by", [])
    assert base["target"] != re2["target"] or base["plans"] != re2["plans"]


def test_plan_door_accepts_a_profile_without_application_date(tmp_path):
    f = ready_firm()
    del f["application_date"]
    p = tmp_path / "f.json"
    p.write_text(json.dumps(f, ensure_ascii=False), encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.plan", str(p), "--today", "2026-12-01"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr.decode()
    out = json.loads(r.stdout)
    assert out["target"]["batch"] == "2027-1"
    # and the same input gives the same output
    r2 = subprocess.run(
        [sys.executable, "-m", "pipeline.plan", str(p), "--today", "2026-12-01"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert r2.stdout == r.stdout


def test_application_steps_in_order():
    d = plan(ready_firm(), T).to_dict()
    due = {m["code"]: m["due"] for m in d["milestones"]}
    # 2027-1 (cutoff 2027-05-31): annual audit + CIT filing by min(04-30, cutoff − 45 d) = 2027-04-16,
    # special audit 30 days after it (2027-05-16), submission at the cutoff
    assert due["audit.annual"] == "2027-04-16" and due["audit.special"] == "2027-05-16"
    assert due["apply.submit"] == "2027-05-31"
    assert due["platform.account"] == "2027-04-01"  # cutoff − 60 days
    assert due["pack.linkage"] == "2027-04-16" and due["score.selfcheck"] == "2027-05-01"
    assert due["ip.annuity"] == "2027-05-11"
    assert "汇算清缴" in ms(d, "audit.annual")[0]["title"]
    assert len([m for m in d["milestones"] if "辅助账" in m["title"]]) <= 1


def test_ledger_once_and_no_data_step_outside_the_window():
    f = firm(rd_management={"rules": True})
    set_year(f, 2023, sales=None)  # 2023 lies outside 2027-1's window (2024–2026)
    d = plan(f, T).to_dict()
    assert not ms(d, "mgmt.ledger") and len(ms(d, "rd.ledger")) == 1
    assert "rd_management" in ms(d, "rd.ledger")[0]["addresses"]
    assert not [m for m in ms(d, "data.complete") if "2023" in m["title"]]


def test_likely_target_for_the_manufacturer_with_bb_grades():
    # 1.5亿 sales, 10% growth, B/B grades, one utility model: the minimum stays under 71 whatever it does,
    # the midpoint reaches it in 2029-1 (hand: min 64, max 80 → mid 72)
    years = {
        str(y): {
            "sales": round(15000 * 1.1 ** (y - 2023), 2),
            "hightech_income": round(11000 * 1.1 ** (y - 2023), 2),
            "rd_total": 300,
            "net_assets": round(5000 * 1.1 ** (y - 2023), 2),
            "total_assets": 20000,
            "total_cost": 14000,
            "staff": 100,
            "tech_staff": 8,
        }
        for y in (2023, 2024, 2025, 2026)
    }
    f = {
        "registered_on": "2020-03-01",
        "tech_domain": "40301",
        "years": years,
        "ip": [{"kind": "utility_model", "core": True}],
        "conversions": {"2024": 2, "2025": 2, "2026": 2},
        "grades": {"tech_advancement": "B", "core_support": "B"},
    }
    d = plan(f, T).to_dict()
    assert d["target"] is None
    lk = d["likely_target"]
    assert lk["batch"] == "2029-1" and lk["score"]["min"] < 71 <= lk["score"]["mid"]
    assert "专家" in lk["risk"]
    assert ms(d, "apply.submit")[0]["due"] == "2029-05-31"  # the plan is for the likely batch
    assert ms(d, "standards.participate")  # standards are a lever (+1)
    for b in d["earlier_batches"]:
        if b["batch"] == lk["batch"]:
            break
        assert b.get("lever") and "专家评分" in b["lever"]
    # polymer materials: no design patents, an invention first
    assert not ms(d, "ip.file.design") and ms(d, "ip.file.invention_patent")


def test_pending_invention_with_a_filing_date_is_a_likely_grant():
    f = firm(ip=[{"kind": "invention_patent", "status": "filed", "core": True, "filed_on": "2025-10-01"}])
    d = plan(f, T).to_dict()
    # 2025-10-01 + 18 months = 2027-04-01 ≤ 2027-05-31: counts at 2027-1
    assert d["target"]["batch"] == "2027-1"
    assert (
        not ms(d, "ip.file.invention_patent") or "H2" not in ms(d, "ip.file.invention_patent")[0]["addresses"]
    )


def test_fast_track_shortens_the_invention_lead_time():
    f = firm(ip=[], tech_domain="80402")
    slow = plan(f, T).to_dict()
    fast = plan(dict(f, fast_track=True), T).to_dict()
    # no fast track: a utility model filed by today + 1 month = 2027-01-01, + 10 months = 2027-11-01,
    # after every 2027 cutoff (05-31, 07-15, 08-31) → 2028-1; the plan says nothing about 预审
    assert slow["target"]["batch"] == "2028-1"
    um = ms(slow, "ip.file.utility_model")[0]
    assert um["due"] == "2027-01-01" and "预计2027-11-01前授权" in um["title"]
    assert "预审" not in um["title"] + um["basis"]
    # fast track: filed 2027-01-01, + 2 months = 2027-03-01 ≤ 2027-05-31 → 2027-1, and the plan says so
    assert fast["target"]["batch"] == "2027-1"
    um = ms(fast, "ip.file.utility_model")[0]
    assert um["due"] == "2027-01-01" and "预计2027-03-01前授权" in um["title"]
    assert (
        "预审快速通道" in um["title"] and "按2个月计" in um["basis"] and "须先完成保护中心备案" in um["basis"]
    )


def test_software_firm_gets_software_copyright_and_no_designs():
    f = firm(ip=[])
    d = plan(f, T).to_dict()
    assert ms(d, "ip.file.software_copyright") and not ms(d, "ip.file.design")


def test_certified_firm_files_annual_report_by_the_calendar_date():
    f = firm(hnte_cert_expiry="2028-12-01")
    d = plan(f, T).to_dict()
    assert d["target"]["year"] == 2028
    assert [m["due"] for m in ms(d, "annual.report")] == ["2027-05-31", "2028-05-31"]
    cal = calendar_from_json(
        {
            "batches": [{"id": "2028-1", "cutoff": "2028-06-30"}],
            "annual_reports": [{"year": 2027, "due": "2027-06-15"}],
        }
    )
    d = plan(f, T, calendar=cal).to_dict()
    assert [m["due"] for m in ms(d, "annual.report")] == ["2027-06-15", "2028-05-31"]


def test_tsme_register_only_when_the_firm_can_pass():
    f = firm(ip=[])
    f["tsme_registered"] = False
    for y in ("2025", "2026"):
        set_year(f, int(y), staff=60, tech_staff=3, rd_total=10)  # staff 5%: tech-SME staff score 0
    d = plan(
        f, T, calendar=calendar_from_json({"batches": [{"id": "2028-1", "cutoff": "2028-05-31"}]})
    ).to_dict()
    assert not ms(d, "tsme.register")


def test_every_what_if_lever_moves_the_plan_when_it_should():
    no_ip = firm(ip=[], tech_domain="80402")
    base = plan(no_ip, T).to_dict()
    assert base["target"]["batch"] == "2028-1"
    # IP by kind: a granted utility model now removes the H2 wait
    assert what_if(no_ip, {"add_ip": {"utility_model": 1}}, T).to_dict()["target"]["batch"] == "2027-1"
    # conversions, standards, growth, R&D by year: each changes what is projected or planned
    f = firm(conversions={"2023": 1, "2024": 1, "2025": 1, "2026": 1})
    b = plan(f, T).to_dict()
    for changes in (
        {"conversions": {"2026": 5}},
        {"standards": True},
        {"sales_growth": 0.3},
        {"rd_ratio": {"2027": 0.09}},
    ):
        d = what_if(f, changes, T).to_dict()
        assert (d["target"], d["projected"]["score"], d["plans"], [m["title"] for m in d["milestones"]]) != (
            b["target"],
            b["projected"]["score"],
            b["plans"],
            [m["title"] for m in b["milestones"]],
        ), changes


def test_outlook_says_why_the_likely_batch_and_the_lever():
    from pipeline.roadmap import outlook

    safe = plan(ready_firm(), T).to_dict()
    assert outlook(safe) is None
    years = {
        str(y): {
            "sales": round(15000 * 1.1 ** (y - 2023), 2),
            "hightech_income": round(11000 * 1.1 ** (y - 2023), 2),
            "rd_total": 300,
            "net_assets": round(5000 * 1.1 ** (y - 2023), 2),
            "total_assets": 20000,
            "total_cost": 14000,
            "staff": 100,
            "tech_staff": 8,
        }
        for y in (2023, 2024, 2025, 2026)
    }
    d = plan(
        {
            "registered_on": "2020-03-01",
            "tech_domain": "40301",
            "years": years,
            "ip": [{"kind": "utility_model", "core": True}],
            "conversions": {"2024": 2, "2025": 2, "2026": 2},
            "grades": {"tech_advancement": "B", "core_support": "B"},
        },
        T,
    ).to_dict()
    ol = outlook(d)
    assert ol["likely"]["batch"] == "2029-1" and ol["batch"] == "2029-1"
    assert "低于71分" in ol["why"] and "专家评分" in ol["lever"]
    # no domain code: neither safe nor likely, and the lever names what is missing
    d = plan(firm(tech_domain=None), T).to_dict()
    ol = outlook(d)
    assert ol["likely"] is None and "技术领域" in ol["lever"]


def test_one_application_per_year_moves_the_retry_to_next_years_batch():
    """Jiangsu practice: a firm that applied (or failed) in 2027 is not planned into 2027-2 or 2027-3."""
    from pipeline.roadmap import default_calendar

    today = date(2027, 6, 10)  # after 2027-1 (05-31); 2027-2 closes 07-15, 2027-3 08-31, 2028-1 05-31
    free = plan(firm(), today).to_dict()
    assert free["target"] == {"batch": "2027-2", "cutoff": "2027-07-15", "year": 2027}
    d = plan(firm(applied_years=[2027]), today).to_dict()
    assert d["target"] == {"batch": "2028-1", "cutoff": "2028-05-31", "year": 2028}
    b = blocked(d)
    assert list(b) == ["2027-2", "2027-3"]
    assert all(x["blocked_by"] == ["one_per_year"] for x in b.values())
    assert "2027年已申报过一次" in b["2027-2"]["why"] and "须等2028年批次" in b["2027-2"]["why"]
    assert "每年只能申报一次" in b["2027-3"]["lever"]
    assert d.get("likely_target") is None or d["likely_target"]["batch"] != "2027-2"
    # an application in an earlier year does not block this year's batches
    assert plan(firm(applied_years=[2026]), today).to_dict()["target"]["batch"] == "2027-2"
    # the rule is calendar data: a calendar without it lets the firm re-submit in 2027-2
    cal = default_calendar(today)
    from dataclasses import replace as dc_replace

    loose = plan(firm(applied_years=[2027]), today, dc_replace(cal, one_per_year=False)).to_dict()
    assert loose["target"]["batch"] == "2027-2"
    # bad input is refused, naming the key
    import pytest

    from pipeline.criteria import ProfileError

    with pytest.raises(ProfileError) as e:
        plan(firm(applied_years=["2027"]), today)
    assert "applied_years" in str(e.value)
