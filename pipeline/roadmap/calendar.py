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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pipeline.vocabulary import IP_KINDS

__all__ = [
    "Batch",
    "Calendar",
    "CalendarError",
    "DEFAULT_BATCH_PATTERN",
    "make_calendar",
    "default_calendar",
    "calendar_from_json",
    "calendar_to_json",
    "LeadTime",
    "DEFAULT_LEAD_TIMES",
    "IP_KIND_NAMES",
    "lead_times_from_json",
    "lead_times_version",
    "PLANNER_DATA_VERSION",
    "add_months",
    "TsmeWindow",
    "default_tsme_window",
    "DEFAULT_TSME_WINDOW",
    "DEFAULT_ANNUAL_REPORT_MD",
    "DEFAULT_PROVINCE",
    "ProvincePractice",
    "PROVINCE_PRACTICES",
    "FAST_TRACK_LEAD_TIMES",
]


class CalendarError(ValueError):
    """A calendar or lead-time table that cannot be read; ``str`` is one Chinese line."""


# ------------------------------------------------------------------ dates

from pipeline.criteria.rules import add_months  # noqa: E402  (the one definition)

# ------------------------------------------------------------------ batches


@dataclass(frozen=True, slots=True)
class Batch:
    """One application batch. ``year`` is the application year Y (normally ``cutoff.year``).

    ``opens`` is the first day submissions are accepted (None = not announced); ``rolling`` marks a
    window with rolling acceptance (the province accepts and reviews applications continuously
    between ``opens`` and ``cutoff``) instead of a batch with one cutoff."""

    id: str
    cutoff: date
    year: int
    opens: date | None = None
    rolling: bool = False


@dataclass(frozen=True, slots=True)
class TsmeWindow:
    """科技型中小企业评价 of one year: the evaluation (filing) window, and the date by which a
    registered firm renews its number (每年3月底前更新). A registration is valid for one year."""

    year: int
    opens: date
    closes: date
    renewal_by: date
    validity_years: int = 1


@dataclass(frozen=True, slots=True)
class Calendar:
    """Batches sorted by (cutoff, id) plus the year's other dates; ``version`` = short hash.

    batches          HNTE application batches (or rolling windows) of the province.
    tsme_windows     year → :class:`TsmeWindow` (科小 evaluation window and renewal date).
    annual_reports   year → HNTE 年报 deadline (default 31 May).
    province         the province whose practice this is (default 江苏省).
    one_per_year     one HNTE application per firm per year (a firm that fails a batch waits for
                     the next year; it cannot re-submit in a later batch of the same year).
    """

    batches: tuple[Batch, ...]
    version: str
    tsme_windows: Mapping[int, TsmeWindow] = field(default_factory=dict)
    annual_reports: Mapping[int, date] = field(default_factory=dict)
    province: str = ""
    one_per_year: bool = True

    def tsme_window(self, year: int) -> TsmeWindow:
        """The 科小 window of ``year``: the calendar's own, else the default pattern."""
        w = self.tsme_windows.get(year)
        return w if w is not None else default_tsme_window(year)

    def annual_report_due(self, year: int) -> date:
        """Deadline of the HNTE 年报 filed in ``year`` (for fiscal year ``year − 1``)."""
        d = self.annual_reports.get(year)
        return d if d is not None else _md(year, DEFAULT_ANNUAL_REPORT_MD)


def _version(parts) -> str:
    h = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    return h[:12]


def _md(year, md):
    m, d = md
    return date(year, m, min(d, _cal.monthrange(year, m)[1]))


#: 科小 evaluation window (month, day) – (month, day), and the renewal date (month, day).
#: 2026: 1 June – 31 August (工企业函〔2026〕160号, rules §4 S7 [S]); renewal by end of March
#: (国科发政〔2017〕115号 第十二条). Enter each year's real window on the admin calendar page.
DEFAULT_TSME_WINDOW = ((6, 1), (8, 31), (3, 31))
#: HNTE 年报 deadline (month, day): 31 May every year of validity (办法第十三条).
DEFAULT_ANNUAL_REPORT_MD = (5, 31)
from pipeline.criteria.rules import DEFAULT_PROVINCE  # noqa: E402  (the rules table's)


def default_tsme_window(year: int) -> TsmeWindow:
    (om, od), (cm, cd), (rm, rd) = DEFAULT_TSME_WINDOW
    return TsmeWindow(year, _md(year, (om, od)), _md(year, (cm, cd)), _md(year, (rm, rd)))


def make_calendar(
    batches,
    tsme_windows=None,
    annual_reports=None,
    province: str = DEFAULT_PROVINCE,
    one_per_year: bool = True,
) -> Calendar:
    """Build a :class:`Calendar` from any iterable of :class:`Batch` (sorted, hashed), with the
    科小 windows (iterable of :class:`TsmeWindow`) and 年报 deadlines (year → date) if given."""
    bs = tuple(sorted(batches, key=lambda b: (b.cutoff, b.id)))
    seen = set()
    for b in bs:
        if b.id in seen:
            raise CalendarError(f"calendar.batches：批次编号“{b.id}”重复")
        seen.add(b.id)
    tw = {w.year: w for w in (tsme_windows or ())}
    ar = dict(annual_reports or {})
    parts = [f"{b.id}|{b.cutoff.isoformat()}|{b.year}|{b.opens or ''}|{int(b.rolling)}" for b in bs]
    parts += [f"t{w.year}|{w.opens}|{w.closes}|{w.renewal_by}" for _, w in sorted(tw.items())]
    parts += [f"a{y}|{d}" for y, d in sorted(ar.items())]
    parts.append(f"p|{province}|{int(one_per_year)}")
    # the old hash for a plain batch list keeps stored plans' calendar versions stable
    if (
        not tw
        and not ar
        and province == DEFAULT_PROVINCE
        and one_per_year
        and not any(b.opens or b.rolling for b in bs)
    ):
        parts = [f"{b.id}|{b.cutoff.isoformat()}|{b.year}" for b in bs]
    return Calendar(bs, _version(parts), tw, ar, province, one_per_year)


@dataclass(frozen=True, slots=True)
class ProvincePractice:
    """How a province takes HNTE applications: batches with cutoffs, or a rolling window."""

    province: str
    mode: str  # "batches" | "rolling"
    pattern: tuple[tuple[int, int, int], ...] = ()  # (n, month, day) of each batch cutoff
    window: tuple[tuple[int, int], tuple[int, int]] = ((3, 1), (9, 30))  # rolling: opens, closes
    one_per_year: bool = True
    basis: str = ""


#: (batch number, month, day) of each year's batches: Jiangsu practice, submissions May–Aug
#: (rules §5: 2021 3rd batch cut-off 08-31; SIP 2023 cut-offs 05-12 … 08-04). [U] – enter the
#: year's real dates from the 苏高企协办 notice.
DEFAULT_BATCH_PATTERN: tuple[tuple[int, int, int], ...] = ((1, 5, 31), (2, 7, 15), (3, 8, 31))


#: Province practices (data). Jiangsu takes several batches between May and August.
PROVINCE_PRACTICES: Mapping[str, ProvincePractice] = {
    "江苏省": ProvincePractice(
        "江苏省",
        "batches",
        DEFAULT_BATCH_PATTERN,
        basis="苏高企协办当年通知：每年5–8月分批受理，每批设系统截止日",
    ),
}


def default_calendar(
    today: date,
    years_ahead: int = 4,
    pattern: tuple[tuple[int, int, int], ...] | None = None,
    province: str = DEFAULT_PROVINCE,
) -> Calendar:
    """Batches of ``today.year .. today.year + years_ahead`` from the province's practice
    (``pattern`` overrides it); ids "YYYY-n", or "YYYY" for a rolling window."""
    practice = PROVINCE_PRACTICES.get(province) or PROVINCE_PRACTICES[DEFAULT_PROVINCE]
    if pattern is None:
        pattern = practice.pattern
    out = []
    for y in range(today.year, today.year + years_ahead + 1):
        if practice.mode == "rolling" and pattern is practice.pattern:
            (om, od), (cm, cd) = practice.window
            out.append(Batch(f"{y}", _md(y, (cm, cd)), y, _md(y, (om, od)), True))
            continue
        for n, m, d in pattern:
            out.append(Batch(f"{y}-{n}", _md(y, (m, d)), y))
    return make_calendar(out, province=practice.province, one_per_year=practice.one_per_year)


def _json_date(v, path, name):
    if not isinstance(v, str):
        raise CalendarError(f"{path}：{name}必须是“YYYY-MM-DD”格式的字符串")
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        raise CalendarError(f"{path}：“{v}”不是有效日期") from None


def _json_year(v, path):
    if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2200:
        raise CalendarError(f"{path}：年度必须是年份整数")
    return v


def _json_batch(i, b) -> Batch:
    path = f"日历.batches[{i}]"
    _json_obj(b, path)
    bid = b.get("id")
    if not isinstance(bid, str) or not bid.strip():
        raise CalendarError(f"{path}.id：批次编号必须是非空字符串")
    cutoff = _json_date(b.get("cutoff"), f"{path}.cutoff", "截止日期")
    year = _json_year(b.get("year", cutoff.year), f"{path}.year")
    opens = None if b.get("opens") is None else _json_date(b["opens"], f"{path}.opens", "开始日期")
    if opens is not None and opens > cutoff:
        raise CalendarError(f"{path}.opens：开始日期不能晚于截止日期")
    rolling = b.get("rolling", False)
    if not isinstance(rolling, bool):
        raise CalendarError(f"{path}.rolling：必须是true或false")
    return Batch(bid.strip(), cutoff, year, opens, rolling)


def _json_list(data, key):
    rows = data.get(key) or []
    if not isinstance(rows, list):
        raise CalendarError(f"日历.{key}：必须是数组")
    return rows


def _json_obj(row, path):
    if not isinstance(row, dict):
        raise CalendarError(f"{path}：必须是对象")
    return row


def _json_tsme_window(i, w) -> TsmeWindow:
    path = f"日历.tsme_windows[{i}]"
    _json_obj(w, path)
    y = _json_year(w.get("year"), f"{path}.year")
    o = _json_date(w.get("opens"), f"{path}.opens", "评价开始日期")
    c = _json_date(w.get("closes"), f"{path}.closes", "评价截止日期")
    if o > c:
        raise CalendarError(f"{path}.opens：开始日期不能晚于截止日期")
    r = (
        default_tsme_window(y).renewal_by
        if w.get("renewal_by") is None
        else _json_date(w["renewal_by"], f"{path}.renewal_by", "更新截止日期")
    )
    return TsmeWindow(y, o, c, r)


def _json_annual_reports(data) -> dict[int, date]:
    reports = {}
    for i, a in enumerate(_json_list(data, "annual_reports")):
        path = f"日历.annual_reports[{i}]"
        _json_obj(a, path)
        reports[_json_year(a.get("year"), f"{path}.year")] = _json_date(
            a.get("due"), f"{path}.due", "年报截止日期"
        )
    return reports


def _json_practice(data) -> tuple[str, bool]:
    province = data.get("province", DEFAULT_PROVINCE)
    if not isinstance(province, str) or not province.strip():
        raise CalendarError("日历.province：省份必须是非空字符串")
    one = data.get("one_per_year", True)
    if not isinstance(one, bool):
        raise CalendarError("日历.one_per_year：必须是true或false")
    return province.strip(), one


def calendar_from_json(data) -> Calendar:
    """``{"batches": [{"id": "2027-1", "cutoff": "2027-05-31"}, ...]}`` → :class:`Calendar`.

    Per batch, optional ``"year"`` (application year, default the cutoff's year), ``"opens"`` and
    ``"rolling"`` (a window with rolling acceptance). Optional top-level keys: ``"tsme_windows"``
    ``[{"year", "opens", "closes", "renewal_by"?}]``, ``"annual_reports"`` ``[{"year", "due"}]``,
    ``"province"``, ``"one_per_year"``. Raises :class:`CalendarError` with one Chinese line.
    """
    if not isinstance(data, dict):
        raise CalendarError("日历：必须是JSON对象")
    raw = data.get("batches")
    if not isinstance(raw, list) or not raw:
        raise CalendarError("日历.batches：必须是非空数组")
    batches = [_json_batch(i, b) for i, b in enumerate(raw)]
    windows = [_json_tsme_window(i, w) for i, w in enumerate(_json_list(data, "tsme_windows"))]
    reports = _json_annual_reports(data)
    province, one = _json_practice(data)
    return make_calendar(batches, windows, reports, province, one)


def calendar_to_json(cal: Calendar) -> dict:
    out = {
        "batches": [
            dict(
                {"id": b.id, "cutoff": b.cutoff.isoformat(), "year": b.year},
                **({"opens": b.opens.isoformat()} if b.opens else {}),
                **({"rolling": True} if b.rolling else {}),
            )
            for b in cal.batches
        ]
    }
    if cal.tsme_windows:
        out["tsme_windows"] = [
            {
                "year": w.year,
                "opens": w.opens.isoformat(),
                "closes": w.closes.isoformat(),
                "renewal_by": w.renewal_by.isoformat(),
            }
            for _, w in sorted(cal.tsme_windows.items())
        ]
    if cal.annual_reports:
        out["annual_reports"] = [
            {"year": y, "due": d.isoformat()} for y, d in sorted(cal.annual_reports.items())
        ]
    if cal.province != DEFAULT_PROVINCE:
        out["province"] = cal.province
    if not cal.one_per_year:
        out["one_per_year"] = False
    return out


# ------------------------------------------------------------------ lead times

#: The one name per IP kind (``pipeline.vocabulary.IP_KINDS``), in the order the lead-time table lists them.
IP_KIND_NAMES = {
    k: IP_KINDS[k]
    for k in (
        "invention_patent",
        "utility_model",
        "design",
        "software_copyright",
        "plant_variety",
        "crop_variety",
        "new_drug",
        "tcm_protected",
        "ic_layout",
    )
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
    domains: tuple[str, ...] = ()

    def suits(self, domain: str | None) -> bool:
        if not self.domains or not domain:
            return True
        return any(domain.startswith(p) for p in self.domains)


DEFAULT_LEAD_TIMES: Mapping[str, LeadTime] = {
    lt.kind: lt
    for lt in (
        LeadTime(
            "invention_patent",
            18,
            "发明专利授权周期按18个月计（2022年发明专利平均审查周期16.8个月，高价值发明13.0个月）",
            Decimal("1.0"),
        ),
        LeadTime("utility_model", 10, "实用新型授权周期按10个月计（通常数月至一年）", Decimal("0.3")),
        LeadTime(
            "design",
            8,
            "外观设计授权周期按8个月计（通常数月至一年）",
            Decimal("0.2"),
            core_ok=False,
            domains=("406", "508", "809"),
        ),
        LeadTime(
            "software_copyright",
            3,
            "软件著作权登记周期按3个月计（《计算机软件著作权登记办法》法定60日，实践约30个工作日）",
            Decimal("0.1"),
            domains=("10", "50", "205", "801", "803"),
        ),
        LeadTime("ic_layout", 6, "集成电路布图设计登记周期按6个月计", Decimal("0.5"), auto=False),
        LeadTime("plant_variety", 36, "植物新品种权审查周期按36个月计", Decimal("2.0"), auto=False),
        LeadTime(
            "crop_variety",
            36,
            "农作物品种审定周期按36个月计（区试、生产试验至少两个生产周期）",
            Decimal("5.0"),
            auto=False,
        ),
        LeadTime("tcm_protected", 24, "中药品种保护审评周期按24个月计", Decimal("10.0"), auto=False),
        LeadTime("new_drug", 60, "新药注册周期按60个月计", Decimal("100.0"), auto=False),
    )
}


#: Lead times through a 知识产权保护中心 预审 fast track, where the firm's county has one (data):
#: months and basis. Only firms whose county offers it get these (PlanExtras.fast_track).
FAST_TRACK_LEAD_TIMES: Mapping[str, tuple[int, str]] = {
    "invention_patent": (
        6,
        "经知识产权保护中心预审的发明专利快速审查，授权周期按6个月计（预审合格后通常3–6个月）",
    ),
    "utility_model": (2, "经知识产权保护中心预审的实用新型快速审查，授权周期按2个月计"),
    "design": (2, "经知识产权保护中心预审的外观设计快速审查，授权周期按2个月计"),
}


def lead_times_version(lead_times: Mapping[str, LeadTime]) -> str:
    return _version(
        f"{k}|{lt.months}|{lt.cost}|{int(lt.auto)}|{int(lt.core_ok)}|{','.join(lt.domains)}"
        for k, lt in sorted(lead_times.items())
    )


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
        out[kind] = LeadTime(
            kind,
            months,
            basis,
            cost,
            bool(r.get("auto", base.auto)),
            bool(r.get("core_ok", base.core_ok)),
            tuple(domains),
        )
    return out


#: Version of the planner's own data and conventions (lead times, caps, default pattern);
#: a stored plan records it next to ``Calendar.version`` and ``RULES_VERSION``.
PLANNER_DATA_VERSION = "roadmap-1/" + _version(
    [lead_times_version(DEFAULT_LEAD_TIMES)] + [f"{n}-{m}-{d}" for n, m, d in DEFAULT_BATCH_PATTERN]
)
