"""Property tests (hypothesis): bounds, monotonicity, verdict consistency, determinism."""

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.criteria import IPItem, Profile, TsmeFlags, YearFigures, assess
from pipeline.criteria.model import CLASS_I, CLASS_II, RD_MANAGEMENT_POINTS

KINDS = sorted(CLASS_I | CLASS_II)
SETTINGS = settings(max_examples=200, deadline=None)


def money(lo=0, hi=50_000_00):
    return st.integers(lo, hi).map(lambda c: Decimal(c) / 100)


ip_items = st.builds(
    IPItem,
    kind=st.sampled_from(KINDS),
    status=st.sampled_from(["granted", "granted", "filed"]),
    acquired=st.sampled_from(["own", "transferred"]),
    core=st.booleans(),
    used_in_hnte=st.booleans(),
    related=st.booleans(),
)


@st.composite
def year_figures(draw):
    sales = draw(money())
    income = sales + draw(money(0, 10_000))
    rd = draw(money(0, 5_000_00))
    staff = draw(st.integers(0, 800))

    def maybe(s):
        return draw(st.one_of(st.none(), s)) if draw(st.integers(0, 9)) == 0 else draw(s)

    return YearFigures(
        sales=sales,
        total_income=draw(st.sampled_from([None, income])),
        hightech_income=maybe(st.integers(0, 100).map(lambda pct: (income if income else sales) * pct / 100)),
        rd_total=rd,
        rd_domestic=draw(st.one_of(st.none(), st.integers(0, 100).map(lambda pct: rd * pct / 100))),
        net_assets=maybe(money(-1_000_00, 50_000_00)),
        total_assets=maybe(money()),
        total_cost=maybe(money()),
        staff=staff,
        tech_staff=maybe(st.integers(0, staff)),
        rd_deductible=draw(st.one_of(st.none(), money(0, 5_000_00))),
    )


@st.composite
def profiles(draw):
    app = draw(st.dates(date(2018, 1, 1), date(2030, 12, 31)))
    reg = app - timedelta(days=draw(st.integers(0, 4000)))
    Y = app.year
    years = {}
    for y in range(max(reg.year, Y - 4), Y + 1):
        if draw(st.integers(0, 9)) > 0:
            years[y] = draw(year_figures())
    grades = {}
    for k in ("tech_advancement", "core_support"):
        g = draw(st.sampled_from("ABCDE-"))
        if g != "-":
            grades[k] = g
    return Profile(
        application_date=app,
        registered_on=reg,
        tech_domain=draw(st.sampled_from(["10101", "101", "10", "10999", "109", "", None, "80902"])),
        years=years,
        ip=tuple(draw(st.lists(ip_items, max_size=8))),
        conversions={y: draw(st.integers(0, 8)) for y in range(Y - 3, Y)},
        grades=grades,
        rd_management=frozenset(draw(st.sets(st.sampled_from(sorted(RD_MANAGEMENT_POINTS))))),
        standards=draw(st.booleans()),
        incident_within_year=draw(st.booleans()),
        revoked_this_year=draw(st.integers(0, 9)) == 0,
        tsme=TsmeFlags(
            hnte_valid=draw(st.booleans()),
            restricted_industry=draw(st.integers(0, 9)) == 0,
            incident_prev_or_this_year=draw(st.sampled_from([None, False, True])),
        ),
    )


def score_of(a):
    return (a.score_min, a.score_max)


@SETTINGS
@given(profiles())
def test_score_bounds(p):
    a = assess(p)
    assert 0 <= a.score_min <= a.score_max <= 100
    for lo, hi in a.items.values():
        assert 0 <= lo <= hi
    it = a.items
    assert it["ip_total"][1] <= 30
    parts = ("ip_total", "conversion", "rd_management", "growth_net_assets", "growth_sales")
    assert a.score_min == sum(it[k][0] for k in parts)
    assert a.score_max == sum(it[k][1] for k in parts)
    if a.tsme is not None:
        assert 0 <= a.tsme.score <= 100


@SETTINGS
@given(profiles())
def test_verdict_consistent(p):
    a = assess(p)
    s = {c.status for c in a.conditions.values()}
    expected = (
        "not_ready"
        if "fail" in s
        else "incomplete"
        if "missing" in s
        else "marginal"
        if "uncertain" in s
        else "ready"
    )
    assert a.verdict == expected
    h8 = a.conditions["H8"].status
    assert h8 == ("pass" if a.score_min >= 71 else "uncertain" if a.score_max >= 71 else "fail")


@SETTINGS
@given(profiles())
def test_deterministic_and_json(p):
    d1 = assess(p).to_dict()
    d2 = assess(p).to_dict()
    assert d1 == d2
    assert json.loads(json.dumps(d1, ensure_ascii=False)) == d1


@SETTINGS
@given(profiles(), st.data())
def test_more_rd_never_hurts(p, data):
    window = [
        y
        for y in range(p.application_date.year - 3, p.application_date.year)
        if y in p.years and p.years[y].rd_total is not None
    ]
    if not window:
        return
    y = data.draw(st.sampled_from(window))
    delta = data.draw(money(1, 1_000_00))
    f = p.years[y]
    f2 = dataclasses.replace(
        f,
        rd_total=f.rd_total + delta,
        rd_domestic=None if f.rd_domestic is None else f.rd_domestic + delta,
        rd_deductible=None if f.rd_deductible is None else f.rd_deductible + delta,
    )
    q = dataclasses.replace(p, years={**p.years, y: f2})
    a, b = assess(p), assess(q)
    assert b.score_min >= a.score_min and b.score_max >= a.score_max
    for k in a.items:
        assert b.items[k][0] >= a.items[k][0] and b.items[k][1] >= a.items[k][1]
    for cid in ("H5", "H6"):
        if a.conditions[cid].status == "pass":
            assert b.conditions[cid].status == "pass", cid
    if a.tsme is not None:
        assert b.tsme.score >= a.tsme.score


@SETTINGS
@given(profiles(), ip_items)
def test_more_granted_ip_never_hurts(p, item):
    item = dataclasses.replace(item, status="granted")
    q = dataclasses.replace(p, ip=p.ip + (item,))
    a, b = assess(p), assess(q)
    assert b.score_min >= a.score_min and b.score_max >= a.score_max
    for k in a.items:
        assert b.items[k][0] >= a.items[k][0] and b.items[k][1] >= a.items[k][1]
    if a.conditions["H2"].status == "pass":
        assert b.conditions["H2"].status == "pass"
    if a.tsme is not None:
        assert b.tsme.score >= a.tsme.score


@SETTINGS
@given(profiles())
def test_gaps_well_formed(p):
    for g in assess(p).to_dict()["gaps"]:
        assert set(g) == {"code", "what", "amount", "unit", "explain"}
        assert g["unit"] in {"万元", "人", "项", "次/年", None}
        if g["amount"] is not None:
            assert g["amount"] > 0


def _bump(p, y, **adds):
    f = p.years[y]
    ch = {}
    for k, v in adds.items():
        cur = getattr(f, k)
        ch[k] = None if cur is None else cur + v
    return dataclasses.replace(p, years={**p.years, y: dataclasses.replace(f, **ch)})


@SETTINGS
@given(profiles())
def test_applying_a_gap_closes_it(p):
    """Adding exactly the gap amount in FY Y−1 turns H4/H5/H6/H7 from fail to pass."""
    a = assess(p)
    ly = p.application_date.year - 1
    for g in a.gaps:
        if g.code == "H5" and g.amount is not None:
            q = _bump(p, ly, rd_total=g.amount, rd_domestic=g.amount, rd_deductible=g.amount)
            assert assess(q).conditions["H5"].status == "pass"
        elif g.code == "H6" and g.amount is not None:
            f = p.years[ly]
            q = _bump(p, ly, rd_total=g.amount)
            if f.rd_domestic is not None:
                q = _bump(q, ly, rd_domestic=g.amount)
            assert assess(q).conditions["H6"].status == "pass"
        elif g.code == "H7" and g.amount is not None:
            q = _bump(p, ly, hightech_income=g.amount)
            assert assess(q).conditions["H7"].status == "pass"
        elif g.code == "H4" and g.amount is not None:
            q = _bump(p, ly, staff=g.amount, tech_staff=g.amount)
            assert assess(q).conditions["H4"].status == "pass"
            if g.amount > 1:
                q = _bump(p, ly, staff=g.amount - 1, tech_staff=g.amount - 1)
                assert assess(q).conditions["H4"].status == "fail"


@SETTINGS
@given(
    st.lists(st.one_of(money(-1_000_00, 10_000_00), st.integers(-5, 5).map(Decimal)), min_size=2, max_size=3)
)
def test_growth_fast_path_equals_exact(values):
    from pipeline.criteria import score as S

    assert S.growth_band_of(values) == S.growth_band(S.growth_rate(values))


@SETTINGS
@given(st.integers(1, 10**6), st.sampled_from([5, 15, 25, 35, 0]), st.integers(-2, 2))
def test_growth_exact_at_edges(v1, pct, nudge):
    """Series whose two ratios are both exactly 1 + pct/100 (± a cent) land on the exact band."""
    from pipeline.criteria import score as S

    f = Decimal(100 + pct) / 100
    vals = [Decimal(v1), Decimal(v1) * f, Decimal(v1) * f * f + Decimal(nudge) / 100]
    assert S.growth_band_of(vals) == S.growth_band(S.growth_rate(vals))
