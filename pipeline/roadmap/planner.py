"""The roadmap planner (``spec/plan-io.md``): one firm → target batch, plans and milestones.

Pure: no Flask, no database, no clock – ``today`` is an argument. The same function serves the
web roadmap, the PDF, the reminders, the forecast and ``python -m pipeline.plan``.

How a plan is made
------------------
For every batch of the calendar whose cutoff is after ``today``, in order, the firm is projected
to that cutoff (application year Y = ``batch.year``, window FY Y−3..Y−1):

* **Facts and projections.** A fiscal year that ended before ``today`` is *closed*: its figures
  are facts and are never changed. The current year uses the firm's expected figures where the
  profile has them; later years (and missing fields) are projected from the previous year with
  ``sales_growth`` (money fields) and ``net_assets_growth`` (net assets); head counts stay flat.
* **Levers on open years** (what the firm can still change before the cutoff):
  R&D spend (H5/H6), tech-staff hires (H4, only if hired by 30 June of Y−1 so they work
  ≥183 days that year), high-tech income share of Y−1 (H7), conversions per open window year
  and new IP filings (H2, H8), the missing R&D-management pieces (H8: always all of them).
  The current year can change only in the part that is left: with a fraction *f* of the year
  remaining, R&D can reach at most (1−f)·planned + f·``max_rd_ratio``·sales and the high-tech
  share at most (1−f)·share + f; conversions add at most ⌊f·``max_conversions_per_year``⌋.
* **Time-bound conditions move the target, they are not "fixed":** H1 (registered ≥365 days
  before the cutoff), H9 (no incident in the year before the cutoff), H10 (revoked this year),
  a valid HNTE certificate (re-apply in its expiry year).
* The batch is the **target** when the planned firm, assessed at the cutoff by the criteria
  engine, passes every hard condition with ``score.min ≥ 71`` (verdict ``ready``). Otherwise it
  goes to ``earlier_batches`` with the blocking codes and a Chinese ``why`` with numbers.

Milestones (codes of the contract, plus ``score.selfcheck``, ``domain.select``,
``data.complete`` and ``ip.evaluate``) are all due within [today, target cutoff]; an ``ip.file.*``
is due at cutoff − lead time (the latest filing date that still gives a grant in time).
Conventions where the rules leave room: hires by 30 June of Y−1 count in full for H4 (the
monthly-average effect of a mid-year hire is not modelled); ``annual.report`` milestones are
listed only for a firm that already holds a certificate and only for 31 May dates up to the
target cutoff and the certificate's expiry – the first 年报 after a new certificate falls after
the cutoff, so it is left to the post-certification reminders.

With no feasible batch, ``target`` is null, every batch is explained, and ``projected``,
``plans`` and ``milestones`` are the best effort for the *last* batch of the calendar (due dates
within its cutoff).

Optional planning keys read from the profile JSON (``parse_plan_input``), besides the contract's
``assumptions``: ``tsme_registered`` (bool, default false: the firm is not yet in the tech-SME
database, so ``tsme.register`` comes first), ``hnte_cert_expiry`` (date: the HNTE certificate
is valid until then; the firm re-applies in that year), ``incident_date`` (date of the latest
major incident; without it ``incident_within_year: true`` is taken as an incident today),
``fast_track`` (bool: the firm's county has a 知识产权保护中心 预审 fast track, so the fast-track
lead times apply), ``applied_years`` (years in which the firm already applied or failed: with the
calendar's ``one_per_year`` rule no other batch of such a year is planned, code ``one_per_year``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from pipeline.criteria import (
    CLASS_I,
    IP_KINDS,
    RD_MANAGEMENT_NAMES,
    RD_MANAGEMENT_POINTS,
    IPItem,
    Profile,
    ProfileError,
    YearFigures,
    assess,
    parse_profile,
)
from pipeline.criteria import score as S
from pipeline.criteria.messages import Msg, join, msg_json
from pipeline.criteria.rules import (
    BAN,
    DEFAULT_PROVINCE,
    GUIDE,
    OFFSETS,
    PASS_SCORE,
    STAFF_MIN_DAYS,
    TSME_DOC,
    days_in_year,
    hires_needed,
    rd_band_pct,
)

from .calendar import (
    DEFAULT_LEAD_TIMES,
    FAST_TRACK_LEAD_TIMES,
    IP_KIND_NAMES,
    PLANNER_DATA_VERSION,
    Batch,
    Calendar,
    LeadTime,
    add_months,
    default_calendar,
)

__all__ = [
    "plan",
    "what_if",
    "parse_plan_input",
    "Plan",
    "PlanExtras",
    "Overrides",
    "Blocked",
    "RDPlan",
    "StaffPlan",
    "HightechPlan",
    "Milestone",
    "WhatIfError",
    "DEFAULT_ASSUMPTIONS",
    "WHAT_IF_KEYS",
    "PASS_SCORE",
    "Likely",
    "outlook",
    "hire_weight",
    "hires_at",
]

Q = Decimal("0.01")
ZERO = Decimal(0)
SIX = Decimal("0.6")
ALL_RDM = frozenset(RD_MANAGEMENT_POINTS)
#: Tie-break weight of one extra conversion against IP cost (万元-equivalent), [U] house value.
CONVERSION_WEIGHT = Decimal("0.2")
#: Tie-break weight of taking part in a standard (+1 at the minimum): costly and slow, [U] house value.
STANDARDS_WEIGHT = Decimal("3.0")

#: Planning assumptions and their defaults (overridable per firm in ``assumptions``).
#: sales_growth              yearly growth of sales and the other money figures (0.10 = 10%).
#: net_assets_growth         yearly growth of net assets; default = sales_growth.
#: max_rd_ratio              the highest R&D / sales the planner asks of a future year.
#: max_conversions_per_year  the most conversions the planner asks of one year.
DEFAULT_ASSUMPTIONS = {
    "sales_growth": Decimal("0.10"),
    "net_assets_growth": None,
    "max_rd_ratio": Decimal("0.10"),
    "max_conversions_per_year": 5,
}

_PLACEHOLDER_DATE = date(2100, 1, 1)
CODE_ORDER = ("cert_valid", "one_per_year", "H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8", "H9", "H10")


# ==================================================================== input


@dataclass(frozen=True, slots=True)
class PlanExtras:
    """Facts the criteria profile does not carry (optional profile keys, see module doc)."""

    tsme_registered: bool = False
    hnte_cert_expiry: date | None = None
    incident_date: date | None = None
    fast_track: bool = False  # the county has a 知识产权保护中心 预审 fast track (data of the county)
    #: years in which the firm already applied (or failed): with the calendar's one-per-year rule,
    #: no other batch of such a year is planned; the retry is the next year's batch.
    applied_years: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Overrides:
    """In-memory changes to open years (built by :func:`what_if`).

    fixed_rd      year → R&D / sales fixed for that year (the planner no longer adjusts it).
    staff_add     tech staff hired ``today`` (added to tech staff and headcount of every open
                  year from the first year in which they work ≥183 days).
    ht_share      year → high-tech income share of total income for that year.
    """

    fixed_rd: Mapping[int, Decimal] = field(default_factory=dict)
    staff_add: int = 0
    ht_share: Mapping[int, Decimal] = field(default_factory=dict)
    hires: tuple[tuple[int, date], ...] = ()  # (n, hired on): tech hires on a given date
    reclassify: int = 0  # existing staff re-checked and counted as 科技人员


def _opt_date(data, key):
    v = data.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ProfileError(key, "必须是“YYYY-MM-DD”格式的日期字符串")
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        raise ProfileError(key, f"“{v}”不是有效日期") from None


def _dec(v, path, name, lo=None, hi=None):
    if isinstance(v, bool) or v is None:
        raise ProfileError(path, f"{name}必须是数字")
    try:
        d = Decimal(str(v).strip()) if not isinstance(v, Decimal) else v
    except InvalidOperation:
        raise ProfileError(path, f"{name}不是有效数字：“{v}”") from None
    if not d.is_finite() or (lo is not None and d <= lo) or (hi is not None and d > hi):
        raise ProfileError(path, f"{name}超出合理范围：“{v}”")
    return d


def normalize_assumptions(raw) -> dict[str, object]:
    """Defaults + ``raw`` (a dict, may be None), validated; raises ProfileError."""
    out = dict(DEFAULT_ASSUMPTIONS)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ProfileError("assumptions", "规划假设必须是对象")
    for k, v in raw.items():
        path = f"assumptions.{k}"
        if k in ("sales_growth", "net_assets_growth"):
            out[k] = (
                None
                if (v is None and k == "net_assets_growth")
                else _dec(v, path, "增长率", lo=Decimal(-1), hi=Decimal(10))
            )
        elif k == "max_rd_ratio":
            out[k] = _dec(v, path, "研发费用占比上限", lo=ZERO, hi=Decimal(1))
        elif k == "max_conversions_per_year":
            d = _dec(v, path, "年成果转化数上限", lo=ZERO, hi=Decimal(1000))
            if d != d.to_integral_value():
                raise ProfileError(path, "年成果转化数上限必须是整数")
            out[k] = int(d)
        # unknown keys are ignored (forward compatible)
    if out["net_assets_growth"] is None:
        out["net_assets_growth"] = out["sales_growth"]
    return out


def parse_plan_input(data, today: date | None = None):
    """Decoded profile JSON → ``(Profile, PlanExtras, assumptions dict)``; ProfileError on bad input.

    ``application_date`` is optional and ignored (plan-io.md): the planner chooses it per batch;
    the profile carries ``today`` (or a placeholder) until then."""
    if isinstance(data, dict) and "application_date" in data and data["application_date"] is not None:
        # still a date when given (bad input is refused), but ignored
        try:
            date.fromisoformat(str(data["application_date"]).strip())
        except ValueError:
            raise ProfileError(
                "application_date", f"申请日期“{data['application_date']}”不是有效日期"
            ) from None
    profile = parse_profile(data, application_date=today or _PLACEHOLDER_DATE)
    t = data.get("tsme_registered")
    if t is not None and not isinstance(t, bool):
        raise ProfileError("tsme_registered", "必须是true或false")
    ft = data.get("fast_track")
    if ft is not None and not isinstance(ft, bool):
        raise ProfileError("fast_track", "必须是true或false")
    applied = data.get("applied_years") or []
    if not isinstance(applied, list) or any(
        isinstance(y, bool) or not isinstance(y, int) or not 1990 <= y <= 2200 for y in applied
    ):
        raise ProfileError("applied_years", "必须是已申报年份（四位整数）的数组")
    extras = PlanExtras(
        tsme_registered=bool(t),
        hnte_cert_expiry=_opt_date(data, "hnte_cert_expiry"),
        incident_date=_opt_date(data, "incident_date"),
        fast_track=bool(ft),
        applied_years=frozenset(applied),
    )
    return profile, extras, normalize_assumptions(data.get("assumptions"))


# ==================================================================== output


@dataclass(frozen=True, slots=True)
class Blocked:
    batch: Batch
    blocked_by: tuple[str, ...]
    why: str
    lever: str = ""  # the lever that is missing (e.g. expert grades no plan can buy), when named

    def to_dict(self, codes: bool = False):
        d = {"batch": self.batch.id, "blocked_by": list(self.blocked_by), "why": self.why}
        if self.lever:
            d["lever"] = self.lever
        if codes:
            for key in ("why", "lever"):
                if (m := msg_json(d.get(key))) is not None:
                    d[key + "_msg"] = m
        return d


@dataclass(frozen=True, slots=True)
class Likely:
    """The likely batch: every hard condition passes and the score's midpoint reaches 71."""

    batch: Batch
    score_min: int
    score_max: int
    risk: str

    def to_dict(self, codes: bool = False):
        d = {
            "batch": self.batch.id,
            "cutoff": self.batch.cutoff.isoformat(),
            "year": self.batch.year,
            "score": {
                "min": self.score_min,
                "max": self.score_max,
                "mid": (self.score_min + self.score_max) / 2,
            },
            "risk": self.risk,
        }
        if codes and (m := msg_json(self.risk)) is not None:
            d["risk_msg"] = m
        return d


@dataclass(frozen=True, slots=True)
class RDPlan:
    year: int
    sales: Decimal
    rd_total_min: Decimal

    def to_dict(self):
        return {"year": self.year, "sales": _money(self.sales), "rd_total_min": _money(self.rd_total_min)}


@dataclass(frozen=True, slots=True)
class StaffPlan:
    year: int
    staff: object  # int (or Decimal monthly average) or None when unknown
    tech_staff_min: int | None
    hire_by: date | None

    def to_dict(self):
        return {
            "year": self.year,
            "staff": _count(self.staff),
            "tech_staff_min": self.tech_staff_min,
            "hire_by": None if self.hire_by is None else self.hire_by.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class HightechPlan:
    year: int
    share_min: Decimal

    def to_dict(self):
        return {"year": self.year, "share_min": float(self.share_min)}


@dataclass(frozen=True, slots=True)
class Milestone:
    code: str
    addresses: tuple[str, ...]
    due: date
    owner: str  # "firm" | "officer"
    title: str
    basis: str

    def to_dict(self, codes: bool = False):
        d = {
            "code": self.code,
            "addresses": list(self.addresses),
            "due": self.due.isoformat(),
            "owner": self.owner,
            "title": self.title,
            "basis": self.basis,
        }
        if codes:
            for key in ("title", "basis"):
                if (m := msg_json(d[key])) is not None:
                    d[key + "_msg"] = m
        return d


@dataclass(slots=True)
class Plan:
    """Result of :func:`plan`; ``to_dict()`` is exactly the contract JSON.

    today, target (Batch or None), earlier_batches (list of Blocked), assumptions (dict used),
    projected (criteria Assessment at the target cutoff, or the best effort at the last batch),
    rd (list of RDPlan), tech_staff (StaffPlan or None), hightech_income (HightechPlan or None),
    milestones (list of Milestone, sorted by due date).
    Not in the JSON: projected_profile (the planned Profile), calendar_version, data_version.
    """

    today: date
    target: Batch | None
    earlier_batches: list[Blocked]
    assumptions: dict[str, object]
    projected: object
    rd: list[RDPlan]
    tech_staff: StaffPlan | None
    hightech_income: HightechPlan | None
    milestones: list[Milestone]
    projected_profile: Profile | None = None
    calendar_version: str = ""
    data_version: str = PLANNER_DATA_VERSION
    likely_target: Likely | None = None

    def to_dict(self, codes: bool = False):
        """The contract JSON; ``codes`` adds each text's message (``*_msg``) for the pages."""
        proj = None
        if self.projected is not None:
            proj = self.projected.to_dict(codes)
            proj.pop("gaps", None)  # the assess-io contract has no gaps
        t = self.target
        return {
            "today": self.today.isoformat(),
            "target": None if t is None else {"batch": t.id, "cutoff": t.cutoff.isoformat(), "year": t.year},
            "likely_target": None if self.likely_target is None else self.likely_target.to_dict(codes),
            "earlier_batches": [b.to_dict(codes) for b in self.earlier_batches],
            "assumptions": {
                k: (float(v) if isinstance(v, Decimal) else v) for k, v in self.assumptions.items()
            },
            "projected": proj,
            "plans": {
                "rd": [r.to_dict() for r in self.rd],
                "tech_staff": None if self.tech_staff is None else self.tech_staff.to_dict(),
                "hightech_income": None if self.hightech_income is None else self.hightech_income.to_dict(),
            },
            "milestones": [m.to_dict(codes) for m in self.milestones],
        }


# ==================================================================== helpers


def _money(x):
    return None if x is None else float(x)


def _count(x):
    if x is None:
        return None
    if isinstance(x, Decimal):
        return int(x) if x == x.to_integral_value() else float(x)
    return x


def _D(x):
    return x if x.__class__ is Decimal else Decimal(x)


def _q(x):
    return x.quantize(Q, ROUND_HALF_UP)


def _ceil(x):
    return x.quantize(Q, ROUND_CEILING)


def _floor(x):
    return x.quantize(Q, ROUND_FLOOR)


def _fmt(x):
    """Amount for a Chinese sentence: 215, 3960.5, 12.34."""
    if x is None:
        return "?"
    x = _D(x)
    if x == x.to_integral_value():
        return str(int(x))
    return format(x.normalize(), "f")


def _pct(num, den):
    if not den:
        return "—"
    return f"{float(num) * 100 / float(den):.2f}%"


def _span(years):
    if not years:
        return ""
    return f"{years[0]}–{years[-1]}年度" if len(years) > 1 else f"{years[0]}年度"


def _span_en(years):
    if not years:
        return ""
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else f"{years[0]}"


_MONEY = (
    "sales",
    "total_income",
    "hightech_income",
    "rd_total",
    "rd_domestic",
    "total_assets",
    "total_cost",
    "rd_deductible",
)
_FIELDS = YearFigures.__dataclass_fields__.keys()


def _grow(prev: YearFigures, factor: Decimal, na_factor: Decimal) -> YearFigures:
    kw = {}
    for k in _MONEY:
        v = getattr(prev, k)
        kw[k] = None if v is None else _q(_D(v) * factor)
    na = prev.net_assets
    kw["net_assets"] = None if na is None else (_q(_D(na) * na_factor) if na > 0 else _D(na))
    kw["staff"] = prev.staff
    kw["tech_staff"] = prev.tech_staff
    kw["tech_staff_tsme"] = prev.tech_staff_tsme
    return YearFigures(**kw)


def _merge(given: YearFigures | None, est: YearFigures | None) -> YearFigures | None:
    if given is None:
        return est
    if est is None:
        return given
    if all(getattr(given, k) is not None for k in _FIELDS):
        return given
    if given.sales is not None and est.sales and given.sales != est.sales:
        ratio = _D(given.sales) / _D(est.sales)
        est = YearFigures(
            **{
                k: (
                    None
                    if getattr(est, k) is None
                    else (
                        _q(_D(getattr(est, k)) * ratio)
                        if k in _MONEY or k == "net_assets"
                        else getattr(est, k)
                    )
                )
                for k in _FIELDS
            }
        )
    kw = {k: (getattr(given, k) if getattr(given, k) is not None else getattr(est, k)) for k in _FIELDS}
    inc = kw["total_income"] if kw["total_income"] is not None else kw["sales"]
    if kw["hightech_income"] is not None and inc is not None and kw["hightech_income"] > inc:
        kw["hightech_income"] = inc
    if kw["rd_domestic"] is not None and kw["rd_total"] is not None and kw["rd_domestic"] > kw["rd_total"]:
        kw["rd_domestic"] = kw["rd_total"]
    if kw["tech_staff"] is not None and kw["staff"] is not None and kw["tech_staff"] > kw["staff"]:
        kw["tech_staff"] = kw["staff"]
    return YearFigures(**kw)


def _hires(staff, tech):
    """Least x ≥ 0 with (tech + x)·10 ≥ staff + x (full-year hires; rules.hires_needed)."""
    return hires_needed(staff, tech)


def _count_val(x: Decimal):
    """A head count back in the engine's type: int when whole, else the Decimal average."""
    return int(x) if x == x.to_integral_value() else x


def _ceil_int(x):
    return int(math.ceil(_D(x))) if not isinstance(x, int) else x


# ==================================================================== batch evaluation


class _Result:
    __slots__ = (
        "batch",
        "codes",
        "profile",
        "assessment",
        "rd",
        "rd_info",
        "staff",
        "hires",
        "ht",
        "ht_need",
        "ht_raised",
        "ip_add",
        "conv_extra",
        "conv_total",
        "all_domestic",
        "smin_plan",
        "open_window",
        "operated",
        "likely",
        "risk",
        "lever",
        "hire_w",
        "std_add",
        "pending",
        "ipc",
    )

    def __init__(self, batch):
        self.batch = batch
        self.codes = {}
        self.profile = None
        self.assessment = None
        self.rd = []
        self.rd_info = None
        self.staff = None
        self.hires = 0
        self.ht = None
        self.ht_need = None
        self.ht_raised = False
        self.ip_add = ()
        self.conv_extra = {}
        self.conv_total = {}
        self.all_domestic = False
        self.smin_plan = None
        self.open_window = ()
        self.operated = ()
        self.likely = False
        self.risk = ""
        self.lever = ""
        self.hire_w = None
        self.std_add = False
        self.pending = ()
        self.ipc = None


def hire_weight(hired_on: date, y: int) -> Decimal:
    """What one person hired on ``hired_on`` adds to year ``y``'s monthly-average head count
    (工作指引 三（五）: month average = (start + end)/2, year average = Σ/12 ≈ days employed /
    days in the year), or 0 when they work fewer than 183 days in ``y`` (not 科技人员 that year)."""
    start = max(hired_on, date(y, 1, 1))
    end = date(y, 12, 31)
    if start > end:
        return ZERO
    days = (end - start).days + 1
    if days < STAFF_MIN_DAYS:
        return ZERO
    return Decimal(days) / Decimal(days_in_year(y))


def hires_at(staff, tech, w: Decimal):
    """Least x ≥ 0 with (tech + x·w)·10 ≥ staff + x·w, for hires of weight ``w``; None if w = 0."""
    need = _D(staff) - 10 * _D(tech)
    if need <= 0:
        return 0
    if w <= 0:
        return None
    return int(math.ceil(need / (9 * w)))


def _water_fill(free, need):
    """One R&D ratio for all free open years, capped year by year: year → minimum R&D."""
    mins = {}
    left = list(free)
    rest = need
    while left:
        s_sum = sum(row[1] for row in left)
        ratio = (rest / s_sum) if (s_sum > 0 and rest > 0) else ZERO
        capped = [row for row in left if ratio * row[1] > row[3]]
        if not capped:
            for row in left:
                mins[row[0]] = min(_ceil(ratio * row[1]), row[3])
            break
        for row in capped:
            mins[row[0]] = row[3]
            rest -= row[3]
        left = [row for row in left if row not in capped]
    return mins


def _top_up(free, mins, short):
    """Cent rounding against a cap left the total ``short`` (< 0): top up where there is room."""
    if short >= 0:
        return
    for row in free:
        room = row[3] - mins[row[0]]
        add = min(room, -short)
        if add > 0:
            mins[row[0]] += add
            short += add


def _spread(extra, open_window, caps):
    """Spread ``extra`` conversions over the open years, latest first, round robin under the caps."""
    alloc = {y: 0 for y in open_window}
    left = extra
    order = sorted(open_window, reverse=True)
    while left > 0:
        moved = False
        for y in order:
            if left and alloc[y] < caps[y]:
                alloc[y] += 1
                left -= 1
                moved = True
        if not moved:
            break
    return alloc


# ---------------------------------------------------------- time-bound blocks of a batch
# Each block(planner, window) returns why the batch cannot be taken (a Msg), or None. They move
# the target; no lever on figures lifts them. ``TIME_BOUND`` lists them in the order they are said.


@dataclass(frozen=True, slots=True)
class _Window:
    """A batch's application year, cutoff and window: the operated fiscal years Y−3..Y−1, those of
    them still open, and the figures (year → YearFigures) the plan starts from."""

    year: int
    cutoff: date
    last: int
    operated: tuple
    open: tuple
    years: dict


def _block(code):
    def mark(fn):
        fn.code = code
        return fn

    return mark


@_block("cert_valid")
def _cert_still_valid(pl, w):
    exp = pl.ex.hnte_cert_expiry
    if not (pl.certified and w.year < exp.year):
        return None
    return Msg(
        "why.cert_valid",
        f"高企证书有效期至{exp.isoformat()}，有效期内无需重新认定，"
        f"应在证书到期当年（{exp.year}年）重新申请认定",
        exp=exp.isoformat(),
        year=exp.year,
    )


@_block("one_per_year")
def _applied_this_year(pl, w):
    Y = w.year
    if not (Y in pl.ex.applied_years and (pl.cal is None or pl.cal.one_per_year)):
        return None
    return Msg(
        "why.one_per_year",
        f"{Y}年已申报过一次，每家企业每年只能申报一次，{Y}年其余批次不能再申报，"
        f"重新申请须等{Y + 1}年批次",
        year=Y,
        next=Y + 1,
    )


@_block("H1")
def _registered_too_late(pl, w):
    reg, cutoff = pl.p.registered_on, w.cutoff
    days = (cutoff - reg).days
    if days >= 365:
        return None
    ok_on = reg + timedelta(days=365)
    return Msg(
        "why.h1",
        f"{reg.isoformat()}注册成立，至截止日{cutoff.isoformat()}仅{days}天，"
        f"不满365天，{ok_on.isoformat()}起方可申请（{BAN}第十一条（一））",
        reg=reg.isoformat(),
        cutoff=cutoff.isoformat(),
        days=days,
        on=ok_on.isoformat(),
    )


def _incident_on(pl, w) -> date | None:
    """The incident that bars the batch (less than a year before its cutoff), or None."""
    ex = pl.ex
    incident = ex.incident_date or (pl.today if pl.p.incident_within_year else None)
    if incident is not None and incident <= w.cutoff and (w.cutoff - incident).days <= 365:
        return incident
    return None


@_block("H9")
def _incident_within_year(pl, w):
    incident = _incident_on(pl, w)
    if incident is None:
        return None
    dated = pl.ex.incident_date
    note = "" if dated else "（未提供发生日期，按今日计）"
    return Msg(
        "why.h9",
        f"{incident.isoformat()}{note}发生重大安全、质量事故或严重环境违法行为，"
        f"距截止日{w.cutoff.isoformat()}不满一年，{(incident + timedelta(days=366)).isoformat()}"
        f"起方可申请（{BAN}第十一条（八））",
        at=incident.isoformat(),
        note=Msg("w.empty" if dated else "why.h9.no_date", ""),
        cutoff=w.cutoff.isoformat(),
        on=(incident + timedelta(days=366)).isoformat(),
    )


def _revoked(pl, w) -> bool:
    return bool(pl.p.revoked_this_year and w.year == pl.today.year)


@_block("H10")
def _revoked_this_year(pl, w):
    if not _revoked(pl, w):
        return None
    year = pl.today.year
    return Msg("why.h10", f"{year}年被取消高新技术企业资格，当年不得再次申请（{GUIDE}五（六））", year=year)


@_block("H3")
def _domain_not_listed(pl, w):
    h3 = pl.today_assessment.conditions["H3"]
    return None if h3.status == "pass" else h3.explain


TIME_BOUND = (
    _cert_still_valid,
    _applied_this_year,
    _registered_too_late,
    _incident_within_year,
    _revoked_this_year,
    _domain_not_listed,
)


def _growth_bands(years, operated) -> list:
    """The growth score bands (net assets, sales) over the operated window years."""
    out = []
    for attr in ("net_assets", "sales"):
        vals = [getattr(years.get(y), attr, None) for y in operated]
        out.append(S.UNKNOWN_GROWTH if None in vals else S.growth_band(S.growth_rate([_D(v) for v in vals])))
    return out


class _Planner:
    def __init__(self, profile, today, lead_times, assumptions, extras, overrides, calendar=None):
        self.cal = calendar
        self.fast_kinds = frozenset()
        if extras.fast_track:
            lead_times = dict(lead_times)
            fast = set()
            for kind, (months, basis) in FAST_TRACK_LEAD_TIMES.items():
                if kind in lead_times and months < lead_times[kind].months:
                    lead_times[kind] = replace(lead_times[kind], months=months, basis=basis)
                    fast.add(kind)
            self.fast_kinds = frozenset(fast)
        self.p = profile
        self.today = today
        self.lts = lead_times
        self.A = assumptions
        self.ex = extras
        self.ov = overrides
        self.reg_year = profile.registered_on.year
        ylen = 366 if (today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)) else 365
        self.days_left = (date(today.year, 12, 31) - today).days
        self.f = Decimal(self.days_left) / Decimal(ylen)
        self.today_assessment = assess(replace(profile, application_date=today))
        self.fail_today = tuple(
            c for c, cond in self.today_assessment.conditions.items() if cond.status != "pass"
        )
        self.certified = bool(extras.hnte_cert_expiry and extras.hnte_cert_expiry > today)
        self._base = None
        self.ipc = S.IPCounts(profile.ip)

    # ---------------------------------------------------------- projection

    def closed(self, y):
        return y < self.today.year

    def baseline(self, last_year):
        """Year → YearFigures|None up to ``last_year``: closed years as given, open ones projected."""
        if self._base is not None and self._base[0] >= last_year:
            return self._base[1]
        p = self.p
        years = p.years
        g = 1 + self.A["sales_growth"]
        gna = 1 + self.A["net_assets_growth"]
        start = min(min(years) if years else self.today.year, self.today.year)
        start = max(start, self.reg_year)
        base = {}
        prev = None
        prev_y = None
        for y in range(start, last_year + 1):
            given = years.get(y)
            if self.closed(y):
                base[y] = given
            else:
                est = None
                if prev is not None:
                    n = y - prev_y
                    est = _grow(prev, g**n, gna**n)
                base[y] = _merge(given, est)
            fy = base[y]
            if fy is not None and fy.sales is not None:
                prev, prev_y = fy, y
        # what-if overrides on open years
        ov = self.ov
        if ov is not None:
            for y, fy in list(base.items()):
                if fy is None or self.closed(y):
                    continue
                kw = {}
                if y in ov.fixed_rd and fy.sales is not None:
                    rd = _q(_D(fy.sales) * ov.fixed_rd[y])
                    dom_share = (_D(fy.rd_dom) / _D(fy.rd_total)) if fy.rd_total else Decimal(1)
                    kw["rd_total"] = rd
                    kw["rd_domestic"] = _q(rd * dom_share)
                if y in ov.ht_share and fy.income is not None:
                    kw["hightech_income"] = _q(_D(fy.income) * ov.ht_share[y])
                if fy.staff is not None and fy.tech_staff is not None:
                    hires = ov.hires + ((ov.staff_add, self.today),) if ov.staff_add else ov.hires
                    add = sum((n * hire_weight(on, y) for n, on in hires), ZERO)
                    add = add.quantize(Decimal("0.0001"), ROUND_FLOOR)
                    re_n = min(ov.reclassify, max(0, _D(fy.staff) - _D(fy.tech_staff)))
                    if add or re_n:
                        kw["staff"] = _count_val(_D(fy.staff) + add)
                        kw["tech_staff"] = _count_val(_D(fy.tech_staff) + add + re_n)
                if kw:
                    base[y] = replace(fy, **kw)
        self._base = (last_year, base)
        return base

    # ---------------------------------------------------------- one batch

    def window(self, batch: Batch) -> _Window:
        """The batch's three fiscal years and the figures the plan starts from (closed years as
        given, open operated years from the baseline)."""
        Y = batch.year
        ly = Y - 1
        operated = tuple(y for y in (Y - 3, Y - 2, ly) if y >= self.reg_year)
        base = self.baseline(max(ly, self.today.year))
        years = dict(self.p.years)
        for y in operated:
            if base.get(y) is not None:
                years[y] = base[y]
        return _Window(
            year=Y,
            cutoff=batch.cutoff,
            last=ly,
            operated=operated,
            open=tuple(y for y in operated if not self.closed(y)),
            years=years,
        )

    def evaluate(self, batch: Batch) -> _Result:
        """Plan ``batch``: the time-bound blocks, the levers on figures, then the projected
        assessment at its cutoff (every condition it does not pass joins ``codes``)."""
        r = _Result(batch)
        w = self.window(batch)
        r.operated, r.open_window = w.operated, w.open
        for block in TIME_BOUND:
            why = block(self, w)
            if why is not None:
                r.codes[block.code] = why
        self._plan_rd(r, w.operated, w.open, w.years, w.last)
        self._plan_staff(r, w.years, w.last)
        self._plan_hightech(r, w.years, w.last)
        growth = _growth_bands(w.years, w.operated)
        ip_now = self._ip_at(r, w.cutoff)
        self._plan_score(r, growth, w.operated, w.open, w.cutoff)
        a = assess(self._projected(r, w, ip_now))
        r.assessment = a
        for c, cond in a.conditions.items():
            if cond.status != "pass" and c not in r.codes:
                r.codes[c] = cond.explain
        self._judge_likely(r, a)
        return r

    def _projected(self, r, w: _Window, ip_now) -> Profile:
        """The profile as planned, at the cutoff: every lever applied, every R&D piece in place."""
        p = self.p
        conv = dict(p.conversions)
        for y, n in r.conv_extra.items():
            conv[y] = conv.get(y, 0) + n
        new_ip = tuple(
            IPItem(kind=k, status="granted", acquired="own", core=True)
            for k, n, _due, _lt, _core in r.ip_add
            for _ in range(n)
        )
        r.profile = replace(
            p,
            application_date=w.cutoff,
            years=w.years,
            rd_management=ALL_RDM,
            incident_within_year=_incident_on(self, w) is not None,
            revoked_this_year=_revoked(self, w),
            ip=ip_now + new_ip,
            conversions=conv,
            as_of=self.today,
            standards=p.standards or r.std_add,
        )
        return r.profile

    def _ip_at(self, r, cutoff):
        """The IP list at ``cutoff``: pending items with a filing date whose lead time has passed
        count as likely grants (a risk, said in words)."""
        out, pending = [], []
        for it in self.p.ip:
            lt = self.lts.get(it.kind)
            if (
                it.status == "filed"
                and it.filed_on is not None
                and lt is not None
                and add_months(it.filed_on, lt.months) <= cutoff
            ):
                out.append(replace(it, status="granted"))
                pending.append((it.kind, add_months(it.filed_on, lt.months)))
            else:
                out.append(it)
        r.pending = tuple(pending)
        r.ipc = S.IPCounts(out)
        return tuple(out)

    def _judge_likely(self, r, a):
        """Likely: every hard condition passes (H8 aside) and the midpoint reaches 71."""
        others = [c for c in r.codes if c != "H8"]
        mid2 = a.score_min + a.score_max
        r.likely = not others and mid2 >= 2 * PASS_SCORE
        risks = []
        if a.score_min < PASS_SCORE:
            unknown = [
                n
                for k, n in (("tech_advancement", "技术先进程度"), ("core_support", "核心支持作用"))
                if self.p.grades.get(k) not in S.GRADE_BANDS
            ]
            risks.append(
                Msg(
                    "risk.score",
                    f"按计划得分{a.score_min}–{a.score_max}分，中值{mid2 / 2:g}分，下限低于71分："
                    f"能否通过取决于专家对知识产权{'、'.join(unknown) if unknown else '技术先进程度和核心支持作用'}"
                    f"的评分及成果转化、研发组织管理的认可程度（专家评分无法由计划保证）",
                    lo=a.score_min,
                    hi=a.score_max,
                    mid=f"{mid2 / 2:g}",
                )
            )
        if r.pending:
            risks.append(
                Msg(
                    "risk.pending",
                    "计入了"
                    + "、".join(f"预计{d.isoformat()}授权的{IP_KIND_NAMES.get(k, k)}" for k, d in r.pending)
                    + "（申请中，按授权周期估计）",
                    items=[Msg("risk.pending.item", "", kind=k, on=d.isoformat()) for k, d in r.pending],
                )
            )
        g = self.A["sales_growth"]
        if a.conditions["H8"].status != "pass" or g > Decimal("0.10"):
            risks.append(
                Msg("risk.growth", f"按销售收入年增长{float(g) * 100:g}%估算成长性", g=f"{float(g) * 100:g}%")
            )
        r.risk = join("；", risks)

    # ---------------------------------------------------------- R&D (H5, H6)

    def _plan_rd(self, r, operated, open_window, years, ly):
        """H5/H6: the least R&D per open window year that meets the band, and domestic R&D."""
        if not operated:
            return
        missing = [
            y for y in operated if years.get(y) is None or years[y].sales is None or years[y].rd_total is None
        ]
        if missing:
            r.codes["H5"] = Msg(
                "why.h5.missing",
                f"缺少{'、'.join(map(str, missing))}年度的研发费用或销售收入数据，"
                f"无法计算研发费用占比（{BAN}第十一条（五））",
                years=list(missing),
            )
            return
        last_sales = _D(years[ly].sales)
        pct = rd_band_pct(last_sales)
        sales_sum = sum(_D(years[y].sales) for y in operated)
        required = sales_sum * pct / 100
        closed_rd = sum((_D(years[y].rd_total) for y in operated if self.closed(y)), ZERO)
        rows = self._rd_rows(open_window, years)  # (y, S, baseline, cap, is_fixed)
        free = [row for row in rows if not row[4]]
        max_total = closed_rd + sum(row[3] for row in rows)
        mins = {row[0]: row[2] for row in rows if row[4]}
        if max_total >= required:
            need = required - closed_rd - sum((row[2] for row in rows if row[4]), ZERO)
            mins.update(_water_fill(free, need))
            _top_up(free, mins, closed_rd + sum(mins.values()) - required)
        else:
            mins.update({row[0]: row[3] for row in free})
            r.codes["H5"] = self._rd_infeasible_why(
                operated, rows, pct, sales_sum, last_sales, required, closed_rd, max_total
            )
        # project: each free year spends max(baseline, minimum); added spend is domestic
        new = {}
        for y, _s, b, _cap, is_fixed in rows:
            fy = years[y]
            rd = b if is_fixed else max(b, mins[y])
            dom = _D(fy.rd_dom) + (rd - b)
            new[y] = (rd, min(dom, rd))
        new = self._rd_domestic(r, operated, years, closed_rd, new)
        for y, (rd, dom) in new.items():
            years[y] = replace(years[y], rd_total=rd, rd_domestic=dom)
        r.rd = [RDPlan(y, s, mins[y]) for y, s, b, cap, is_fixed in rows]
        r.rd_info = (pct, _q(sales_sum), _ceil(required), last_sales)

    def _rd_rows(self, open_window, years):
        """Per open window year: (year, sales, baseline R&D, the most it can reach, fixed by what-if)."""
        M = self.A["max_rd_ratio"]
        fixed = self.ov.fixed_rd if self.ov is not None else {}
        rows = []
        for y in open_window:
            fy = years[y]
            s, b = _D(fy.sales), _D(fy.rd_total)
            if y in fixed:
                cap = b
            elif y == self.today.year:
                cap = max(b, _floor((1 - self.f) * b + self.f * M * s))
            else:
                cap = max(b, _floor(M * s))
            rows.append((y, s, b, cap, y in fixed))
        return rows

    def _rd_infeasible_why(self, operated, rows, pct, sales_sum, last_sales, required, closed_rd, max_total):
        M = self.A["max_rd_ratio"]
        yrs = [row[0] for row in rows]
        why = (
            f"{_span(operated)}研发费用合计须达到销售收入合计{_fmt(_q(sales_sum))}万元的{pct}%"
            f"（最近一年销售收入{_fmt(last_sales)}万元），即{_fmt(_ceil(required))}万元"
        )
        closed_yrs = [y for y in operated if self.closed(y)]
        closed = Msg("w.empty", "")
        if closed_yrs:
            why += f"；已结束的{_span(closed_yrs)}合计仅{_fmt(closed_rd)}万元"
            closed = Msg("why.h5.closed", "", span=_span_en(closed_yrs), rd=_fmt(closed_rd))
        if yrs:
            extra = f"，{self.today.year}年仅剩{self.days_left}天" if self.today.year in yrs else ""
            why += (
                f"；{'、'.join(map(str, yrs))}年按研发投入最多达销售收入的{float(M) * 100:g}%计{extra}，"
                f"合计最多{_fmt(max_total)}万元，占比{_pct(max_total, sales_sum)}，无法达到{pct}%"
            )
            rest = Msg(
                "why.h5.open",
                "",
                years=yrs,
                max_pct=f"{float(M) * 100:g}%",
                extra=Msg("why.h5.days_left", "", year=self.today.year, days=self.days_left)
                if extra
                else Msg("w.empty", ""),
                max_total=_fmt(max_total),
                share=_pct(max_total, sales_sum),
                pct=pct,
            )
        else:
            why += f"，占比{_pct(closed_rd, sales_sum)}，窗口年度均已结束，无法达到{pct}%"
            rest = Msg("why.h5.all_closed", "", share=_pct(closed_rd, sales_sum), pct=pct)
        return Msg(
            "why.h5.infeasible",
            why + f"（{BAN}第十一条（五））",
            span=_span_en(operated),
            sales=_fmt(_q(sales_sum)),
            pct=pct,
            last=_fmt(last_sales),
            required=_fmt(_ceil(required)),
            closed=closed,
            rest=rest,
        )

    def _rd_domestic(self, r, operated, years, closed_rd, new):
        """H6: with too little domestic R&D, all R&D of the open years is planned in China."""
        rd_sum = closed_rd + sum(v[0] for v in new.values())
        dom_sum = sum(
            (_D(years[y].rd_dom) for y in operated if self.closed(y) if years[y].rd_dom is not None), ZERO
        ) + sum(v[1] for v in new.values())
        if not (rd_sum > 0 and dom_sum * 10 < rd_sum * 6):
            return new
        closed_dom = dom_sum - sum(v[1] for v in new.values())
        new = {y: (rd, rd) for y, (rd, _dom) in new.items()}
        r.all_domestic = bool(new)
        dom_max = closed_dom + sum(v[0] for v in new.values())
        if dom_max * 10 < rd_sum * 6:
            r.codes["H6"] = Msg(
                "why.h6.infeasible",
                f"{_span(operated)}境内研发费用最多{_fmt(dom_max)}万元，占研发费用合计"
                f"{_fmt(rd_sum)}万元的{_pct(dom_max, rd_sum)}，即使今后研发全部在境内开展"
                f"也低于60%（{BAN}第十一条（五））",
                span=_span_en(operated),
                dom=_fmt(dom_max),
                rd=_fmt(rd_sum),
                pct=_pct(dom_max, rd_sum),
            )
        return new

    # ---------------------------------------------------------- staff (H4)

    def _plan_staff(self, r, years, ly):
        """H4 on monthly averages: x hires on ``hire_by`` add x·w to both averages of FY ``ly``
        (w = days employed / days in the year, 0 under 183 days). ``hire_by`` is the earliest
        practical date: 1 January of ``ly`` when that is still ahead, else today + 30 days; never
        later than 1 July of ``ly`` (the last start date with 183 days in the year)."""
        if ly < self.reg_year:
            return
        fy = years.get(ly)
        last_start = date(ly, 7, 1)
        soon = self.today + timedelta(days=OFFSETS["hire_soon"].days)
        hire_by = None
        if not self.closed(ly):
            hire_by = date(ly, 1, 1) if soon <= date(ly, 1, 1) else soon
            if hire_by > last_start:
                hire_by = last_start if self.today <= last_start else None
        if fy is None or fy.staff is None or fy.tech_staff is None:
            r.codes["H4"] = Msg(
                "why.h4.missing",
                f"缺少{ly}年度职工总数或科技人员数，无法判断科技人员比例（{BAN}第十一条（四））",
                year=ly,
            )
            r.staff = StaffPlan(ly, None, None, hire_by)
            return
        staff, tech = fy.staff, fy.tech_staff
        if staff <= 0:
            r.codes["H4"] = Msg("why.h4.zero", f"{ly}年度职工总数为0（{BAN}第十一条（四））", year=ly)
            r.staff = StaffPlan(ly, staff, None, hire_by)
            return
        w = hire_weight(hire_by, ly) if hire_by is not None else ZERO
        x = hires_at(staff, tech, w) if hire_by is not None else hires_at(staff, tech, ZERO)
        if x is None:
            ratio = _pct(tech, staff)
            if self.closed(ly):
                r.codes["H4"] = Msg(
                    "why.h4.closed",
                    f"{ly}年度已结束，科技人员{_fmt(tech)}人/职工总数{_fmt(staff)}人={ratio}，"
                    f"低于10%（{BAN}第十一条（四））",
                    year=ly,
                    tech=_fmt(tech),
                    staff=_fmt(staff),
                    ratio=ratio,
                )
            else:
                r.codes["H4"] = Msg(
                    "why.h4.late",
                    f"{ly}年7月1日后新聘的科技人员在{ly}年度工作不满183天，不能计入；"
                    f"{ly}年度科技人员{_fmt(tech)}人/职工总数{_fmt(staff)}人（全年月平均数）={ratio}，"
                    f"低于10%，只能核查现有职工中符合条件的科技人员（{GUIDE}三（五））",
                    year=ly,
                    tech=_fmt(tech),
                    staff=_fmt(staff),
                    ratio=ratio,
                )
            x = 0
        r.hire_w = w
        if x:
            add = (x * w).quantize(Decimal("0.0001"), ROUND_FLOOR)
            years[ly] = replace(fy, staff=_count_val(_D(staff) + add), tech_staff=_count_val(_D(tech) + add))
        r.hires = x
        heads = _D(staff) + x
        r.staff = StaffPlan(
            ly,
            _count_val(heads),
            _ceil_int(_D(tech)) + x if x else _ceil_int(heads / 10),
            hire_by if x else (hire_by or None),
        )

    # ---------------------------------------------------------- high-tech income (H7)

    def _plan_hightech(self, r, years, ly):
        if ly < self.reg_year:
            return
        r.ht = HightechPlan(ly, SIX)
        fy = years.get(ly)
        if fy is None or fy.hightech_income is None or fy.income is None:
            r.codes["H7"] = Msg(
                "why.h7.missing",
                f"缺少{ly}年度高新技术产品（服务）收入或总收入数据（{BAN}第十一条（六））",
                year=ly,
            )
            return
        ht, inc = _D(fy.hightech_income), _D(fy.income)
        if inc <= 0:
            r.codes["H7"] = Msg("why.h7.zero", f"{ly}年度总收入为0（{BAN}第十一条（六））", year=ly)
            return
        need = _ceil(inc * SIX)
        r.ht_need = (need, inc)
        if ht * 10 >= inc * 6:
            return
        if self.closed(ly):
            r.codes["H7"] = Msg(
                "why.h7.closed",
                f"{ly}年度已结束，高新技术产品（服务）收入{_fmt(ht)}万元占总收入{_fmt(inc)}万元的"
                f"{_pct(ht, inc)}，低于60%（{BAN}第十一条（六））",
                year=ly,
                ht=_fmt(ht),
                inc=_fmt(inc),
                pct=_pct(ht, inc),
            )
            return
        if ly == self.today.year:
            best = _floor((1 - self.f) * ht + self.f * inc)
            if best < need:
                r.codes["H7"] = Msg(
                    "why.h7.late",
                    f"{ly}年仅剩{self.days_left}天，高新技术产品（服务）收入占比最多由"
                    f"{_pct(ht, inc)}提高到{_pct(best, inc)}，达不到60%（{BAN}第十一条（六））",
                    year=ly,
                    days=self.days_left,
                    share=_pct(ht, inc),
                    best=_pct(best, inc),
                )
                years[ly] = replace(fy, hightech_income=best)
                return
        years[ly] = replace(fy, hightech_income=need)
        r.ht_raised = True

    # ---------------------------------------------------------- score (H2, H8): IP + conversions

    def _file_due(self, cutoff, lt):
        """When to file: within a month of today (early, so the lead time has slack), or at the
        latest date that still gives a grant by the cutoff when that is sooner; None = too late."""
        latest = add_months(cutoff, -lt.months)
        if latest < self.today:
            return None
        return min(add_months(self.today, 1), latest)

    def _ip_options(self, cutoff, ipc):
        _today, domain = self.today, self.p.tech_domain
        avail = []
        for kind, lt in sorted(self.lts.items()):
            if kind not in IP_KINDS or not lt.auto or not lt.suits(domain):
                continue
            due = self._file_due(cutoff, lt)
            if due is not None:
                avail.append((lt.cost, lt.months, kind, due, lt))
        avail.sort(key=lambda t: (t[0], t[1], t[2]))
        need_core = ipc.core == 0
        c2 = [t for t in avail if t[2] not in CLASS_I]
        c2_core = [t for t in c2 if t[4].core_ok]
        c1_core = [t for t in avail if t[2] in CLASS_I and t[4].core_ok]
        opts = []  # (additions: tuple of (cost, months, kind, due, lt, n, gives_core))

        def mk(parts):
            return tuple(parts)

        if not need_core:
            opts.append(())
        else:
            for t in c2_core + c1_core:
                opts.append(mk([t + (1, True)]))
        if not ipc.class1 and c2:
            for target in (1, 3, 5):
                n = target - ipc.class2
                if n < 1:
                    continue
                cheap = c2[0]
                if need_core and not cheap[4].core_ok:
                    if not c2_core:
                        continue
                    parts = [c2_core[0] + (1, True)]
                    if n > 1:
                        parts.append(cheap + (n - 1, False))
                    opts.append(mk(parts))
                else:
                    opts.append(mk([cheap + (n, need_core)]))
        if not ipc.class1:
            for t in c1_core:
                opts.append(mk([t + (1, need_core)]))
        return opts, avail

    def _plan_score(self, r, growth, operated, open_window, cutoff):
        """H2/H8: the cheapest mix of new IP, conversions and standards that reaches 71 at the
        minimum (or the best minimum when none does)."""
        p, ipc = self.p, r.ipc
        opts, avail = self._ip_options(cutoff, ipc)
        if not opts:
            self._no_ip_in_time(r, cutoff)
            opts = [()]
        adv = S.GRADE_BANDS.get(p.grades.get("tech_advancement"), S.UNKNOWN_GRADE)[0]
        sup = S.GRADE_BANDS.get(p.grades.get("core_support"), S.UNKNOWN_GRADE)[0]
        g = growth[0][0] + growth[1][0]
        # conversions: closed window years fixed, open ones can add up to a yearly cap
        conv = p.conversions
        n_years = len(operated) or 1
        total0 = sum(conv.get(y, 0) or 0 for y in operated)
        caps = self._conversion_caps(open_window)
        cap_sum = sum(caps.values())
        conv_opts = [0] + [
            k * n_years - total0 for k in (1, 2, 3, 4, 5) if 0 < k * n_years - total0 <= cap_sum
        ]
        best = self._best_mix(
            opts, ipc, adv + sup, S.rd_management_points(ALL_RDM) + g, conv_opts, total0, n_years
        )
        _key, opt, extra, smin, ip_lo, cv, std_add = best
        opt = self._invention_first(opt, avail, ipc)
        r.std_add = bool(std_add)
        r.smin_plan = smin
        r.ip_add = tuple((part[2], part[5], part[3], part[4], part[6]) for part in opt)
        alloc = _spread(extra, open_window, caps)
        r.conv_extra = {y: n for y, n in alloc.items() if n}
        r.conv_total = {y: (conv.get(y, 0) or 0) + alloc[y] for y in open_window}
        if smin < PASS_SCORE:
            self._score_short(r, smin, ip_lo, cv, g, adv, sup)

    def _no_ip_in_time(self, r, cutoff):
        """H2 cannot be met by the cutoff: say which kind would be fastest and since when it is late."""
        p = self.p
        cands = [
            (lt.months, k, lt)
            for k, lt in sorted(self.lts.items())
            if k in IP_KINDS and lt.auto and lt.core_ok and lt.suits(p.tech_domain)
        ]
        why = "尚无已授权、可计入且对主要产品起核心支持作用的知识产权"
        if cands:
            m, k, _lt = min(cands)
            due = add_months(cutoff, -m)
            why += (
                f"；最快的{IP_KIND_NAMES.get(k, k)}授权需{m}个月，须于{due.isoformat()}前提交申请，已来不及"
            )
            how = Msg("why.h2.fastest", "", kind=k, months=m, due=due.isoformat())
        else:
            why += "；没有可在截止日前获得授权的知识产权类型"
            how = Msg("why.h2.no_kind", "")
        r.codes["H2"] = Msg("why.h2.late", why + f"（{BAN}第十一条（二））", how=how)
        r.lever = Msg("lever.h2.late", "知识产权：截止日前已来不及获得授权，须改投更晚的批次")

    def _conversion_caps(self, open_window):
        """Open year → the most conversions the plan may add in it (the rest of the current year)."""
        conv, Mc = self.p.conversions, self.A["max_conversions_per_year"]
        return {
            y: int(self.f * Mc) if y == self.today.year else max(0, Mc - (conv.get(y, 0) or 0))
            for y in open_window
        }

    def _best_mix(self, opts, ipc, grades_lo, fixed_rest, conv_opts, total0, n_years):
        """(key, IP option, extra conversions, score min, IP points, conversion points, standards):
        the cheapest mix reaching 71 at the minimum, else the one with the highest minimum."""
        std0 = 1 if self.p.standards else 0
        std_opts = (0,) if self.p.standards else (0, 1)
        best = None
        for opt in opts:
            add1 = sum(part[5] for part in opt if part[2] in CLASS_I)
            add2 = sum(part[5] for part in opt if part[2] not in CLASS_I)
            cost = sum(part[0] * part[5] for part in opt)
            qty = S.quantity_band(ipc.class1 + add1, ipc.class2 + add2)[0]
            acq = S.acquisition_band(ipc.own + add1 + add2, ipc.transferred)[0]
            for std_add in std_opts:
                ip_lo = min(30, grades_lo + qty + acq + std0 + std_add)
                for extra in conv_opts:
                    cv = S.conversion_band(total0 + extra, n_years)[0]
                    smin = ip_lo + cv + fixed_rest
                    ok = smin >= PASS_SCORE
                    price = cost + CONVERSION_WEIGHT * extra + STANDARDS_WEIGHT * std_add
                    key = (
                        0 if ok else 1,
                        price if ok else -smin,
                        std_add,
                        add1 + add2,
                        extra,
                        cost,
                        tuple((part[2], part[5]) for part in opt),
                    )
                    if best is None or key < best[0]:
                        best = (key, opt, extra, smin, ip_lo, cv, std_add)
        return best

    def _score_short(self, r, smin, ip_lo, cv, g, adv, sup):
        why = (
            f"按计划可达到的创新能力评价下限为{smin}分（知识产权{ip_lo}、成果转化{cv}、"
            f"研究开发组织管理20、成长性{g}），低于71分"
        )
        unknown = [
            n
            for k, n in (("tech_advancement", "技术先进程度"), ("core_support", "核心支持作用"))
            if self.p.grades.get(k) not in S.GRADE_BANDS
        ]
        if unknown:
            why += f"；知识产权{'、'.join(unknown)}尚未评定，按0分计"
        r.codes["H8"] = Msg(
            "why.h8",
            why + f"（{GUIDE}三（七））",
            smin=smin,
            ip=ip_lo,
            cv=cv,
            g=g,
            unknown=Msg(
                "why.h8.ungraded",
                "",
                what=[
                    Msg(f"w.grade.{k}", "")
                    for k in ("tech_advancement", "core_support")
                    if self.p.grades.get(k) not in S.GRADE_BANDS
                ],
            )
            if unknown
            else Msg("w.empty", ""),
        )
        r.lever = r.lever or self._missing_lever(smin, adv, sup, g, cv)

    def _invention_first(self, opt, avail, ipc):
        """A consultant files an invention first where time allows: with no Class I held or
        planned and an invention grantable before the cutoff, one invention joins the plan."""
        if ipc.class1 or any(part[2] in CLASS_I for part in opt):
            return opt
        inv = next((t for t in avail if t[2] == "invention_patent" and t[4].core_ok), None)
        if inv is None:
            return opt
        return tuple(opt) + (inv + (1, ipc.core == 0 and not opt),)

    def _missing_lever(self, smin, adv, sup, g, cv):
        """Name what no plan can buy when the score minimum stays under 71."""
        short = PASS_SCORE - smin
        names = []
        if adv + sup < 14:
            names.append(
                Msg(
                    "lever.grades",
                    f"专家评分：知识产权技术先进程度和核心支持作用评为A级可增加{14 - adv - sup}分"
                    f"（专家评判，计划无法保证）",
                    n=14 - adv - sup,
                )
            )
        if g < 18:
            names.append(
                Msg(
                    "lever.growth",
                    f"成长性：当前假设下得{g}分，销售收入和净资产增长率达到35%以上最多可增加{20 - g}分",
                    g=g,
                    n=20 - g,
                )
            )
        if cv < 25:
            names.append(Msg("lever.conversion", "成果转化：年均转化须达到5项以上（受年转化上限约束）"))
        if not names:
            return Msg("lever.short", f"下限还差{short}分", short=short)
        return Msg(
            "lever.missing",
            f"下限还差{short}分，缺少的杠杆：" + "；".join(names),
            short=short,
            levers=Msg("lever.list", "", items=names),
        )

    # ---------------------------------------------------------- milestones

    def milestones(self, r: _Result) -> list[Milestone]:
        """Every step of a real application, dated and owned: a table of small named steps."""
        ms = []
        ctx = _Steps(self, r, ms)
        for step in STEPS:
            step(ctx)
        ms.sort(key=lambda m: (m.due, m.code, m.title))
        return ms


class _Steps:
    """What the milestone steps share: the planner, the batch result and the list to add to."""

    def __init__(self, pl, r, ms):
        self.pl, self.r, self.ms = pl, r, ms
        self.p, self.today, self.ex = pl.p, pl.today, pl.ex
        self.b = r.batch
        self.cut = r.batch.cutoff
        self.Y = r.batch.year
        self.ly = r.batch.year - 1
        self.ft = set(pl.fail_today)

    def clamp(self, d):
        return min(max(d, self.today), self.cut)

    def add(self, code, addresses, due, owner, title, basis):
        self.ms.append(Milestone(code, tuple(addresses), self.clamp(due), owner, title, basis))

    def off(self, name, anchor=None):
        o = OFFSETS[name]
        base = {"today": self.today, "cutoff": self.cut}.get(o.anchor, anchor)
        return base + timedelta(days=o.days)

    @property
    def annual_audit_due(self):
        return min(date(self.Y, 4, 30), self.off("annual_audit_before_cutoff"))


def _step_tsme(c):
    """科小 registration only when the planned firm passes the evaluation in a window that
    lies between today and the cutoff; due inside that window."""
    pl, p = c.pl, c.p
    if c.ex.tsme_registered or pl.cal is None:
        return
    for year in range(c.today.year, c.cut.year + 1):
        w = pl.cal.tsme_window(year)
        due = max(w.opens + timedelta(days=OFFSETS["tsme_in_window"].days), c.off("tsme_soon"))
        due = min(due, w.closes)
        if w.closes < c.today or due > c.cut or due < c.today:
            continue
        t = assess(replace(c.r.profile or p, application_date=date(year, w.opens.month, w.opens.day))).tsme
        if t is None or not t.eligible:
            continue
        c.add(
            "tsme.register",
            ["tsme"],
            due,
            "firm",
            Msg(
                "ms.tsme.title",
                f"在{w.opens.isoformat()}至{w.closes.isoformat()}评价窗口内完成科技型中小企业自评、填报与入库"
                f"（按{year - 1}年度数据预计得分{t.score}分，须不低于60分）",
                opens=w.opens.isoformat(),
                closes=w.closes.isoformat(),
                year=year - 1,
                score=t.score,
            ),
            Msg(
                "ms.tsme.basis",
                f"{TSME_DOC}（国科发政〔2017〕115号）：公示10个工作日后入库，编号有效期一年，"
                f"每年{w.renewal_by.month}月{w.renewal_by.day}日前更新；{(pl.cal.province or DEFAULT_PROVINCE)}高企培育库入库通常要求已是科技型中小企业",
                renewal=w.renewal_by.isoformat()[5:],
            ),
        )
        return


def _step_domain(c):
    if "H3" in c.ft or "H3" in c.r.codes:
        c.add(
            "domain.select",
            ["H3"],
            c.off("domain_select"),
            "officer",
            Msg(
                "ms.domain.title",
                "确定核心技术所属的《国家重点支持的高新技术领域》三级领域代码（如10101 基础软件）",
            ),
            Msg("ms.domain.basis", f"{BAN}第十一条（三）及附件《国家重点支持的高新技术领域》"),
        )


def _step_data(c):
    """补充数据 only for the target's own window years (never a year outside it)."""
    pl, r, p = c.pl, c.r, c.p
    miss_codes = sorted(
        {k for k, cond in pl.today_assessment.conditions.items() if cond.status == "missing" and k != "H3"}
        | {k for k, why in r.codes.items() if why.startswith("缺少")},
        key=lambda k: CODE_ORDER.index(k) if k in CODE_ORDER else 99,
    )
    if not miss_codes:
        return
    keys = ("sales", "rd_total", "staff", "tech_staff", "hightech_income")
    yrs = sorted(
        y
        for y in r.operated
        if pl.closed(y) and (p.years.get(y) is None or any(getattr(p.years[y], k) is None for k in keys))
    )
    if not yrs:
        return
    c.add(
        "data.complete",
        miss_codes,
        c.off("data_complete"),
        "officer",
        Msg(
            "ms.data.title",
            f"补充{'、'.join(map(str, yrs))}年度财务与人员数据（销售收入、研发费用、高新技术产品收入、职工与科技人员数）",
            years=yrs,
        ),
        Msg(
            "ms.data.basis",
            "研发费用占比、科技人员占比和高新收入占比须按近三个会计年度的财务报表和所得税年度申报数据计算",
        ),
    )


def _step_grades(c):
    unknown = [k for k in ("tech_advancement", "core_support") if c.p.grades.get(k) not in S.GRADE_BANDS]
    if unknown:
        names = {
            "tech_advancement": ("ip_advancement", "技术先进程度"),
            "core_support": ("ip_core_support", "对主要产品的核心支持作用"),
        }
        c.add(
            "ip.evaluate",
            [names[k][0] for k in unknown] + ["H8"],
            c.off("ip_evaluate"),
            "officer",
            Msg(
                "ms.grades.title",
                f"组织专家预评知识产权的{'和'.join(names[k][1] for k in unknown)}等级（A–E），未评定时按0分计；"
                f"等级由评审专家判断，计划不能保证",
                what=[Msg(f"w.grade.{k}", names[k][1]) for k in unknown],
            ),
            Msg("ms.grades.basis", f"{GUIDE}三（七）1：技术先进程度、核心支持作用各0–8分，由技术专家评判"),
        )


def _step_ip(c):
    for kind, n, due, lt, gives_core in c.r.ip_add:
        addr = (["H2"] if gives_core else []) + ["H8", "ip_quantity"]
        name = IP_KIND_NAMES.get(kind, kind)
        grant = add_months(due, lt.months)
        fast = kind in c.pl.fast_kinds
        c.add(
            f"ip.file.{kind}",
            addr,
            due,
            "firm",
            Msg(
                "ms.ip.title.fast" if fast else "ms.ip.title",
                f"申请{name}{n}项（与主营产品核心技术相关{'，经知识产权保护中心预审快速通道' if fast else ''}），"
                f"{due.isoformat()}前提交，预计{grant.isoformat()}前授权（截止日{c.cut.isoformat()}）",
                kind=kind,
                n=n,
                due=due.isoformat(),
                grant=grant.isoformat(),
                cutoff=c.cut.isoformat(),
            ),
            Msg(
                "ms.ip.basis.fast" if fast else "ms.ip.basis",
                lt.basis
                + ("；企业所在县区设有预审快速通道，须先完成保护中心备案" if fast else "")
                + "；尽早提交，为审查周期波动留出余量",
                kind=kind,
                months=lt.months,
            ),
        )


def _step_standards(c):
    if c.r.std_add:
        c.add(
            "standards.participate",
            ["ip_standards", "H8"],
            c.off("standards"),
            "firm",
            Msg(
                "ms.std.title",
                "参与编制国家标准、行业标准、检测方法或技术规范（须经国家有关部门认可），知识产权项加1–2分",
            ),
            Msg("ms.std.basis", f"{GUIDE}三（七）1：企业参与编制标准等情况加1–2分，知识产权总分不超过30分"),
        )


def _step_rd(c):
    r = c.r
    if not (r.rd and r.rd_info):
        return
    pct, sales_sum, required, last_sales = r.rd_info
    span = _span(r.operated)
    closed = [y for y in r.operated if c.pl.closed(y)]
    addr = ["H5"] + (["H6"] if ("H6" in c.ft or r.all_domestic) else [])
    for rp in r.rd:
        tail = "，全部在境内开展（不再委托境外研发）" if r.all_domestic else ""
        tail_m = Msg("ms.rd.domestic", tail) if r.all_domestic else Msg("w.empty", "")
        if rp.rd_total_min > 0:
            title = Msg(
                "ms.rd.title",
                f"{rp.year}年度研发费用不低于{_fmt(rp.rd_total_min)}万元（预计销售收入"
                f"{_fmt(rp.sales)}万元的{_pct(rp.rd_total_min, rp.sales)}）{tail}",
                year=rp.year,
                rd=_fmt(rp.rd_total_min),
                sales=_fmt(rp.sales),
                pct=_pct(rp.rd_total_min, rp.sales),
                tail=tail_m,
            )
        else:
            title = Msg(
                "ms.rd.title.none",
                f"{rp.year}年度继续按项目归集研发费用（其他年度已使{span}占比达标，"
                f"本年度无最低金额要求）{tail}",
                year=rp.year,
                span=_span_en(r.operated),
                tail=tail_m,
            )
        basis = Msg(
            "ms.rd.basis.closed" if closed else "ms.rd.basis",
            f"{span}研发费用合计须不低于销售收入合计{_fmt(sales_sum)}万元的{pct}%即{_fmt(required)}万元"
            f"（最近一年销售收入{_fmt(last_sales)}万元适用{pct}%档；{BAN}第十一条（五））"
            + (f"；{_span(closed)}已结束，不能再改变" if closed else ""),
            span=_span_en(r.operated),
            sales=_fmt(sales_sum),
            pct=pct,
            required=_fmt(required),
            last=_fmt(last_sales),
            closed=_span_en(closed),
        )
        c.add("rd.spend", addr, date(rp.year, 12, 31), "firm", title, basis)


def _step_ledger(c):
    """The R&D ledger once: it also is the 辅助账 evidence piece of R&D management."""
    r = c.r
    if not r.operated:
        return
    addr = ["H5", "H6"] + (["rd_management", "H8"] if "ledger" not in c.p.rd_management else [])
    c.add(
        "rd.ledger",
        addr,
        c.off("ledger"),
        "firm",
        Msg(
            "ms.ledger.title",
            f"按高企口径建立并完善{_span(r.operated)}研发费用辅助账（按研发项目RD01、RD02…归集，"
            f"与财务报表、所得税年度申报一致）",
            span=_span_en(r.operated),
        ),
        Msg(
            "ms.ledger.basis",
            f"{GUIDE}三（六）：研发费用按项目归集，设置高新技术企业研发费用辅助账；"
            f"三（七）3：辅助账是研究开发组织管理水平的评分要素",
        ),
    )


def _step_staff(c):
    r, ly = c.r, c.ly
    if r.staff is None or c.pl.closed(ly) or not (r.hires > 0 or "H4" in c.ft or "H4" in r.codes):
        return
    st = r.staff
    c.add(
        "staff.reclassify",
        ["H4"],
        c.off("reclassify"),
        "officer",
        Msg(
            "ms.reclassify.title",
            f"核查现有职工中直接从事研发和相关技术创新活动、专门从事上述活动管理和提供直接技术服务、"
            f"{ly}年度累计工作183天以上的人员，符合条件的计入科技人员（每认定1人可少聘约1人）",
            year=ly,
        ),
        Msg(
            "ms.reclassify.basis",
            f"{GUIDE}三（五）：科技人员含在职、兼职和临时聘用人员，累计实际工作时间183天以上",
        ),
    )
    if r.hires:
        w = float(r.hire_w or 0)
        title = Msg(
            "ms.hire.title",
            f"{st.hire_by.isoformat()}前新聘科技人员{r.hires}人并在{ly}年度持续在岗（按全年月平均数，"
            f"每人计入约{w:.2f}人；{ly}年度科技人员月平均数占职工月平均数不低于10%）",
            by=st.hire_by.isoformat(),
            n=r.hires,
            year=ly,
            w=f"{w:.2f}",
        )
        c.add(
            "staff.hire",
            ["H4"],
            st.hire_by,
            "firm",
            title,
            Msg(
                "ms.hire.basis",
                f"{GUIDE}三（五）：职工和科技人员按全年月平均数计算（月平均数＝(月初＋月末)/2，"
                f"全年＝各月平均数之和/12），新聘人员须在{ly}年度累计工作183天以上，最晚{ly}-07-01入职；"
                f"{BAN}第十一条（四）",
                year=ly,
            ),
        )
    elif "H4" in c.ft:
        c.add(
            "staff.hire",
            ["H4"],
            date(ly, 12, 31),
            "firm",
            Msg(
                "ms.keep.title",
                f"保持{ly}年度科技人员不少于{st.tech_staff_min}人（职工约{_fmt(st.staff)}人，按全年月平均数占比不低于10%）",
                year=ly,
                n=st.tech_staff_min,
                staff=_fmt(st.staff),
            ),
            Msg("ms.keep.basis", f"{GUIDE}三（五）：按全年月平均数计算；{BAN}第十一条（四）"),
        )


def _step_hightech(c):
    r, ly = c.r, c.ly
    if r.ht is None or c.pl.closed(ly) or not (r.ht_raised or "H7" in c.ft):
        return
    if r.ht_need:
        need, inc = r.ht_need
        title = Msg(
            "ms.ht.title",
            f"{ly}年度高新技术产品（服务）收入不低于{_fmt(need)}万元"
            f"（预计总收入{_fmt(inc)}万元的60%），产品与知识产权、研发项目对应",
            year=ly,
            need=_fmt(need),
            inc=_fmt(inc),
        )
    else:
        title = Msg("ms.ht.title.share", f"{ly}年度高新技术产品（服务）收入占总收入不低于60%", year=ly)
    c.add(
        "hightech.revenue",
        ["H7"],
        date(ly, 12, 31),
        "firm",
        title,
        Msg("ms.ht.basis", f"{BAN}第十一条（六）、{GUIDE}三（四）：按最近一年（{ly}年度）计算", year=ly),
    )


def _step_conversions(c):
    r = c.r
    for y in sorted(r.conv_extra):
        c.add(
            "conversion.record",
            ["conversion", "H8"],
            date(y, 12, 31),
            "firm",
            Msg(
                "ms.conv.title",
                f"{y}年度完成科技成果转化不少于{r.conv_total[y]}项（新增{r.conv_extra[y]}项），"
                f"每项留存转化合同、产品检测报告、销售发票或用户证明等证据",
                year=y,
                total=r.conv_total[y],
                extra=r.conv_extra[y],
            ),
            Msg(
                "ms.conv.basis",
                f"{GUIDE}三（七）2：按近三年年均转化数评分，年均5项以上25–30分；同一成果只计一次",
            ),
        )


def _step_mgmt(c):
    for key in RD_MANAGEMENT_POINTS:
        if key != "ledger" and key not in c.p.rd_management:
            c.add(
                f"mgmt.{key}",
                ["rd_management", "H8"],
                c.off("mgmt"),
                "firm",
                Msg(
                    "ms.mgmt.title",
                    f"建立{RD_MANAGEMENT_NAMES[key]}并留存文件（研究开发组织管理水平{RD_MANAGEMENT_POINTS[key]}分）",
                    piece=key,
                    pts=RD_MANAGEMENT_POINTS[key],
                ),
                Msg("ms.mgmt.basis", f"{GUIDE}三（七）3：研究开发组织管理水平"),
            )


# The application itself: platform account, annual audit and CIT filing, special audit, annuity
# receipts, linkage pack, self-check (the submission is ``_step_submit``).


def _step_platform(c):
    c.add(
        "platform.account",
        [],
        c.off("platform_account"),
        "firm",
        Msg(
            "ms.platform.title",
            "在高新技术企业认定管理工作网（www.innocom.gov.cn）注册企业账号，并经地方认定机构审核激活",
        ),
        Msg("ms.platform.basis", OFFSETS["platform_account"].basis),
    )


def _step_annual_audit(c):
    Y, ly = c.Y, c.ly
    c.add(
        "audit.annual",
        ["H5", "H6", "H7"],
        c.annual_audit_due,
        "firm",
        Msg(
            "ms.audit.title",
            f"完成{ly}年度财务报表年度审计，并完成{ly}年度企业所得税年度汇算清缴申报（须在提交申请前完成）",
            year=ly,
        ),
        Msg(
            "ms.audit.basis",
            f"{GUIDE}二（三）：申请材料须附近三个会计年度财务会计报告和企业所得税年度纳税申报表；"
            f"汇算清缴法定截止{Y}-05-31",
            due=f"{Y}-05-31",
        ),
    )


def _step_special_audit(c):
    """The special audit follows the annual one (never before it)."""
    r, ly = c.r, c.ly
    annual = c.annual_audit_due
    special = min(annual + timedelta(days=OFFSETS["special_audit_after_annual"].days), c.off("special_audit"))
    c.add(
        "audit.special",
        ["H5", "H6", "H7"],
        max(special, annual),
        "firm",
        Msg(
            "ms.special.title",
            f"在年度审计完成后，委托符合条件的中介机构出具{_span(r.operated)}研发费用和{ly}年度高新技术产品（服务）收入"
            f"专项审计（鉴证）报告",
            span=_span_en(r.operated),
            year=ly,
        ),
        Msg("ms.special.basis", f"{GUIDE}二（三）：申请材料须附专项审计或鉴证报告，以年度审计报表为基础"),
    )


_PATENTS = ("invention_patent", "utility_model", "design")


def _step_annuity(c):
    """Patent annuities, when the firm holds or plans a patent."""
    if not (any(it.kind in _PATENTS for it in c.p.ip) or any(k in _PATENTS for k, *_ in c.r.ip_add)):
        return
    c.add(
        "ip.annuity",
        ["H2"],
        c.off("annuity"),
        "firm",
        Msg("ms.annuity.title", "缴纳专利年费并留存官费收据，核对每项知识产权的有效状态和权利人"),
        Msg("ms.annuity.basis", OFFSETS["annuity"].basis),
    )


def _step_linkage_pack(c):
    c.add(
        "pack.linkage",
        ["H2", "H7", "H8"],
        c.off("linkage_pack"),
        "firm",
        Msg(
            "ms.linkage.title",
            "整理主要产品（服务）—知识产权—研发项目对应材料（PS、IP、RD编号一一对应，说明核心技术支持关系）",
        ),
        Msg("ms.linkage.basis", OFFSETS["linkage_pack"].basis),
    )


def _step_selfcheck(c):
    a = c.r.assessment
    c.add(
        "score.selfcheck",
        ["H8"],
        c.off("selfcheck"),
        "officer",
        Msg(
            "ms.selfcheck.title",
            f"对照认定条件和评价指标自查（按计划预计{a.score_min}–{a.score_max}分，下限须不低于71分）",
            lo=a.score_min,
            hi=a.score_max,
        ),
        Msg("ms.selfcheck.basis", f"{BAN}第十一条（七）、{GUIDE}三（七）"),
    )


def _step_annual_reports(c):
    pl, ex = c.pl, c.ex
    if not pl.certified or pl.cal is None:
        return
    for year in range(c.today.year, c.cut.year + 1):
        d = pl.cal.annual_report_due(year)
        if c.today <= d <= c.cut and d <= ex.hnte_cert_expiry:
            c.add(
                "annual.report",
                ["cert_valid"],
                d,
                "firm",
                Msg(
                    "ms.report.title",
                    f"{d.isoformat()}前报送{year - 1}年度高新技术企业年报（知识产权、科技人员、研发费用、经营收入）",
                    due=d.isoformat(),
                    year=year - 1,
                ),
                Msg("ms.report.basis", f"{BAN}第十三条：每年5月底前报送；累计两年未报取消资格（第十九条）"),
            )


def _step_submit(c):
    p, r, ex, cut, b = c.p, c.r, c.ex, c.cut, c.b
    timing = [k for k in ("H1", "H9", "H10") if k in c.ft or k in r.codes]
    notes = []
    if "H1" in timing:
        on = (p.registered_on + timedelta(days=365)).isoformat()
        notes.append(Msg("ms.submit.h1", f"注册满一年：{on}起", on=on))
    if "H9" in timing:
        inc = ex.incident_date or c.today
        on = (inc + timedelta(days=366)).isoformat()
        notes.append(Msg("ms.submit.h9", f"事故满一年：{on}起", on=on))
    cal = c.pl.cal
    province = (cal.province if cal is not None else "") or DEFAULT_PROVINCE
    once = "；每家企业每年只能申报一次" if cal is None or cal.one_per_year else ""
    how = "滚动受理" if b.rolling else "按批次受理"
    c.add(
        "apply.submit",
        timing,
        cut,
        "firm",
        Msg(
            "ms.submit.title",
            f"在{b.id}批次截止日{cut.isoformat()}前通过高新技术企业认定管理工作网提交认定申请"
            + (f"（{'；'.join(notes)}）" if notes else ""),
            batch=b.id,
            cutoff=cut.isoformat(),
            notes=Msg("ms.submit.notes", "", items=notes) if notes else Msg("w.empty", ""),
        ),
        Msg(
            ("ms.submit.basis.rolling" if b.rolling else "ms.submit.basis") + (".once" if once else ""),
            f"{BAN}第十二条；{province}{how}，截止日期以当年认定机构通知为准{once}",
        ),
    )


#: The steps, in the order a consultant writes them down (the list is sorted by due date after).
STEPS = (
    _step_tsme,
    _step_domain,
    _step_data,
    _step_grades,
    _step_ip,
    _step_standards,
    _step_rd,
    _step_ledger,
    _step_staff,
    _step_hightech,
    _step_conversions,
    _step_mgmt,
    _step_platform,
    _step_annual_audit,
    _step_special_audit,
    _step_annuity,
    _step_linkage_pack,
    _step_selfcheck,
    _step_annual_reports,
    _step_submit,
)


# ==================================================================== entry points


def plan(
    profile,
    today: date,
    calendar: Calendar | None = None,
    lead_times: Mapping[str, LeadTime] | None = None,
    assumptions=None,
    extras: PlanExtras | None = None,
    overrides: Overrides | None = None,
) -> Plan:
    """Plan one firm. ``profile`` is a criteria ``Profile`` or the decoded contract JSON (then
    ``assumptions``/``extras`` default to the JSON's). ``calendar`` defaults to
    ``default_calendar(today)``, ``lead_times`` to ``DEFAULT_LEAD_TIMES``."""
    if isinstance(profile, dict):
        profile, ex2, as2 = parse_plan_input(profile, today)
        extras = extras if extras is not None else ex2
        if assumptions is None:
            assumptions = as2
    A = normalize_assumptions(assumptions)
    cal = calendar if calendar is not None else default_calendar(today)
    lts = lead_times if lead_times is not None else DEFAULT_LEAD_TIMES
    pl = _Planner(profile, today, lts, A, extras or PlanExtras(), overrides, cal)
    batches = [b for b in cal.batches if b.cutoff > today]
    earlier = []
    res = None
    target = None
    likely = None  # (batch result) of the earliest likely batch
    for b in batches:
        res = pl.evaluate(b)
        if not res.codes:
            target = b
            break
        if likely is None and res.likely:
            likely = res
        codes = tuple(sorted(res.codes, key=lambda c: CODE_ORDER.index(c) if c in CODE_ORDER else 99))
        earlier.append(
            Blocked(b, codes, join("；", [res.codes[c] for c in codes]), res.lever or _lever_of(codes))
        )
    if res is None:
        return Plan(today, None, [], A, None, [], None, None, [], None, cal.version)
    lk = None
    if likely is not None:
        a = likely.assessment
        lk = Likely(likely.batch, a.score_min, a.score_max, likely.risk)
    if target is None and likely is not None:
        # no safe batch: plan for the likely one (its steps and dates), the risk stated
        res = likely
    return Plan(
        today,
        target,
        earlier,
        A,
        res.assessment,
        res.rd,
        res.staff,
        res.ht,
        pl.milestones(res),
        res.profile,
        cal.version,
        likely_target=lk,
    )


#: What a blocking condition needs when no planned lever reaches it (named in earlier_batches).
CODE_LEVERS = {
    "cert_valid": "证书有效期：有效期内无需重新认定，到期当年再申请",
    "one_per_year": "时间：每年只能申报一次，下一年度批次再申请",
    "H1": "时间：注册满一年后方可申请",
    "H2": "知识产权：须取得对主要产品起核心支持作用的授权知识产权",
    "H3": "技术领域：须先确定核心技术所属的三级领域代码（属数据缺失，计划不能替代）",
    "H4": "科技人员：核查现有职工或在上一年7月1日前新聘",
    "H5": "研发投入：已结束年度无法改变，须等窗口移到可改变的年度",
    "H6": "境内研发：增加境内研发或减少境外委托研发",
    "H7": "高新收入：提高上一年度高新技术产品（服务）收入占比",
    "H8": "创新能力评价：专家评分、成果转化和成长性",
    "H9": "时间：事故或违法行为满一年后方可申请",
    "H10": "时间：被取消资格的当年不得申请",
}


def _lever_of(codes):
    return join("；", [Msg(f"lever.code.{c}", CODE_LEVERS[c]) for c in codes if c in CODE_LEVERS])


def outlook(d) -> dict | None:
    """For a plan (its JSON) without a safe batch: why, the likely batch and the lever that would
    make the difference – the words the firm page, the portal and the roadmap PDF show.
    None when the plan has a safe target (or there is no plan)."""
    if not d or d.get("target"):
        return None
    lk = d.get("likely_target")
    eb = d.get("earlier_batches") or []
    ref = next((b for b in eb if lk and b["batch"] == lk["batch"]), None) or (eb[-1] if eb else None)
    why = ref["why"] if ref else "申报日历内没有尚未截止的批次"
    lever = (ref or {}).get("lever") or next((b.get("lever") for b in reversed(eb) if b.get("lever")), "")
    lever_src = ref if ref and ref.get("lever") else next((b for b in reversed(eb) if b.get("lever")), {})
    return {
        "why": why,
        "why_msg": (ref or {}).get("why_msg") if ref else {"code": "why.no_batch", "params": {}},
        "likely": lk,
        "lever": lever,
        "lever_msg": lever_src.get("lever_msg"),
        "batch": ref["batch"] if ref else None,
    }


# ==================================================================== what-if


class WhatIfError(ValueError):
    """A what-if change that cannot be applied; ``str`` is one Chinese line."""


#: The what-if vocabulary (all keys optional, all in memory):
#:   add_ip            {kind: n}   n granted, own-R&D, core IP items of that kind, as if held now
#:   rd_ratio          {year: r}   R&D = r × sales in that open year, fixed (no planner change)
#:   hightech_share    {year: s}   high-tech income = s × total income in that open year
#:   add_tech_staff    n           n tech staff hired today (also added to headcount)
#:   hires             [{"n": 3, "on": "2027-01-02"}]  tech hires on a date (monthly-average effect,
#:                                 none in a year where they work < 183 days)
#:   reclassify_staff  n           n existing staff re-checked and counted as 科技人员 (no new heads)
#:   conversions       {year: n}   conversions in that open year (replaces the figure)
#:   sales_growth      g           the sales_growth assumption (also other assumption keys:
#:                                 net_assets_growth, max_rd_ratio, max_conversions_per_year)
#:   grades            {"tech_advancement"|"core_support": "A".."E"}
#:   rd_management     [key, ...]  R&D-management pieces now in place
#:   standards         bool        took part in drafting standards
#:   tsme_registered   bool        already in the tech-SME database
#: Closed years (ended before today) are facts: changing them is refused.
WHAT_IF_KEYS = (
    "add_ip",
    "rd_ratio",
    "hightech_share",
    "add_tech_staff",
    "hires",
    "reclassify_staff",
    "conversions",
    "sales_growth",
    "net_assets_growth",
    "max_rd_ratio",
    "max_conversions_per_year",
    "grades",
    "rd_management",
    "standards",
    "tsme_registered",
)


def _wi_year(key, y, today):
    try:
        yi = int(str(y))
    except ValueError:
        raise WhatIfError(f"{key}.{y}：年份无效") from None
    if yi < today.year:
        raise WhatIfError(f"{key}.{y}：{yi}年度已结束，是既成事实，不能假设变更")
    return yi


def _wi_num(key, v, lo, hi):
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise WhatIfError(f"{key}：“{v}”不是有效数字") from None
    if isinstance(v, bool) or not d.is_finite() or d < lo or d > hi:
        raise WhatIfError(f"{key}：“{v}”超出范围{lo}–{hi}")
    return d


class _WhatIf:
    """The changes being applied: the profile, assumptions, extras and the open-year overrides."""

    def __init__(self, profile, assumptions, extras):
        self.p = profile
        self.A = assumptions
        self.extras = extras
        self.fixed_rd: dict[int, Decimal] = {}
        self.ht_share: dict[int, Decimal] = {}
        self.staff_add = 0
        self.hires: list[tuple[int, date]] = []
        self.reclassify = 0

    def overrides(self) -> Overrides | None:
        if not (self.fixed_rd or self.staff_add or self.ht_share or self.hires or self.reclassify):
            return None
        return Overrides(
            fixed_rd=self.fixed_rd,
            staff_add=self.staff_add,
            ht_share=self.ht_share,
            hires=tuple(self.hires),
            reclassify=self.reclassify,
        )


def _wi_add_ip(w, key, val, today):
    if not isinstance(val, Mapping):
        raise WhatIfError("add_ip：必须是{类型: 数量}对象")
    items = []
    for kind, n in sorted(val.items()):
        if kind not in IP_KINDS:
            raise WhatIfError(f"add_ip.{kind}：未知的知识产权类型")
        n = int(_wi_num(f"add_ip.{kind}", n, 0, 1000))
        items += [IPItem(kind=kind, status="granted", acquired="own", core=True)] * n
    w.p = replace(w.p, ip=w.p.ip + tuple(items))


def _wi_shares(w, key, val, today):
    if not isinstance(val, Mapping):
        raise WhatIfError(f"{key}：必须是{{年份: 比例}}对象")
    tgt = w.fixed_rd if key == "rd_ratio" else w.ht_share
    for y, v in val.items():
        tgt[_wi_year(key, y, today)] = _wi_num(f"{key}.{y}", v, 0, 1)


def _wi_add_tech_staff(w, key, val, today):
    w.staff_add = int(_wi_num(key, val, 0, 100000))


def _wi_hire(i, h, today):
    if not isinstance(h, Mapping):
        raise WhatIfError(f"hires[{i}]：必须是对象")
    n = int(_wi_num(f"hires[{i}].n", h.get("n"), 0, 100000))
    try:
        on = date.fromisoformat(str(h.get("on")).strip())
    except ValueError:
        raise WhatIfError(f"hires[{i}].on：“{h.get('on')}”不是有效日期（YYYY-MM-DD）") from None
    if on < today:
        raise WhatIfError(f"hires[{i}].on：入职日期{on.isoformat()}早于今天，已是既成事实")
    return n, on


def _wi_hires(w, key, val, today):
    if not isinstance(val, (list, tuple)):
        raise WhatIfError("hires：必须是[{n: 人数, on: 入职日期}]数组")
    for i, h in enumerate(val):
        n, on = _wi_hire(i, h, today)
        if n:
            w.hires.append((n, on))


def _wi_reclassify(w, key, val, today):
    w.reclassify = int(_wi_num(key, val, 0, 100000))


def _wi_conversions(w, key, val, today):
    if not isinstance(val, Mapping):
        raise WhatIfError("conversions：必须是{年份: 次数}对象")
    conv = dict(w.p.conversions)
    for y, v in val.items():
        conv[_wi_year(key, y, today)] = int(_wi_num(f"conversions.{y}", v, 0, 1000))
    w.p = replace(w.p, conversions=conv)


def _wi_assumption(w, key, val, today):
    w.A[key] = val


def _wi_grades(w, key, val, today):
    if not isinstance(val, Mapping):
        raise WhatIfError("grades：必须是对象")
    g = dict(w.p.grades)
    for k, v in val.items():
        if (
            k not in ("tech_advancement", "core_support")
            or not isinstance(v, str)
            or v.upper() not in S.GRADE_BANDS
        ):
            raise WhatIfError(f"grades.{k}：等级必须是A–E")
        g[k] = v.upper()
    w.p = replace(w.p, grades=g)


def _wi_rd_management(w, key, val, today):
    keys = list(val) if isinstance(val, (list, tuple, set, frozenset)) else None
    if keys is None or any(k not in RD_MANAGEMENT_POINTS for k in keys):
        raise WhatIfError("rd_management：必须是研发组织管理要素键名数组")
    w.p = replace(w.p, rd_management=w.p.rd_management | frozenset(keys))


def _wi_standards(w, key, val, today):
    w.p = replace(w.p, standards=bool(val))


def _wi_tsme_registered(w, key, val, today):
    w.extras = replace(w.extras, tsme_registered=bool(val))


#: What-if key → the small function that applies it (same order as :data:`WHAT_IF_KEYS`).
_WHAT_IF_APPLY = {
    "add_ip": _wi_add_ip,
    "rd_ratio": _wi_shares,
    "hightech_share": _wi_shares,
    "add_tech_staff": _wi_add_tech_staff,
    "hires": _wi_hires,
    "reclassify_staff": _wi_reclassify,
    "conversions": _wi_conversions,
    "sales_growth": _wi_assumption,
    "net_assets_growth": _wi_assumption,
    "max_rd_ratio": _wi_assumption,
    "max_conversions_per_year": _wi_assumption,
    "grades": _wi_grades,
    "rd_management": _wi_rd_management,
    "standards": _wi_standards,
    "tsme_registered": _wi_tsme_registered,
}
assert tuple(_WHAT_IF_APPLY) == WHAT_IF_KEYS


def _wi_assumptions(assumptions, changes):
    A = dict(assumptions or {})
    if (
        "sales_growth" in changes
        and "net_assets_growth" not in changes
        and A.get("net_assets_growth") == A.get("sales_growth")
    ):
        A.pop("net_assets_growth", None)  # it followed sales_growth: keep following
    return A


def what_if(
    profile,
    changes: Mapping,
    today: date,
    calendar: Calendar | None = None,
    lead_times: Mapping[str, LeadTime] | None = None,
    assumptions=None,
    extras: PlanExtras | None = None,
) -> Plan:
    """A new plan for ``profile`` with ``changes`` (see :data:`WHAT_IF_KEYS`) applied in memory.
    Nothing passed in is modified. Raises :class:`WhatIfError` for a change it cannot apply."""
    if isinstance(profile, dict):
        profile, ex2, as2 = parse_plan_input(profile, today)
        extras = extras if extras is not None else ex2
        if assumptions is None:
            assumptions = as2
    if not isinstance(changes, Mapping):
        raise WhatIfError("假设变更必须是对象")
    w = _WhatIf(profile, _wi_assumptions(assumptions, changes), extras or PlanExtras())
    for key, val in changes.items():
        apply = _WHAT_IF_APPLY.get(key)
        if apply is None:
            raise WhatIfError(f"{key}：未知的假设变更（可用：{'、'.join(WHAT_IF_KEYS)}）")
        apply(w, key, val, today)
    try:
        A = normalize_assumptions({k: v for k, v in w.A.items() if v is not None})
    except ProfileError as e:
        raise WhatIfError(str(e)) from None
    return plan(w.p, today, calendar, lead_times, A, w.extras, w.overrides())
