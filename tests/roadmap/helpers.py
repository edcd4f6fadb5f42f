"""Builders for roadmap tests (import as ``tests.roadmap.helpers``).

``ready_firm()`` is the contract JSON of a software firm that meets every HNTE condition for
the first 2027 batch when planned on TODAY (2026-11-27; 2026 is the open current year, its
figures are the firm's expectations). Tests change one thing at a time.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from pipeline.criteria.model import RD_MANAGEMENT_POINTS

TODAY = date(2026, 11, 27)
D = Decimal


def year(sales, rd, ht, na, staff=60, tech=12, **kw):
    out = {
        "sales": sales,
        "hightech_income": ht,
        "rd_total": rd,
        "net_assets": na,
        "total_assets": na * 2 + 500,
        "total_cost": int(sales * 0.9),
        "staff": staff,
        "tech_staff": tech,
    }
    out.update(kw)
    return out


def ready_firm():
    return {
        "application_date": "2026-06-15",
        "registered_on": "2019-03-10",
        "tech_domain": "10101",
        "years": {
            "2023": year(2000, 120, 1500, 1000),
            "2024": year(2600, 150, 2000, 1300),
            "2025": year(3400, 180, 2600, 1700),
            "2026": year(4400, 240, 3400, 2200, staff=66, tech=13),
        },
        "ip": [{"kind": "invention_patent", "status": "granted", "acquired": "own", "core": True}],
        "conversions": {"2023": 5, "2024": 5, "2025": 5, "2026": 5},
        "grades": {"tech_advancement": "A", "core_support": "A"},
        "rd_management": {k: True for k in RD_MANAGEMENT_POINTS},
        "tsme_registered": True,
    }


def firm(**changes):
    f = copy.deepcopy(ready_firm())
    for k, v in changes.items():
        f[k] = v
    return f


def set_year(f, y, **kw):
    f["years"][str(y)].update(kw)
    return f


def codes(d):
    return [m["code"] for m in d["milestones"]]


def blocked(d):
    return {b["batch"]: b for b in d["earlier_batches"]}


def band_pct(last_sales):
    return 5 if last_sales <= 5000 else (4 if last_sales <= 20000 else 3)
