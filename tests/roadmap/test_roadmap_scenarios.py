"""Unit scenarios with a fixed ``today`` (2026-11-27: every 2026 batch has closed, 2026 is the
open current year with 34 days left)."""

from datetime import date
from decimal import Decimal

import pytest

from pipeline.roadmap import WhatIfError, add_months, calendar_from_json, plan, what_if
from pipeline.roadmap.calendar import DEFAULT_LEAD_TIMES
from tests.roadmap.helpers import TODAY, blocked, codes, firm, ready_firm, set_year, year

D = Decimal


def run(f, today=TODAY, **kw):
    return plan(f, today, **kw).to_dict()


def ms(d, code):
    return [m for m in d["milestones"] if m["code"] == code]


def test_contract_keys():
    d = run(ready_firm())
    assert list(d) == [
        "today",
        "target",
        "likely_target",
        "earlier_batches",
        "assumptions",
        "projected",
        "plans",
        "milestones",
    ]
    assert list(d["plans"]) == ["rd", "tech_staff", "hightech_income"]
    assert "gaps" not in d["projected"]
    assert d["assumptions"]["sales_growth"] == 0.10
    for m in d["milestones"]:
        assert list(m) == ["code", "addresses", "due", "owner", "title", "basis"]


def test_ready_firm_targets_first_batch_of_next_year():
    d = run(ready_firm())
    assert d["target"] == {"batch": "2027-1", "cutoff": "2027-05-31", "year": 2027}
    assert d["earlier_batches"] == []
    assert d["projected"]["verdict"] == "ready" and d["projected"]["application_year"] == 2027
    assert d["projected"]["score"]["min"] >= 71
    # 2026 is open: the R&D plan covers it; 2024 and 2025 are closed facts
    assert [r["year"] for r in d["plans"]["rd"]] == [2026]
    assert d["plans"]["tech_staff"] == {"year": 2026, "staff": 66, "tech_staff_min": 7, "hire_by": None}
    assert d["plans"]["hightech_income"] == {"year": 2026, "share_min": 0.6}
    c = codes(d)
    assert c[-1] == "apply.submit" and ms(d, "apply.submit")[0]["due"] == "2027-05-31"
    assert "audit.special" in c and "rd.ledger" in c and "score.selfcheck" in c
    assert not [x for x in c if x.startswith("mgmt.") or x.startswith("ip.file")]
    assert "tsme.register" not in c and "staff.hire" not in c


def test_rd_short_but_fixable_next_year():
    f = ready_firm()
    for y, s in ((2024, 2600), (2025, 3400), (2026, 4400)):
        set_year(f, y, rd_total=round(s * 0.03))
    d = run(f)
    assert d["target"]["batch"] == "2028-1"
    b = blocked(d)
    assert set(b) == {"2027-1", "2027-2", "2027-3"}
    for x in b.values():
        assert x["blocked_by"] == ["H5"]
        assert "2026年仅剩34天" in x["why"] and "无法达到5%" in x["why"]
    rd = {r["year"]: r for r in d["plans"]["rd"]}
    assert set(rd) == {2026, 2027}
    # the 2025–2027 window reaches 5% exactly with these minimums
    total_rd = D(102) + D(str(rd[2026]["rd_total_min"])) + D(str(rd[2027]["rd_total_min"]))
    total_sales = D(3400) + D(str(rd[2026]["sales"])) + D(str(rd[2027]["sales"]))
    assert rd[2027]["sales"] == 4840.0
    assert total_rd * 100 >= total_sales * 5
    assert total_rd * 100 - total_sales * 5 < 100  # within a cent of the minimum
    spend = [m for m in ms(d, "rd.spend") if m["due"] == "2027-12-31"]
    assert spend and "H5" in spend[0]["addresses"] and "万元" in spend[0]["title"]


def test_rd_window_lost_until_a_later_batch():
    f = ready_firm()
    set_year(f, 2025, rd_total=34)  # 1%
    set_year(f, 2026, rd_total=44)  # 1%
    d = run(f)
    assert d["target"]["batch"] == "2029-1"
    b = blocked(d)
    assert list(b) == ["2027-1", "2027-2", "2027-3", "2028-1", "2028-2", "2028-3"]
    for x in b.values():
        assert "H5" in x["blocked_by"]
    assert "2025–2027年度" in b["2028-1"]["why"] and "已结束的2025年度合计仅34万元" in b["2028-1"]["why"]
    assert "最多" in b["2028-1"]["why"] and "%" in b["2028-1"]["why"]
    assert [r["year"] for r in d["plans"]["rd"]] == [2026, 2027, 2028]
    assert d["projected"]["verdict"] == "ready"


def test_no_ip_software_firm_uses_software_copyright_in_time():
    f = firm(ip=[])
    d = run(f)
    assert d["target"]["batch"] == "2027-1"
    files = [m for m in d["milestones"] if m["code"].startswith("ip.file.")]
    assert [m["code"] for m in files] == ["ip.file.software_copyright"]
    m = files[0]
    # filed early (i14): within a month of today, not at cutoff − 3 months (2027-02-28)
    assert "H2" in m["addresses"] and m["due"] == "2026-12-27"
    assert "软件著作权1项" in m["title"]
    # the invention patent (18 months) would have been due 2025-11-30: too late
    assert add_months(date(2027, 5, 31), -18) < TODAY


def test_no_ip_manufacturer_waits_for_utility_model():
    f = firm(ip=[], tech_domain="80402")
    d = run(f)
    assert d["target"]["batch"] == "2028-1"
    b = blocked(d)
    assert set(b) == {"2027-1", "2027-2", "2027-3"}
    for x in b.values():
        assert "H2" in x["blocked_by"] and "实用新型" in x["why"] and "已来不及" in x["why"]
    files = [m for m in d["milestones"] if m["code"].startswith("ip.file.")]
    assert files and any("H2" in m["addresses"] for m in files)
    for m in files:
        lt = DEFAULT_LEAD_TIMES[m["code"][len("ip.file.") :]]
        assert add_months(date.fromisoformat(m["due"]), lt.months) <= date(2028, 5, 31)
    um = ms(d, "ip.file.utility_model")
    # filed now (2026-12-27), 10 months → 2027-10-27: seven months of slack before 2028-05-31
    assert um and um[0]["due"] == "2026-12-27" and "实用新型专利" in um[0]["title"]
    # a manufacturer (80402) is never told to file designs, and the invention comes first where time allows
    # 18 months from 2026-11-30 end 2028-05-30, inside the cutoff: file the invention at once
    assert not ms(d, "ip.file.design")
    assert [m["due"] for m in ms(d, "ip.file.invention_patent")] == ["2026-11-30"]


def test_too_young_moves_target():
    f = firm(
        registered_on="2026-09-01",
        years={"2026": year(1500, 120, 1200, 800, staff=20, tech=6)},
        conversions={"2026": 5},
    )
    d = run(f)
    b = blocked(d)
    assert {"2027-1", "2027-2", "2027-3"} <= set(b)
    for k in ("2027-1", "2027-2", "2027-3"):
        assert "H1" in b[k]["blocked_by"] and "2027-09-01起" in b[k]["why"]
    assert d["target"]["batch"] == "2028-1"
    sub = ms(d, "apply.submit")[0]
    assert "H1" in sub["addresses"]


def test_staff_hired_too_late_for_183_days():
    f = ready_firm()
    set_year(f, 2026, staff=80, tech_staff=5)
    d = run(f)
    b = blocked(d)
    assert set(b) == {"2027-1", "2027-2", "2027-3"}
    for x in b.values():
        assert x["blocked_by"] == ["H4"] and "7月1日后新聘" in x["why"] and "183天" in x["why"]
    assert d["target"]["batch"] == "2028-1"
    ts = d["plans"]["tech_staff"]
    # hired by 2027-01-01 they count fully in 2027: (5 + 4)/(80 + 4) = 10.7% (3 would give 9.6%)
    assert ts["year"] == 2027 and ts["hire_by"] == "2027-01-01"
    hire = ms(d, "staff.hire")
    assert hire and hire[0]["due"] == "2027-01-01" and "新聘科技人员4人" in hire[0]["title"]
    assert ts["staff"] == 84 and ts["tech_staff_min"] == 9
    assert ms(d, "staff.reclassify")


def test_hires_before_june_count_for_the_same_year():
    f = ready_firm()
    set_year(f, 2026, staff=80, tech_staff=5)
    d = run(f, today=date(2026, 3, 1))
    # 2026 batches: window 2023–2025 (closed, fine); 2027 batches: hires by 2026-06-30 count
    assert d["target"]["batch"] == "2026-1"
    d2 = plan(
        f,
        date(2026, 3, 1),
        calendar=calendar_from_json({"batches": [{"id": "2027-1", "cutoff": "2027-05-31"}]}),
    ).to_dict()
    assert d2["target"]["batch"] == "2027-1"
    # hired 2026-03-31 they work 276 of 365 days: w = 0.7562; need 80 − 50 = 30 ≤ 9·x·w → x = 5
    # (4 hires: (5 + 3.02)/(80 + 3.02) = 9.67%, fails; 5: (5 + 3.78)/(83.78) = 10.48%)
    assert d2["plans"]["tech_staff"]["hire_by"] == "2026-03-31"
    hire = ms(d2, "staff.hire")[0]
    assert hire["due"] == "2026-03-31" and "新聘科技人员5人" in hire["title"]


def test_not_a_tech_sme_registers_first():
    f = ready_firm()
    del f["tsme_registered"]
    d = run(f)
    # target 2027-1 (cutoff 2027-05-31): the 2026 window has closed, the 2027 one opens after the cutoff
    assert d["target"]["batch"] == "2027-1" and not ms(d, "tsme.register")
    d = run(f, calendar=calendar_from_json({"batches": [{"id": "2028-1", "cutoff": "2028-05-31"}]}))
    reg = ms(d, "tsme.register")
    assert len(reg) == 1 and "tsme" in reg[0]["addresses"]
    assert reg[0]["due"] == "2027-07-01"  # window 2027-06-01 … 2027-08-31, 30 days in
    assert "2027-06-01至2027-08-31" in reg[0]["title"]


def test_recertification_in_third_year():
    f = ready_firm()
    f["hnte_cert_expiry"] = "2028-12-14"
    f["tsme"] = {"hnte_valid": True}
    f["years"]["2027"] = year(4840, 300, 3800, 2420, staff=66, tech=13)
    d = run(f)
    b = blocked(d)
    assert set(b) == {"2027-1", "2027-2", "2027-3"}
    for x in b.values():
        assert x["blocked_by"] == ["cert_valid"] and "2028年" in x["why"]
    assert d["target"]["batch"] == "2028-1"
    reports = ms(d, "annual.report")
    assert [m["due"] for m in reports] == ["2027-05-31", "2028-05-31"]


def test_incident_within_the_year_moves_target():
    f = firm(incident_within_year=True, incident_date="2026-10-01")
    d = run(f)
    b = blocked(d)
    assert set(b) == {"2027-1", "2027-2", "2027-3"}
    for x in b.values():
        assert x["blocked_by"] == ["H9"] and "2027-10-02起" in x["why"]
    assert d["target"]["batch"] == "2028-1"
    assert "H9" in ms(d, "apply.submit")[0]["addresses"]
    # without a date the incident is taken as today
    f2 = firm(incident_within_year=True)
    d2 = run(f2)
    assert d2["target"]["batch"] == "2028-1" and "按今日计" in d2["earlier_batches"][0]["why"]


def test_missing_management_pieces_and_conversions_planned():
    f = firm(
        rd_management={"rules": True, "accounting": True, "ledger": True}, conversions={"2024": 2, "2025": 2}
    )
    d = run(f)
    c = codes(d)
    for key in (
        "rd_unit",
        "cooperation",
        "conversion_rules",
        "open_platform",
        "training",
        "skills",
        "recruitment",
        "performance_reward",
    ):
        assert f"mgmt.{key}" in c
    assert d["projected"]["score"]["items"]["rd_management"] == [20, 20]


def test_h8_unreachable_gives_null_target_with_every_batch_explained():
    f = firm(grades={}, conversions={})
    d = run(f)
    assert d["target"] is None
    assert len(d["earlier_batches"]) == 12
    assert all("H8" in b["blocked_by"] and "未评定" in b["why"] for b in d["earlier_batches"])
    assert "ip.evaluate" in codes(d)


def test_revoked_this_year_blocks_only_this_year():
    d = run(firm(revoked_this_year=True), today=date(2026, 3, 1))
    b = blocked(d)
    assert set(b) == {"2026-1", "2026-2", "2026-3"} and all(x["blocked_by"] == ["H10"] for x in b.values())
    assert d["target"]["batch"] == "2027-1"


def test_plan_accepts_profile_object_and_is_pure():
    from pipeline.roadmap import parse_plan_input

    f = ready_firm()
    p, ex, a = parse_plan_input(f)
    before = repr(p)
    x = plan(p, TODAY, assumptions=a, extras=ex).to_dict()
    assert x == run(f)
    assert repr(p) == before


# ------------------------------------------------------------------ what-if


def test_what_if_add_ip_moves_target_earlier():
    f = firm(ip=[], tech_domain="80402")
    base = run(f)
    w = what_if(f, {"add_ip": {"utility_model": 2}}, TODAY).to_dict()
    assert base["target"]["batch"] == "2028-1" and w["target"]["batch"] == "2027-1"
    assert f["ip"] == []  # nothing touched


def test_what_if_rd_ratio_fixes_a_year():
    f = ready_firm()
    for y, s in ((2024, 2600), (2025, 3400), (2026, 4400)):
        set_year(f, y, rd_total=round(s * 0.03))
    w = what_if(f, {"rd_ratio": {"2027": 0.03}}, TODAY).to_dict()
    assert w["target"]["year"] > 2028
    rd = {r["year"]: r for r in w["plans"]["rd"]}
    assert rd[2027]["rd_total_min"] == 145.2


def test_what_if_add_tech_staff_and_growth():
    f = ready_firm()
    set_year(f, 2026, staff=80, tech_staff=5)
    w = what_if(f, {"add_tech_staff": 4, "sales_growth": 0.2}, TODAY).to_dict()
    assert w["assumptions"]["sales_growth"] == 0.2 and w["assumptions"]["net_assets_growth"] == 0.2
    assert w["target"]["batch"] == "2028-1"
    assert w["plans"]["tech_staff"]["staff"] == 84 and "staff.hire" not in codes(w)


def test_what_if_empty_equals_plan_and_refuses_closed_years():
    f = ready_firm()
    assert what_if(f, {}, TODAY).to_dict() == run(f)
    with pytest.raises(WhatIfError):
        what_if(f, {"rd_ratio": {"2025": 0.08}}, TODAY)
    with pytest.raises(WhatIfError):
        what_if(f, {"teleport": 1}, TODAY)
    with pytest.raises(WhatIfError):
        what_if(f, {"add_ip": {"trademark": 1}}, TODAY)
