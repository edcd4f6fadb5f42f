"""Innovation-capacity score (《工作指引》三（七）) as [min, max] bands, exact arithmetic only.

Every function here is pure and cheap; ratios are compared by cross-multiplication on
int/Decimal, never through floats.
"""

from __future__ import annotations

from .model import CLASS_I, RD_MANAGEMENT_POINTS
from .rules import (  # noqa: F401
    CONVERSION_BANDS,
    GRADE_BANDS,
    GROWTH_BANDS,
    GROWTH_POSITIVE_BAND,
    IP_CLASS1_BAND,
    IP_QUANTITY_BANDS,
    UNKNOWN_GRADE,
    UNKNOWN_GROWTH,
)

ZERO = (0, 0)


class IPCounts:
    """One pass over the IP list; every count the HNTE and tech-SME scores need."""

    __slots__ = (
        "class1",
        "class2",
        "own",
        "transferred",
        "core",
        "filed",
        "used_class2",
        "core_uncountable",
        "tsme_class1",
        "tsme_class2",
    )

    def __init__(self, items):
        class1 = class2 = own = transferred = core = filed = used2 = core_unc = 0
        t1 = t2 = 0
        for it in items:
            if it.status != "granted":
                filed += 1
                continue
            is1 = it.kind in CLASS_I
            if it.related:
                if is1:
                    t1 += 1
                else:
                    t2 += 1
            if not is1 and it.used_in_hnte:
                used2 += 1
                if it.core:
                    core_unc += 1
                continue
            if is1:
                class1 += 1
            else:
                class2 += 1
            if it.acquired == "own":
                own += 1
            else:
                transferred += 1
            if it.core:
                core += 1
        self.class1 = class1
        self.class2 = class2
        self.own = own
        self.transferred = transferred
        self.core = core
        self.filed = filed
        self.used_class2 = used2
        self.core_uncountable = core_unc
        self.tsme_class1 = t1
        self.tsme_class2 = t2


def grade_band(grade):
    """A/B/C/D/E → 7–8/5–6/3–4/1–2/0; anything else (not assessed) → [0, 8]."""
    return GRADE_BANDS.get(grade, UNKNOWN_GRADE)


def quantity_band(class1, class2):
    """知识产权数量: any Class I → 7–8; Class II ≥5 → 5–6, 3–4 → 3–4, 1–2 → 1–2; none → 0."""
    if class1:
        return IP_CLASS1_BAND
    for n, band in IP_QUANTITY_BANDS:
        if class2 >= n:
            return band
    return ZERO


def acquisition_band(own, transferred):
    """获得方式: any own-R&D IP → 1–6; only transferred → 1–3; none → 0."""
    if own:
        return (1, 6)
    if transferred:
        return (1, 3)
    return ZERO


def conversion_band(total, n_years):
    """Annual average total/n (n ≥ 1) banded ≥5, ≥4, ≥3, ≥2, ≥1; compared as total ≥ k·n."""
    n = n_years if n_years > 0 else 1
    for k, band in CONVERSION_BANDS:
        if total >= k * n:
            return band
    return ZERO


def rd_management_points(keys):
    """Sum of the points of the evidence pieces present."""
    pts = RD_MANAGEMENT_POINTS
    return sum(pts[k] for k in keys if k in pts)


def growth_rate(values):
    """Exact growth rate of the operated window year-end values, oldest first.

    Returns ``(num, den)`` with den > 0 (rate = num/den), or a reason string when no rate
    exists: ``"short"`` (fewer than two years), ``"v2"`` (second-to-last basis ≤ 0).
    Three years: ½(V₂/V₁ + V₃/V₂) − 1, with V₁ ≤ 0 → V₃/V₂ − 1; two years: V₃/V₂ − 1.
    """
    n = len(values)
    if n < 2:
        return "short"
    a2, b2 = values[-2].as_integer_ratio()
    if a2 <= 0:
        return "v2"
    a3, b3 = values[-1].as_integer_ratio()
    if n >= 3:
        a1, b1 = values[-3].as_integer_ratio()
        if a1 > 0:
            # V2/V1 + V3/V2 = (a2 b1)/(b2 a1) + (a3 b2)/(b3 a2)
            num = a2 * b1 * b3 * a2 + a3 * b2 * b2 * a1
            den = b2 * a1 * b3 * a2
            return (num - 2 * den, 2 * den)
    return (a3 * b2 - b3 * a2, b3 * a2)


def growth_band(rate):
    """Band of a rate ``(num, den)``: ≥35% 9–10, ≥25% 7–8, ≥15% 5–6, ≥5% 3–4, >0 1–2, else 0."""
    if rate.__class__ is str:
        return ZERO
    num, den = rate
    if num <= 0:
        return ZERO
    n100 = num * 100
    for pct, band in GROWTH_BANDS:
        if n100 >= pct * den:
            return band
    return GROWTH_POSITIVE_BAND


_EDGES = tuple(pct / 100 for pct, _band in GROWTH_BANDS) + (0.0,)


def growth_band_of(values):
    """Band of the growth of ``values`` (oldest first, ≥ 2 values, all not None).

    Fast path in floats when the rate is clearly away from every band edge (> 1e-9); at an
    edge the exact rational rate of :func:`growth_rate` decides, so boundaries stay exact.
    """
    n = len(values)
    if n < 2:
        return ZERO
    v2 = float(values[-2])
    if v2 <= 0:
        return ZERO
    v3 = float(values[-1])
    if n >= 3:
        v1 = float(values[-3])
        r = (v2 / v1 + v3 / v2) * 0.5 - 1.0 if v1 > 0 else v3 / v2 - 1.0
    else:
        r = v3 / v2 - 1.0
    for e in _EDGES:
        if -1e-9 < r - e < 1e-9:
            return growth_band(growth_rate(values))
    for pct, band in GROWTH_BANDS:
        if r >= pct / 100:
            return band
    if r > 0:
        return GROWTH_POSITIVE_BAND
    return ZERO
