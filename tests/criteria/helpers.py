"""Builders for criteria-engine tests (import as ``tests.criteria.helpers``).

``good_profile()`` is a firm that meets every HNTE condition with room to spare; tests change one
thing at a time with ``replace`` / ``with_year``. All figures are chosen so that results can be
worked out by hand.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

from pipeline.criteria import IPItem, Profile, TsmeFlags, YearFigures
from pipeline.criteria.model import RD_MANAGEMENT_POINTS

D = Decimal
APP = date(2026, 6, 15)  # application year Y = 2026, window 2023..2025
REG = date(2020, 1, 1)
ALL_RDM = frozenset(RD_MANAGEMENT_POINTS)


def fig(**kw) -> YearFigures:
    """A year of figures; amounts given as str/int become Decimal."""
    base = dict(
        sales=1000,
        total_income=1000,
        hightech_income=800,
        rd_total=100,
        rd_domestic=100,
        net_assets=1000,
        total_assets=3000,
        total_cost=900,
        staff=100,
        tech_staff=20,
    )
    base.update(kw)
    out = {}
    for k, v in base.items():
        if k in ("staff", "tech_staff", "tech_staff_tsme") or v is None:
            out[k] = v
        else:
            out[k] = D(str(v))
    return YearFigures(**out)


def good_years():
    # sales and net assets grow 40% a year: growth 0.4 → 9–10 each.
    return {
        2023: fig(sales=1000, total_income=1000, hightech_income=800, rd_total=100, net_assets=1000),
        2024: fig(sales=1400, total_income=1400, hightech_income=1120, rd_total=140, net_assets=1400),
        2025: fig(sales=1960, total_income=1960, hightech_income=1568, rd_total=196, net_assets=1960),
    }


INVENTION = IPItem(kind="invention_patent", status="granted", acquired="own", core=True)


def good_profile(**kw) -> Profile:
    base = dict(
        application_date=APP,
        registered_on=REG,
        tech_domain="10101",
        years=good_years(),
        ip=(INVENTION,),
        conversions={2023: 5, 2024: 5, 2025: 5},
        grades={"tech_advancement": "A", "core_support": "A"},
        rd_management=ALL_RDM,
        standards=True,
        incident_within_year=False,
        revoked_this_year=False,
        tsme=TsmeFlags(),
    )
    base.update(kw)
    return Profile(**base)


def replace(p, **kw):
    return dataclasses.replace(p, **kw)


def with_year(p, year, **kw):
    """Copy of ``p`` with fields of one year replaced (amounts as str/int ok)."""
    years = dict(p.years)
    cur = years[year]
    conv = {}
    for k, v in kw.items():
        if k in ("staff", "tech_staff", "tech_staff_tsme") or v is None:
            conv[k] = v
        else:
            conv[k] = D(str(v))
    years[year] = dataclasses.replace(cur, **conv)
    return dataclasses.replace(p, years=years)


def series(field, values, p=None, start=2023):
    """Set one field across consecutive years starting at ``start``."""
    p = p or good_profile()
    for i, v in enumerate(values):
        p = with_year(p, start + i, **{field: v})
    return p


def good_dict():
    """The contract JSON form of a passing firm (same figures as good_profile)."""
    years = {}
    for y, f in good_years().items():
        years[str(y)] = {
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in dataclasses.asdict(f).items()
            if v is not None
        }
    return {
        "application_date": "2026-06-15",
        "registered_on": "2020-01-01",
        "tech_domain": "10101",
        "years": years,
        "ip": [
            {
                "kind": "invention_patent",
                "status": "granted",
                "acquired": "own",
                "core": True,
                "used_in_hnte": False,
            }
        ],
        "conversions": {"2023": 5, "2024": 5, "2025": 5},
        "grades": {"tech_advancement": "A", "core_support": "A"},
        "rd_management": {k: True for k in RD_MANAGEMENT_POINTS},
        "standards": True,
        "incident_within_year": False,
        "revoked_this_year": False,
        "tsme": {"hnte_valid": False},
    }


def dumps(d):
    return json.dumps(d, ensure_ascii=False)
