"""Forecast of the 1000-firm goal: PURE (no Flask, no database, no clock).

Input: one :class:`FirmOutlook` per firm (its current certificate, its roadmap's target batch and
projected score, its assessment verdict), the years to project and the targets. Output: a
:class:`Forecast` with, per year, the expected new certifications, the expiries without
re-application and the projected number of active certificates at year end against the target,
each with a low/high range; per batch the expected certifications; and the assumptions it used,
as data with a Chinese sentence each, so the page and the briefing pack can state them.

The model, in words (also in :data:`DEFAULT_ASSUMPTIONS`):

* A firm whose roadmap targets a batch in year *t* is certified in year *t* with a probability
  set by its projected score margin at that batch (``projected_min − 71``); the low and high
  figures use the low and high probability of the same band. No target → no new certificate.
* A certificate is counted at the end of year *Y* when its expiry is on or after 31 December *Y*.
  A certificate granted in year *t* (公示 Sep–Dec) runs to the end of year *t + 2* and expires in
  year *t + 3*; from then on it counts only with the renewal rate (re-application in the expiry
  year, rules §5), because no roadmap plans that far ahead.
* A current certificate that expires inside the projection and whose roadmap does not plan a
  re-application by its expiry year is lost (an expiry without re-application).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date

__all__ = [
    "Assumptions",
    "DEFAULT_ASSUMPTIONS",
    "FirmOutlook",
    "Band",
    "YearForecast",
    "BatchForecast",
    "Forecast",
    "forecast",
    "forecast_with_scenarios",
    "SCENARIOS",
    "apply_scenario",
    "PASS_SCORE",
]

from pipeline.criteria.rules import PASS_SCORE  # noqa: E402  H8: innovation score > 70 (the rules table)


@dataclass(frozen=True, slots=True)
class Band:
    """Certification probability of one margin band: low, expected, high."""

    low: float
    expected: float
    high: float


@dataclass(frozen=True, slots=True)
class Assumptions:
    solid_margin: int = 5  # projected_min ≥ 71 + solid_margin → the solid band
    solid: Band = Band(0.80, 0.90, 1.00)
    thin: Band = Band(0.50, 0.70, 0.90)  # 71 ≤ projected_min < 71 + solid_margin
    marginal: Band = Band(0.20, 0.40, 0.60)  # projected_min < 71 ≤ projected_max
    below: Band = Band(0.00, 0.05, 0.15)  # projected_max < 71 or no projection
    renewal: Band = Band(0.70, 0.85, 0.95)  # certificates granted inside the projection, renewed
    validity_years: int = 3

    def band_for(self, projected_min: int | None, projected_max: int | None) -> Band:
        if projected_min is None:
            return self.below
        if projected_min >= PASS_SCORE + self.solid_margin:
            return self.solid
        if projected_min >= PASS_SCORE:
            return self.thin
        if projected_max is not None and projected_max >= PASS_SCORE:
            return self.marginal
        return self.below

    def statements(self) -> list[dict]:
        """The assumptions as data: key, value and a sentence in Chinese."""

        def b(band: Band) -> str:
            return f"{band.expected:.0%}（区间 {band.low:.0%}–{band.high:.0%}）"

        return [
            {
                "key": "target",
                "value": None,
                "text": "只有路线图已确定目标批次的企业计入新增认定；没有可行批次的企业不计入。",
            },
            {
                "key": "solid",
                "value": asdict(self.solid),
                "text": f"目标批次预测得分下限 ≥ {PASS_SCORE + self.solid_margin} 分的企业，通过概率按 {b(self.solid)} 计。",
            },
            {
                "key": "thin",
                "value": asdict(self.thin),
                "text": f"预测得分下限在 {PASS_SCORE}–{PASS_SCORE + self.solid_margin - 1} 分（余量小）的企业，通过概率按 {b(self.thin)} 计。",
            },
            {
                "key": "marginal",
                "value": asdict(self.marginal),
                "text": f"预测得分区间跨过 {PASS_SCORE} 分（下限不足、上限达到）的企业，通过概率按 {b(self.marginal)} 计。",
            },
            {
                "key": "below",
                "value": asdict(self.below),
                "text": f"预测得分上限不足 {PASS_SCORE} 分的企业，通过概率按 {b(self.below)} 计。",
            },
            {
                "key": "timing",
                "value": self.validity_years,
                "text": f"批次当年 9–12 月公示发证，年底计入有效；证书有效期 {self.validity_years} 年，到期当年年底不再计入，除非重新认定。",
            },
            {
                "key": "expiry",
                "value": None,
                "text": "现有证书在预测期内到期、而路线图未安排到期当年（或更早）重新申报的，按到期失效扣减。",
            },
            {
                "key": "renewal",
                "value": asdict(self.renewal),
                "text": f"预测期内新认定的企业三年后到期时，按重新认定率 {b(self.renewal)} 保留。",
            },
            {
                "key": "range",
                "value": None,
                "text": "区间（低/高）为每家企业都取低/高概率时的合计，反映假设的不确定性，并非统计置信区间。",
            },
        ]


DEFAULT_ASSUMPTIONS = Assumptions()


@dataclass(frozen=True, slots=True)
class FirmOutlook:
    """What the forecast needs to know about one firm (built by services/goals.py)."""

    firm_id: int
    county_id: int | None = None
    verdict: str | None = None  # assessment today: ready | marginal | not_ready | incomplete
    target_batch: str | None = None  # roadmap target (None: no feasible batch / no roadmap)
    target_year: int | None = None
    projected_min: int | None = None  # roadmap's projected score at the target cutoff
    projected_max: int | None = None
    cert_expiry: date | None = None  # current certificate's expiry (None: none or lapsed)
    rd_dependent: bool = False  # roadmap still needs R&D spending before its target
    weight: int = 1  # how many identical firms this row stands for (grouped loads)


@dataclass(slots=True)
class YearForecast:
    year: int
    target: int | None
    new_expected: float = 0.0
    new_low: float = 0.0
    new_high: float = 0.0
    renewals_expected: float = 0.0  # re-certifications of current certificates planned in the roadmap
    expiring: int = 0  # current certificates expiring in the year
    expiring_without_reapplication: int = 0
    active_expected: float = 0.0
    active_low: float = 0.0
    active_high: float = 0.0

    @property
    def gap_expected(self) -> float | None:
        return None if self.target is None else self.target - self.active_expected

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__slots__}
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 1)
        d["gap_expected"] = None if self.target is None else round(self.target - self.active_expected, 1)
        d["reaches_target"] = None if self.target is None else self.active_expected >= self.target
        return d


@dataclass(slots=True)
class BatchForecast:
    batch: str
    year: int
    firms: int = 0
    expected: float = 0.0
    low: float = 0.0
    high: float = 0.0

    def to_dict(self) -> dict:
        return {
            "batch": self.batch,
            "year": self.year,
            "firms": self.firms,
            "expected": round(self.expected, 1),
            "low": round(self.low, 1),
            "high": round(self.high, 1),
        }


@dataclass(slots=True)
class Forecast:
    today: date
    active_today: int
    years: list[YearForecast]
    batches: list[BatchForecast]
    assumptions: list[dict]
    scenario: str = "base"
    scenarios: dict[str, list[YearForecast]] = field(default_factory=dict)

    def year(self, y: int) -> YearForecast:
        return next(f for f in self.years if f.year == y)

    def to_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "scenario": self.scenario,
            "active_today": self.active_today,
            "years": [y.to_dict() for y in self.years],
            "batches": [b.to_dict() for b in self.batches],
            "assumptions": self.assumptions,
            "scenarios": {
                k: {"label": SCENARIOS[k][0], "years": [y.to_dict() for y in v]}
                for k, v in self.scenarios.items()
            },
        }


def _year_end(y: int) -> date:
    return date(y, 12, 31)


def forecast(
    outlooks: Iterable[FirmOutlook],
    today: date,
    years: Sequence[int],
    targets: Mapping[int, int] | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    scenario: str = "base",
) -> Forecast:
    """Project active certificates at the end of each of ``years`` (see the module docstring)."""
    targets = targets or {}
    a = assumptions
    rows = {y: YearForecast(year=y, target=targets.get(y)) for y in years}
    batches: dict[str, BatchForecast] = {}
    active_today = 0
    for o in outlooks:
        expiry = o.cert_expiry if o.cert_expiry is not None and o.cert_expiry >= today else None
        w = o.weight
        if expiry is not None:
            active_today += w
        t = o.target_year
        # A target batch already behind us (or before today's year) cannot certify any more.
        if t is not None and t < today.year:
            t = None
        band = a.band_for(o.projected_min, o.projected_max) if t is not None else None
        renews = expiry is not None and t is not None and t <= expiry.year
        if t is not None and o.target_batch:
            bf = batches.get(o.target_batch)
            if bf is None:
                bf = batches[o.target_batch] = BatchForecast(o.target_batch, t)
            bf.firms += w
            bf.expected += w * band.expected
            bf.low += w * band.low
            bf.high += w * band.high
        if expiry is not None and expiry.year in rows:
            rows[expiry.year].expiring += w
            if not renews:
                rows[expiry.year].expiring_without_reapplication += w
        for y, row in rows.items():
            if t is not None and t == y:
                if renews:
                    row.renewals_expected += w * band.expected
                else:
                    row.new_expected += w * band.expected
                    row.new_low += w * band.low
                    row.new_high += w * band.high
            if expiry is not None and expiry >= _year_end(y):
                row.active_expected += w
                row.active_low += w
                row.active_high += w
                continue
            if t is None or y < t:
                continue
            # Covered by the new certificate from the target year on.
            if y < t + a.validity_years:
                row.active_expected += w * band.expected
                row.active_low += w * band.low
                row.active_high += w * band.high
            else:
                row.active_expected += w * band.expected * a.renewal.expected
                row.active_low += w * band.low * a.renewal.low
                row.active_high += w * band.high * a.renewal.high
    return Forecast(
        today=today,
        active_today=active_today,
        years=[rows[y] for y in years],
        batches=sorted(batches.values(), key=lambda b: (b.year, b.batch)),
        assumptions=a.statements(),
        scenario=scenario,
    )


# ------------------------------------------------------------------ scenarios


def _close_gaps(o: FirmOutlook, first_year: int | None) -> FirmOutlook:
    """A marginal firm closes its gap: it passes at its target batch (or the first batch ahead)
    with a solid projected score."""
    if o.verdict != "marginal":
        return o
    year = o.target_year if o.target_year is not None else first_year
    if year is None:
        return o
    solid = PASS_SCORE + DEFAULT_ASSUMPTIONS.solid_margin
    return replace(
        o,
        target_year=year,
        target_batch=o.target_batch or f"{year}·首批",
        projected_min=max(o.projected_min or 0, solid),
        projected_max=max(o.projected_max or 0, solid),
    )


def _rd_slip(o: FirmOutlook, first_year: int | None) -> FirmOutlook:
    """R&D plans slip a year: a firm whose roadmap still needs R&D spending reaches its target a year late."""
    if not o.rd_dependent or o.target_year is None:
        return o
    return replace(
        o, target_year=o.target_year + 1, target_batch=f"{o.target_year + 1}·顺延" if o.target_batch else None
    )


SCENARIOS = {
    "close_gaps": ("若所有“临界”企业补齐短板", _close_gaps),
    "rd_slip": ("若研发投入计划推迟一年", _rd_slip),
}


def apply_scenario(outlooks: Iterable[FirmOutlook], name: str, first_year: int | None) -> list[FirmOutlook]:
    fn = SCENARIOS[name][1]
    return [fn(o, first_year) for o in outlooks]


def forecast_with_scenarios(
    outlooks: Sequence[FirmOutlook],
    today: date,
    years: Sequence[int],
    targets: Mapping[int, int] | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    first_batch_year: int | None = None,
) -> Forecast:
    """The base forecast with every scenario's yearly figures attached (``Forecast.scenarios``)."""
    outlooks = list(outlooks)
    base = forecast(outlooks, today, years, targets, assumptions)
    for name in SCENARIOS:
        alt = forecast(
            apply_scenario(outlooks, name, first_batch_year), today, years, targets, assumptions, name
        )
        base.scenarios[name] = alt.years
    return base
