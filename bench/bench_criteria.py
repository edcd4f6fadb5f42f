"""Benchmark of the criteria engine over 20,000 varied in-memory profiles.

Run: ``.venv/bin/python bench/bench_criteria.py [N]`` — prints µs/firm for ``assess()`` alone and
for ``assess()`` + ``to_dict()`` (which also builds the gaps).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipeline.criteria import IPItem, Profile, TsmeFlags, YearFigures, assess  # noqa: E402
from pipeline.criteria.model import CLASS_I, CLASS_II, RD_MANAGEMENT_POINTS  # noqa: E402

KINDS = sorted(CLASS_I) + sorted(CLASS_II) * 3
DOMAINS = ["10101", "10203", "80402", "501", "40", "10999", ""]


def make_profile(rng: random.Random) -> Profile:
    app = date(2026, 6, 15) - timedelta(days=rng.randint(0, 200))
    reg = app - timedelta(days=rng.randint(200, 4000))
    years = {}
    sales = Decimal(rng.randint(100, 30000))
    na = Decimal(rng.randint(-200, 5000))
    for y in range(max(reg.year, app.year - 3), app.year):
        if rng.random() < 0.03:
            continue  # a missing year now and then
        sales = (sales * Decimal(rng.randint(80, 150)) / 100).quantize(Decimal("0.01"))
        na = (na * Decimal(rng.randint(80, 150)) / 100).quantize(Decimal("0.01"))
        rd = (sales * Decimal(rng.randint(0, 90)) / 1000).quantize(Decimal("0.01"))
        staff = rng.randint(3, 700)
        years[y] = YearFigures(
            sales=sales,
            total_income=sales + rng.randint(0, 50),
            hightech_income=(sales * Decimal(rng.randint(0, 100)) / 100).quantize(Decimal("0.01")),
            rd_total=rd,
            rd_domestic=(rd * Decimal(rng.randint(40, 100)) / 100).quantize(Decimal("0.01")),
            net_assets=na,
            total_assets=abs(na) * 2 + 100,
            total_cost=sales * Decimal("0.9"),
            staff=staff,
            tech_staff=rng.randint(0, staff),
        )
    ip = tuple(
        IPItem(
            kind=rng.choice(KINDS),
            status=rng.choice(("granted", "granted", "filed")),
            acquired=rng.choice(("own", "own", "transferred")),
            core=rng.random() < 0.6,
            used_in_hnte=rng.random() < 0.2,
            related=rng.random() < 0.9,
        )
        for _ in range(rng.randint(0, 12))
    )
    return Profile(
        application_date=app,
        registered_on=reg,
        tech_domain=rng.choice(DOMAINS),
        years=years,
        ip=ip,
        conversions={y: rng.randint(0, 7) for y in years},
        grades={"tech_advancement": rng.choice("ABCDE"), "core_support": rng.choice("ABCDEX")},
        rd_management=frozenset(k for k in RD_MANAGEMENT_POINTS if rng.random() < 0.6),
        standards=rng.random() < 0.2,
        incident_within_year=rng.random() < 0.02,
        revoked_this_year=rng.random() < 0.01,
        tsme=TsmeFlags(hnte_valid=rng.random() < 0.1),
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = random.Random(20260615)
    profiles = [make_profile(rng) for _ in range(n)]
    for p in profiles[:200]:  # warm up
        assess(p).to_dict()

    best_a = best_d = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for p in profiles:
            assess(p)
        best_a = min(best_a, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in profiles:
            assess(p).to_dict()
        best_d = min(best_d, time.perf_counter() - t0)
    verdicts = {}
    for p in profiles:
        v = assess(p).verdict
        verdicts[v] = verdicts.get(v, 0) + 1
    print(f"{n} profiles, best of 3 runs, Python {sys.version.split()[0]}")
    print(f"assess():             {best_a * 1e6 / n:7.1f} µs/firm  ({best_a:.3f} s total)")
    print(f"assess()+to_dict():   {best_d * 1e6 / n:7.1f} µs/firm  ({best_d:.3f} s total)")
    print("verdicts:", dict(sorted(verdicts.items())))


if __name__ == "__main__":
    main()
