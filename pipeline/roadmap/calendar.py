"""Application calendar and IP lead times: planner DATA, not logic (no year is hard-coded).

The web app keeps admin-edited batches and lead times in its database and passes them to
:func:`pipeline.roadmap.plan`; these defaults serve the CLI, the tests and an empty database.

* :class:`Batch` / :class:`Calendar` – HNTE application batches (Jiangsu: several batches
  between May and August each year, dates from the year's 苏高企协办 notice; rules §5, S13).
  ``Calendar.version`` is a short stable hash of the batches, so a stored plan can record the
  calendar it used.
* :func:`default_calendar` – batches generated from a month-day pattern for
  ``today.year .. today.year + years_ahead``.
* :func:`calendar_from_json` – the ``CALENDAR.json`` of ``spec/plan-io.md``.
* :class:`LeadTime` / :data:`DEFAULT_LEAD_TIMES` – months from filing an IP item to its grant
  (or registration), with the basis of the figure and a rough cost per item, by IP kind
  (rules §7).
"""

from __future__ import annotations

import calendar as _cal
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Mapping, Optional, Tuple

__all__ = [
    "Batch", "Calendar", "CalendarError", "DEFAULT_BATCH_PATTERN", "make_calendar",
    "default_calendar", "calendar_from_json", "calendar_to_json", "LeadTime",
    "DEFAULT_LEAD_TIMES", "IP_KIND_NAMES", "lead_times_from_json", "lead_times_version",
    "PLANNER_DATA_VERSION", "add_months",
]


class CalendarError(ValueError):
    """A calendar or lead-time table that cannot be read; ``str`` is one Chinese line."""


# ------------------------------------------------------------------ dates

def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` (may be negative), the day clamped to the month's end."""
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


# ------------------------------------------------------------------ batches

@dataclass(frozen=True, slots=True)
class Batch:
    """One application batch. ``year`` is the application year Y (normally ``cutoff.year``)."""

    id: str
    cutoff: date
    year: int


@dataclass(frozen=True, slots=True)
class Calendar:
    """Batches sorted by (cutoff, id); ``version`` = short hash of the contents."""

    batches: Tuple[Batch, ...]
    version: str


def _version(parts) -> str:
    h = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    return h[:12]


def make_calendar(batches) -> Calendar:
    """Build a :class:`Calendar` from any iterable of :class:`Batch` (sorted, hashed)."""
    bs = tuple(sorted(batches, key=lambda b: (b.cutoff, b.id)))
    seen = set()
    for b in bs:
        if b.id in seen:
            raise CalendarError(f"calendar.batches：批次编号“{b.id}”重复")
        seen.add(b.id)
    return Calendar(bs, _version(f"{b.id}|{b.cutoff.isoformat()}|{b.year}" for b in bs))


#: (batch number, month, day) of each year's batches: Jiangsu practice, submissions May–Aug
#: (rules §5: 2021 3rd batch cut-off 08-31; SIP 2023 cut-offs 05-12 … 08-04). [U] – enter the
#: year's real dates from the 苏高企协办 notice.
DEFAULT_BATCH_PATTERN: Tuple[Tuple[int, int, int], ...] = ((1, 5, 31), (2, 7, 15), (3, 8, 31))


def default_calendar(today: date, years_ahead: int = 4,
                     pattern: Tuple[Tuple[int, int, int], ...] = DEFAULT_BATCH_PATTERN) -> Calendar:
    """Batches of ``today.year .. today.year + years_ahead`` from ``pattern``; ids "YYYY-n"."""
    out = []
    for y in range(today.year, today.year + years_ahead + 1):
        for n, m, d in pattern:
            out.append(Batch(f"{y}-{n}", date(y, m, min(d, _cal.monthrange(y, m)[1])), y))
    return make_calendar(out)


def calendar_from_json(data) -> Calendar:
    """``{"batches": [{"id": "2027-1", "cutoff": "2027-05-31"}, ...]}`` → :class:`Calendar`.

    An optional ``"year"`` per batch sets the application year (default: the cutoff's year).
    Raises :class:`CalendarError` with one Chinese line naming the batch.
    """
    if not isinstance(data, dict):
        raise CalendarError("日历：必须是JSON对象")
    raw = data.get("batches")
    if not isinstance(raw, list) or not raw:
        raise CalendarError("日历.batches：必须是非空数组")
    out = []
    for i, b in enumerate(raw):
        path = f"日历.batches[{i}]"
        if not isinstance(b, dict):
            raise CalendarError(f"{path}：必须是对象")
        bid = b.get("id")
        if not isinstance(bid, str) or not bid.strip():
            raise CalendarError(f"{path}.id：批次编号必须是非空字符串")
        cut = b.get("cutoff")
        if not isinstance(cut, str):
            raise CalendarError(f"{path}.cutoff：截止日期必须是“YYYY-MM-DD”格式的字符串")
        try:
            cutoff = date.fromisoformat(cut.strip())
        except ValueError:
            raise CalendarError(f"{path}.cutoff：“{cut}”不是有效日期") from None
        year = b.get("year", cutoff.year)
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
            raise CalendarError(f"{path}.year：申报年度必须是年份整数")
        out.append(Batch(bid.strip(), cutoff, year))
    return make_calendar(out)


def calendar_to_json(cal: Calendar) -> dict:
    return {"batches": [{"id": b.id, "cutoff": b.cutoff.isoformat(), "year": b.year}
                        for b in cal.batches]}


# ------------------------------------------------------------------ lead times

IP_KIND_NAMES = {
    "invention_patent": "发明专利",
    "utility_model": "实用新型专利",
    "design": "外观设计专利",
    "software_copyright": "软件著作权",
    "plant_variety": "植物新品种权",
    "crop_variety": "国家级农作物品种",
    "new_drug": "国家新药",
    "tcm_protected": "国家一级中药保护品种",
    "ic_layout": "集成电路布图设计专有权",
}


@dataclass(frozen=True, slots=True)
class LeadTime:
    """Filing → grant/registration for one IP kind.

    kind      IP kind of the criteria engine (``invention_patent`` …).
    months    lead time in months: a filing is due ``cutoff − months``.
    basis     where the figure comes from (shown on the milestone).
    cost      rough cost per item in 万元 (agency + official fees) – used only to choose the
              cheapest mix; [U] house estimate.
    auto      the planner may propose this kind by itself (False for kinds that depend on the
              firm's field: plant varieties, new drugs, IC layouts …; a what-if can still add them).
    core_ok   an item of this kind can give core technical support to the main products (H2).
              Designs protect appearance only, so the planner does not rely on them for H2.
    domains   tech-domain code prefixes the kind suits ("" = every domain).
    """

    kind: str
    months: int
    basis: str
    cost: Decimal = Decimal("0.5")
    auto: bool = True
    core_ok: bool = True
    domains: Tuple[str, ...] = ()

    def suits(self, domain: Optional[str]) -> bool:
        if not self.domains or not domain:
            return True
        return any(domain.startswith(p) for p in self.domains)


DEFAULT_LEAD_TIMES: Mapping[str, LeadTime] = {
    lt.kind: lt for lt in (
        LeadTime("invention_patent", 18,
                 "发明专利授权周期按18个月计（2022年发明专利平均审查周期16.8个月，高价值发明13.0个月）",
                 Decimal("1.0")),
        LeadTime("utility_model", 10, "实用新型授权周期按10个月计（通常数月至一年）",
                 Decimal("0.3")),
        LeadTime("design", 8, "外观设计授权周期按8个月计（通常数月至一年）", Decimal("0.2"),
                 core_ok=False),
        LeadTime("software_copyright", 3,
                 "软件著作权登记周期按3个月计（《计算机软件著作权登记办法》法定60日，实践约30个工作日）",
                 Decimal("0.1"), domains=("10", "50", "205", "801", "803")),
        LeadTime("ic_layout", 6, "集成电路布图设计登记周期按6个月计", Decimal("0.5"), auto=False),
        LeadTime("plant_variety", 36, "植物新品种权审查周期按36个月计", Decimal("2.0"), auto=False),
        LeadTime("crop_variety", 36, "农作物品种审定周期按36个月计（区试、生产试验至少两个生产周期）",
                 Decimal("5.0"), auto=False),
        LeadTime("tcm_protected", 24, "中药品种保护审评周期按24个月计", Decimal("10.0"), auto=False),
        LeadTime("new_drug", 60, "新药注册周期按60个月计", Decimal("100.0"), auto=False),
    )
}


def lead_times_version(lead_times: Mapping[str, LeadTime]) -> str:
    return _version(f"{k}|{lt.months}|{lt.cost}|{int(lt.auto)}|{int(lt.core_ok)}|{','.join(lt.domains)}"
                    for k, lt in sorted(lead_times.items()))


def lead_times_from_json(data) -> Mapping[str, LeadTime]:
    """``[{"kind", "months", "basis", "cost"?, "auto"?, "core_ok"?, "domains"?}, ...]`` (or a
    dict kind → same object) → lead-time table; kinds not given keep their defaults."""
    if isinstance(data, dict):
        rows = [dict(v, kind=k) for k, v in data.items() if isinstance(v, dict)]
        if len(rows) != len(data):
            raise CalendarError("知识产权周期：每一项必须是对象")
    elif isinstance(data, list):
        rows = data
    else:
        raise CalendarError("知识产权周期：必须是数组或对象")
    out = dict(DEFAULT_LEAD_TIMES)
    for i, r in enumerate(rows):
        path = f"知识产权周期[{i}]"
        if not isinstance(r, dict):
            raise CalendarError(f"{path}：必须是对象")
        kind = r.get("kind")
        if kind not in IP_KIND_NAMES:
            raise CalendarError(f"{path}.kind：未知的知识产权类型“{kind}”")
        months = r.get("months")
        if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 240:
            raise CalendarError(f"{path}.months：周期月数必须是0–240的整数")
        base = out[kind]
        basis = r.get("basis", base.basis)
        if not isinstance(basis, str):
            raise CalendarError(f"{path}.basis：依据必须是字符串")
        try:
            cost = Decimal(str(r.get("cost", base.cost)))
        except InvalidOperation:
            raise CalendarError(f"{path}.cost：费用必须是数字") from None
        if not cost.is_finite() or cost < 0:
            raise CalendarError(f"{path}.cost：费用必须是非负数")
        domains = r.get("domains", base.domains)
        if not isinstance(domains, (list, tuple)) or not all(isinstance(x, str) for x in domains):
            raise CalendarError(f"{path}.domains：必须是领域代码前缀数组")
        out[kind] = LeadTime(kind, months, basis, cost, bool(r.get("auto", base.auto)),
                             bool(r.get("core_ok", base.core_ok)), tuple(domains))
    return out


#: Version of the planner's own data and conventions (lead times, caps, default pattern);
#: a stored plan records it next to ``Calendar.version`` and ``RULES_VERSION``.
PLANNER_DATA_VERSION = "roadmap-1/" + _version(
    [lead_times_version(DEFAULT_LEAD_TIMES)] + [f"{n}-{m}-{d}" for n, m, d in DEFAULT_BATCH_PATTERN])
