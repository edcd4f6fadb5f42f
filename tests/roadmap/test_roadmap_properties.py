"""Property tests over generated firms: every promise of ``spec/plan-io.md``."""

import json
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.criteria import assess
from pipeline.criteria.model import CLASS_I, CLASS_II, RD_MANAGEMENT_POINTS
from pipeline.roadmap import (
    DEFAULT_LEAD_TIMES,
    add_months,
    calendar_from_json,
    default_calendar,
    parse_plan_input,
    plan,
    what_if,
)

D = Decimal
KINDS = sorted(CLASS_I | CLASS_II)
CODE_RE = re.compile(
    r"^(ip\.file\.[a-z_]+|rd\.spend|rd\.ledger|staff\.hire|hightech\.revenue|"
    r"mgmt\.[a-z_]+|conversion\.record|tsme\.register|audit\.special|apply\.submit|"
    r"annual\.report|score\.selfcheck|domain\.select|data\.complete|ip\.evaluate|"
    r"audit\.annual|platform\.account|ip\.annuity|pack\.linkage|staff\.reclassify|"
    r"standards\.participate)$"
)


def money(draw, lo, hi):
    return D(draw(st.integers(lo * 100, hi * 100))) / 100


@st.composite
def firms(draw):
    today = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    reg = today - timedelta(days=draw(st.integers(20, 3000)))
    healthy = draw(st.booleans())  # half the firms are near-ready, so targets are common
    years = {}
    sales = money(draw, 0, 20000)
    na = money(draw, -300, 6000)
    for y in range(max(reg.year, today.year - 4), today.year + 1):
        if not healthy and not draw(st.integers(0, 19)):
            continue  # now and then a year without figures
        lo = 100 if healthy else 70
        sales = (sales * D(draw(st.integers(lo, 160))) / 100).quantize(D("0.01"))
        na = (abs(na) if healthy else na) * D(draw(st.integers(lo, 160))) / 100
        na = na.quantize(D("0.01"))
        rd = (sales * D(draw(st.integers(30 if healthy else 0, 120))) / 1000).quantize(D("0.01"))
        staff = draw(st.integers(1, 600))
        ht = (sales * D(draw(st.integers(55 if healthy else 0, 100))) / 100).quantize(D("0.01"))
        fig = {
            "sales": str(sales),
            "hightech_income": str(ht),
            "rd_total": str(rd),
            "rd_domestic": str((rd * D(draw(st.integers(20, 100))) / 100).quantize(D("0.01"))),
            "net_assets": str(na),
            "total_assets": str(abs(na) * 2 + 10),
            "total_cost": str(sales),
            "staff": staff,
            "tech_staff": draw(st.integers(staff // 12 if healthy else 0, staff)),
        }
        if not healthy and not draw(st.integers(0, 15)):
            del fig[draw(st.sampled_from(sorted(fig)))]
        years[str(y)] = fig
    ip = [
        {
            "kind": draw(st.sampled_from(KINDS)),
            "status": draw(st.sampled_from(["granted", "granted", "filed"])),
            "acquired": draw(st.sampled_from(["own", "transferred"])),
            "core": draw(st.booleans()),
            "used_in_hnte": draw(st.booleans()),
        }
        for _ in range(draw(st.integers(0, 5)))
    ]
    f = {
        "application_date": "2000-01-01",
        "registered_on": reg.isoformat(),
        "tech_domain": draw(
            st.sampled_from(
                ["10101", "80402", "501", "20101"]
                if healthy
                else ["10101", "80402", "501", "20101", "", "10999"]
            )
        ),
        "years": years,
        "ip": ip,
        "conversions": {y: draw(st.integers(3 if healthy else 0, 7)) for y in years},
        "grades": {
            k: draw(st.sampled_from("AAB" if healthy else "AABBCDE"))
            for k in ("tech_advancement", "core_support")
            if healthy or draw(st.integers(0, 9))
        },
        "rd_management": {k: draw(st.booleans()) for k in RD_MANAGEMENT_POINTS},
        "standards": draw(st.booleans()),
        "incident_within_year": not draw(st.integers(0, 29 if healthy else 9)),
        "revoked_this_year": not draw(st.integers(0, 49 if healthy else 19)),
        "tsme_registered": draw(st.booleans()),
        "assumptions": {
            "sales_growth": draw(st.sampled_from([0.1, 0.2, 0.4] if healthy else [0, 0.05, 0.1, 0.3, -0.1]))
        },
    }
    if f["incident_within_year"] and draw(st.booleans()):
        f["incident_date"] = (today - timedelta(days=draw(st.integers(0, 300)))).isoformat()
    if not draw(st.integers(0, 4)):
        f["hnte_cert_expiry"] = (today + timedelta(days=draw(st.integers(-100, 1100)))).isoformat()
    if draw(st.integers(0, 4)):
        cal = default_calendar(today, years_ahead=draw(st.integers(0, 4)))
    else:
        n = draw(st.integers(1, 6))
        cal = calendar_from_json(
            {
                "batches": [
                    {
                        "id": f"b{i}",
                        "cutoff": (today + timedelta(days=draw(st.integers(-30, 1500)))).isoformat(),
                    }
                    for i in range(n)
                ]
            }
        )
    return f, today, cal


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(firms())
def test_plan_contract_properties(case):
    f, today, cal = case
    p = plan(f, today, cal)
    d = p.to_dict()
    json.dumps(d, ensure_ascii=False)  # plain JSON
    profile, extras, _ = parse_plan_input(f)
    open_batches = [b for b in cal.batches if b.cutoff > today]

    # determinism
    assert plan(f, today, cal).to_dict() == d
    assert what_if(f, {}, today, cal).to_dict() == d

    # target / earlier batches
    tgt = d["target"]
    ids = [b.id for b in open_batches]
    if tgt is None:
        assert [b["batch"] for b in d["earlier_batches"]] == ids
    else:
        k = ids.index(tgt["batch"])
        assert [b["batch"] for b in d["earlier_batches"]] == ids[:k]
        assert d["projected"]["verdict"] == "ready" and d["projected"]["score"]["min"] >= 71
        assert all(c["status"] == "pass" for c in d["projected"]["conditions"].values())
    for b in d["earlier_batches"]:
        assert b["blocked_by"] and b["why"] and "\n" not in b["why"]

    if not open_batches:
        assert d["milestones"] == [] and d["projected"] is None
        return
    ref = p.target or (p.likely_target.batch if p.likely_target else open_batches[-1])
    cutoff = ref.cutoff

    # milestones: codes, owners, dates, IP lead times
    for m in d["milestones"]:
        assert CODE_RE.match(m["code"]), m["code"]
        assert m["owner"] in ("firm", "officer") and m["title"] and m["basis"]
        due = date.fromisoformat(m["due"])
        assert today <= due <= cutoff, (m, today, cutoff)
        if m["code"].startswith("ip.file."):
            lt = DEFAULT_LEAD_TIMES[m["code"][len("ip.file.") :]]
            assert add_months(due, lt.months) <= cutoff
            # filed early: within two months of today, or lead time + two months of slack fits
            assert due <= add_months(today, 2) or add_months(due, lt.months + 2) <= cutoff
    by_code = {}
    for m in d["milestones"]:
        by_code.setdefault(m["code"], []).append(m["due"])
    if "apply.submit" in by_code:
        assert by_code["audit.annual"][0] <= by_code["audit.special"][0] <= by_code["apply.submit"][0]
        assert "platform.account" in by_code and "pack.linkage" in by_code and "score.selfcheck" in by_code
    assert "mgmt.ledger" not in by_code  # the ledger is planned once, as rd.ledger
    assert d["milestones"] == sorted(d["milestones"], key=lambda m: (m["due"], m["code"], m["title"]))

    Y = ref.year
    ly = Y - 1
    reg_year = profile.registered_on.year
    operated = [y for y in (Y - 3, Y - 2, ly) if y >= reg_year]
    closed = [y for y in operated if y < today.year]
    open_ = [y for y in operated if y >= today.year]

    # closed years are facts: never changed
    pp = p.projected_profile
    for y in range(reg_year, today.year):
        assert pp.years.get(y) == profile.years.get(y)
        assert pp.conversions.get(y) == profile.conversions.get(y)

    # hire_by no later than 1 July of Y−1 (183 days left in the year)
    ts = d["plans"]["tech_staff"]
    if ts is not None:
        assert ts["year"] == ly
        if ts["hire_by"] is not None:
            hb = date.fromisoformat(ts["hire_by"])
            assert today <= hb <= date(ly, 7, 1)

    if tgt is None:
        return

    # every condition failing today and every missing rd_management piece is addressed
    today_a = assess(replace(profile, application_date=today))
    addressed = {a for m in d["milestones"] for a in m["addresses"]}
    for code, cond in today_a.conditions.items():
        if cond.status != "pass":
            assert code in addressed, (code, cond.status)
    codes = {m["code"] for m in d["milestones"]}
    for key in RD_MANAGEMENT_POINTS:
        if key not in profile.rd_management:
            assert f"mgmt.{key}" in codes or (key == "ledger" and "rd.ledger" in codes)
    if "tsme.register" in codes:  # only inside an evaluation window (default 1 June – 31 August)
        due = date.fromisoformat(next(m["due"] for m in d["milestones"] if m["code"] == "tsme.register"))
        assert date(due.year, 6, 1) <= due <= date(due.year, 8, 31)

    # plans.rd covers every open window year; with these minimums the window meets the band
    rd = {r["year"]: r for r in d["plans"]["rd"]}
    assert sorted(rd) == open_
    tot_rd = sum((D(str(profile.years[y].rd_total)) for y in closed), D(0)) + sum(
        (D(str(rd[y]["rd_total_min"])) for y in open_), D(0)
    )
    tot_sales = sum((D(str(profile.years[y].sales)) for y in closed), D(0)) + sum(
        (D(str(rd[y]["sales"])) for y in open_), D(0)
    )
    last_sales = D(str(profile.years[ly].sales)) if ly in closed else D(str(rd[ly]["sales"]))
    pct = 5 if last_sales <= 5000 else (4 if last_sales <= 20000 else 3)
    assert tot_rd * 100 >= tot_sales * pct
    assert d["plans"]["hightech_income"] == {"year": ly, "share_min": 0.6}


@settings(max_examples=100, deadline=None)
@given(
    firms(), st.integers(0, 3), st.sampled_from(["utility_model", "software_copyright", "invention_patent"])
)
def test_what_if_never_mutates_and_is_deterministic(case, n, kind):
    f, today, cal = case
    before = json.dumps(f, sort_keys=True, default=str)
    a = what_if(f, {"add_ip": {kind: n}, "add_tech_staff": n}, today, cal).to_dict()
    b = what_if(f, {"add_ip": {kind: n}, "add_tech_staff": n}, today, cal).to_dict()
    assert a == b
    assert json.dumps(f, sort_keys=True, default=str) == before
