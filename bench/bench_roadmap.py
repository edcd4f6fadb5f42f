"""Benchmark of the roadmap planner over ~500 generated firms.

Run: ``.venv/bin/python bench/bench_roadmap.py [N]`` — prints the median, p95 and max ms per
``plan()`` (and per ``plan().to_dict()``) with the default calendar, today = 2026-11-27.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.criteria import IPItem, Profile, TsmeFlags, YearFigures  # noqa: E402
from pipeline.criteria.model import CLASS_I, CLASS_II, RD_MANAGEMENT_POINTS  # noqa: E402
from pipeline.roadmap import PlanExtras, default_calendar, plan  # noqa: E402

TODAY = date(2026, 11, 27)
KINDS = sorted(CLASS_I) + sorted(CLASS_II) * 3
DOMAINS = ["10101", "80402", "501", "20101", "40", ""]
Q = Decimal("0.01")


def make_firm(rng: random.Random):
    reg = TODAY - timedelta(days=rng.randint(100, 4000))
    good = rng.random() < 0.5
    years = {}
    sales = Decimal(rng.randint(100, 20000))
    na = Decimal(rng.randint(100, 5000))
    for y in range(max(reg.year, TODAY.year - 4), TODAY.year + 1):
        sales = (sales * Decimal(rng.randint(95 if good else 80, 150)) / 100).quantize(Q)
        na = (na * Decimal(rng.randint(95 if good else 80, 150)) / 100).quantize(Q)
        rd = (sales * Decimal(rng.randint(30 if good else 0, 90)) / 1000).quantize(Q)
        staff = rng.randint(5, 500)
        years[y] = YearFigures(
            sales=sales,
            hightech_income=(sales * Decimal(rng.randint(50 if good else 0, 100)) / 100).quantize(Q),
            rd_total=rd,
            rd_domestic=(rd * Decimal(rng.randint(50, 100)) / 100).quantize(Q),
            net_assets=na,
            total_assets=na * 2,
            total_cost=sales * Decimal("0.9"),
            staff=staff,
            tech_staff=rng.randint(staff // 12 if good else 0, staff),
        )
    ip = tuple(
        IPItem(
            kind=rng.choice(KINDS),
            status=rng.choice(("granted", "granted", "filed")),
            acquired=rng.choice(("own", "own", "transferred")),
            core=rng.random() < 0.6,
            used_in_hnte=rng.random() < 0.2,
        )
        for _ in range(rng.randint(0, 8))
    )
    profile = Profile(
        application_date=TODAY,
        registered_on=reg,
        tech_domain=rng.choice(DOMAINS),
        years=years,
        ip=ip,
        conversions={y: rng.randint(2 if good else 0, 7) for y in years},
        grades={
            "tech_advancement": rng.choice("AAB" if good else "ABCDE"),
            "core_support": rng.choice("AAB" if good else "ABCDEX"),
        },
        rd_management=frozenset(k for k in RD_MANAGEMENT_POINTS if rng.random() < 0.6),
        standards=rng.random() < 0.2,
        incident_within_year=rng.random() < 0.03,
        revoked_this_year=rng.random() < 0.01,
        tsme=TsmeFlags(),
    )
    extras = PlanExtras(
        tsme_registered=rng.random() < 0.5,
        hnte_cert_expiry=(TODAY + timedelta(days=rng.randint(30, 1000))) if rng.random() < 0.1 else None,
    )
    return profile, extras


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rng = random.Random(20261127)
    firms = [make_firm(rng) for _ in range(n)]
    cal = default_calendar(TODAY)
    for p, ex in firms[:20]:  # warm up
        plan(p, TODAY, cal, extras=ex)
    t_plan, t_dict, targets = [], [], 0
    for p, ex in firms:
        t0 = time.perf_counter()
        pl = plan(p, TODAY, cal, extras=ex)
        t1 = time.perf_counter()
        pl.to_dict()
        t2 = time.perf_counter()
        t_plan.append((t1 - t0) * 1000)
        t_dict.append((t2 - t0) * 1000)
        targets += pl.target is not None

    def show(name, xs):
        xs = sorted(xs)
        print(
            f"{name:<20} median {statistics.median(xs):6.2f} ms   p95 {xs[int(len(xs) * 0.95) - 1]:6.2f} ms"
            f"   max {xs[-1]:6.2f} ms"
        )

    print(f"{n} firms, {len(cal.batches)} batches in the calendar, {targets} with a target batch")
    show("plan()", t_plan)
    show("plan().to_dict()", t_dict)


if __name__ == "__main__":
    main()
