"""PURE compliance watch for certified HNTEs, the 年报 record and the 科小 yearly cycle (issue 16).

No Flask, no SQLAlchemy, no clock: every function takes ``today`` and plain data, so the firm
page, the stored watch rows, the reminders and the briefing PDF compute the same answer.

What a certified firm must keep while its certificate runs (《高新技术企业认定管理办法》第十一条、
第十三条、第十九条; random checks re-test the §11 conditions on the latest figures):

* **R&D ratio over the rolling three-year window** ending at the latest year that has figures
  (the current year's estimate included), against the band set by that year's sales
  (``pipeline.criteria.rules.rd_band_pct``: ≤5000万 5%, ≤2亿 4%, above 3%). Below the band, the amount still to invest
  is computed for the current year: when the latest year *is* the current year, the R&D that brings
  the window to the band; when it is a closed year, the R&D the current year needs for the window
  ending this year, assuming this year's sales equal the latest year's (said in the sentence).
* **High-tech income ≥ 60%** of total income and **tech staff ≥ 10%** of staff in the latest year
  (the stored head counts are the yearly averages of monthly averages, §3.1 of the domain notes).
* **No major incident** in the last 365 days (revocation, §19).
* **年报**: due by the year's deadline (31 May unless the locality set another date) in every year
  after the certificate year while it is valid. A missed year (see :func:`missed_reports`) is a
  risk; two missed years mean revocation (§19).

A firm is ``at_risk`` when any of these fails, ``incomplete`` when figures are missing to judge and
nothing fails, ``ok`` otherwise. Each reason carries its numbers and one Chinese sentence.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

OK, AT_RISK, INCOMPLETE = "ok", "at_risk", "incomplete"
RD_RATIO, HIGHTECH, TECH_STAFF, INCIDENT, REPORT_MISSED, REPORT_REVOCATION = (
    "rd_ratio",
    "hightech_income",
    "tech_staff",
    "incident",
    "annual_report_missed",
    "annual_report_revocation",
)


# The one H5 band function of the rules table (≤5000万 5%, ≤2亿 4%, above 3%).
from pipeline.criteria.rules import rd_band_pct  # noqa: E402


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    sales: Decimal | None = None
    total_income: Decimal | None = None
    hightech_income: Decimal | None = None
    rd_total: Decimal | None = None
    staff: int | None = None
    tech_staff: int | None = None
    is_estimate: bool = False


@dataclass(frozen=True)
class WatchInput:
    firm_id: int
    cert_date: date | None
    cert_expiry: date | None
    years: Mapping[int, YearFigures] = field(default_factory=dict)
    incidents: Sequence[date] = ()
    reports: Mapping[int, date | None] = field(
        default_factory=dict
    )  # year -> submitted on (None: date unknown)
    report_deadlines: Mapping[int, date] = field(default_factory=dict)  # year -> real deadline
    not_submitted: frozenset = frozenset()  # years the officer recorded as not submitted


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    figures: dict

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "figures": self.figures}


@dataclass(frozen=True)
class WatchResult:
    firm_id: int
    status: str
    reasons: tuple[Reason, ...]
    window: tuple[int, int] | None = None
    rd_ratio: Decimal | None = None  # 4 places
    rd_band: int | None = None
    rd_shortfall: Decimal | None = None  # 万元, whole 万 rounded up
    reports_missed: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be judged

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def summary(self) -> str:
        return "；".join(r.text for r in self.reasons)


# The one certificate-state rule (issue 11; its predicates are pure): active on ``today`` when valid
# through its expiry day and not issued after ``today``.
from pipeline.services.certificates import is_active as cert_active  # noqa: E402, F401 (re-exported)


def md(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def report_years(cert_date: date | None, cert_expiry: date | None, upto: int) -> list[int]:
    """The years a 年报 is due: after the certificate year, through the expiry year, up to ``upto``."""
    if cert_date is None or cert_expiry is None:
        return []
    return list(range(cert_date.year + 1, min(cert_expiry.year, upto) + 1))


def missed_reports(inp: WatchInput, today: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(missed years, unrecorded years). A year is *missed* when its deadline has passed and the
    officer recorded it as not submitted. A year whose deadline passed with no record at all is
    *unrecorded*: shown and reminded about (the officer verifies it on the national platform and
    records it), not counted as missed — the app cannot know, and it may have started tracking later."""
    missed, unknown = [], []
    for y in report_years(inp.cert_date, inp.cert_expiry, today.year):
        deadline = inp.report_deadlines.get(y) or md(y, 5, 31)
        if today <= deadline or y in inp.reports:
            continue
        (missed if y in inp.not_submitted else unknown).append(y)
    return tuple(missed), tuple(unknown)


def _pct(x: Decimal) -> str:
    return f"{(x * 100).quantize(Decimal('0.1'))}%"


def _wan(x: Decimal) -> str:
    x = x.quantize(Decimal(1), rounding=ROUND_CEILING)
    return f"{int(x)}万元"


def _span(a: int, b: int) -> str:
    return f"{a}–{b}年" if a != b else f"{a}年"


def _rd_check(years: Mapping[int, YearFigures], today: date):
    """(reason or None, window, ratio, band, shortfall, note)."""
    have = sorted(
        y for y, f in years.items() if f.rd_total is not None and f.sales is not None and y <= today.year
    )
    if not have:
        return None, None, None, None, None, "缺少研发费用和销售收入数据，无法计算近三年研发费用占比"
    last = have[-1]
    window = [
        y
        for y in (last - 2, last - 1, last)
        if y in years and years[y].rd_total is not None and years[y].sales is not None
    ]
    rd = sum((years[y].rd_total for y in window), Decimal(0))
    sales = sum((years[y].sales for y in window), Decimal(0))
    band = rd_band_pct(years[last].sales)
    if sales <= 0:
        return (
            None,
            (window[0], last),
            None,
            band,
            None,
            f"{_span(window[0], last)}销售收入合计为0，无法计算研发费用占比",
        )
    ratio = (rd / sales).quantize(Decimal("0.0001"))
    need_pct = Decimal(band) / 100
    if rd >= sales * need_pct:
        return None, (window[0], last), ratio, band, None, None
    if last >= today.year:
        short = sales * need_pct - rd
        tail = f"{last}年需再投入约{_wan(short)}"
    else:
        # The window ending this year: the last two years' figures plus this year at last year's sales.
        nxt = [
            y
            for y in (today.year - 2, today.year - 1)
            if y in years and years[y].rd_total is not None and years[y].sales is not None
        ]
        rd2 = sum((years[y].rd_total for y in nxt), Decimal(0))
        sales2 = sum((years[y].sales for y in nxt), Decimal(0)) + years[last].sales
        short = max(Decimal(0), sales2 * need_pct - rd2)
        tail = (
            f"{today.year}年（按销售收入与{last}年持平估算）需投入研发费用约{_wan(short)}，"
            f"才能使{_span(today.year - 2, today.year)}占比达到{band}%"
        )
    text = f"{_span(window[0], last)}研发费用占比{_pct(ratio)}，低于{band}%；{tail}"
    figures = {
        "from": window[0],
        "to": last,
        "rd": str(rd),
        "sales": str(sales),
        "ratio": str(ratio),
        "band": band,
        "shortfall": str(short.quantize(Decimal(1), rounding=ROUND_CEILING)),
    }
    return (
        Reason(RD_RATIO, text, figures),
        (window[0], last),
        ratio,
        band,
        short.quantize(Decimal(1), rounding=ROUND_CEILING),
        None,
    )


def watch(inp: WatchInput, today: date) -> WatchResult:
    """The compliance watch of one certified firm on ``today`` (see the module docstring)."""
    reasons: list[Reason] = []
    notes: list[str] = []
    rd_reason, window, ratio, band, short, note = _rd_check(inp.years, today)
    if rd_reason:
        reasons.append(rd_reason)
    if note:
        notes.append(note)
    dated = sorted(y for y in inp.years if y <= today.year)
    last = inp.years[dated[-1]] if dated else None
    if last is not None:
        income = last.total_income if last.total_income is not None else last.sales
        if last.hightech_income is None or income is None:
            notes.append(f"缺少{last.year}年高新技术产品（服务）收入或总收入")
        elif income > 0 and last.hightech_income * 10 < income * 6:
            share = (last.hightech_income / income).quantize(Decimal("0.0001"))
            need = income * Decimal("0.6") - last.hightech_income
            reasons.append(
                Reason(
                    HIGHTECH,
                    f"{last.year}年高新技术产品（服务）收入占比{_pct(share)}，低于60%；"
                    f"需再增加约{_wan(need)}高新技术收入",
                    {"year": last.year, "share": str(share), "shortfall": str(need)},
                )
            )
        if last.staff is None or last.tech_staff is None:
            notes.append(f"缺少{last.year}年职工总数或科技人员数")
        elif last.staff > 0 and last.tech_staff * 10 < last.staff:
            hire = -(-(last.staff - 10 * last.tech_staff) // 9)  # n: (tech+n)*10 >= staff+n
            reasons.append(
                Reason(
                    TECH_STAFF,
                    f"{last.year}年科技人员{last.tech_staff}人/职工{last.staff}人"
                    f"={_pct(Decimal(last.tech_staff) / Decimal(last.staff))}，低于10%；"
                    f"需增加约{hire}名科技人员（月平均数）",
                    {"year": last.year, "staff": last.staff, "tech_staff": last.tech_staff, "hire": hire},
                )
            )
    recent = sorted(d for d in inp.incidents if today - timedelta(days=365) <= d <= today)
    if recent:
        reasons.append(
            Reason(
                INCIDENT,
                f"{recent[-1].year}年{recent[-1].month}月{recent[-1].day}日发生重大安全、质量事故或"
                f"严重环境违法行为，可能被取消高企资格",
                {"on": recent[-1].isoformat(), "count": len(recent)},
            )
        )
    missed, unrecorded = missed_reports(inp, today)
    if len(missed) >= 2:
        reasons.append(
            Reason(
                REPORT_REVOCATION,
                f"已累计{len(missed)}年未按期填报年报（{'、'.join(map(str, missed))}年），"
                f"按规定将被取消高企资格",
                {"years": list(missed)},
            )
        )
    elif missed:
        reasons.append(
            Reason(
                REPORT_MISSED,
                f"{missed[0]}年年报未按期填报；再有一年未报将被取消高企资格",
                {"years": list(missed)},
            )
        )
    status = AT_RISK if reasons else (INCOMPLETE if notes else OK)
    if unrecorded:  # shown, but it does not change the status (see missed_reports)
        notes.append(f"{'、'.join(map(str, unrecorded))}年年报已过截止日期，尚未登记是否填报")
    return WatchResult(inp.firm_id, status, tuple(reasons), window, ratio, band, short, missed, tuple(notes))


# The 科小 yearly cycle (evaluation window, renewal date, one-year validity) and the 年报 deadline of
# each year are calendar data of the core: ``pipeline.roadmap.calendar.Calendar.tsme_window(year)``
# and ``Calendar.annual_report_due(year)`` (admin-edited per year, defaults 1 June–31 August, end of
# March, 31 May); the service layer passes the dates in.


# ------------------------------------------------------------------ 科小 site-check triggers


@dataclass(frozen=True)
class SiteCheckFacts:
    staff: int | None
    ip_count: int  # valid granted IP items
    rd_total: Decimal | None  # 万元, the last closed year
    dishonest: bool  # on a serious-dishonesty list recently
    first_application: bool  # never registered as a 科小 before


def site_check_triggers(f: SiteCheckFacts) -> list[tuple[str, str]]:
    """The current notice's triggers for an on-site check (expect a check, not a failure)."""
    out = []
    if f.staff is not None and f.staff <= 5:
        out.append(("staff_le5", f"职工总数{f.staff}人（≤5人）"))
    if f.ip_count == 0:
        out.append(("no_ip", "无有效知识产权"))
    if f.rd_total is not None and f.rd_total < 10:
        out.append(("rd_lt10", f"研发费用{f.rd_total.normalize():f}万元（低于10万元）"))
    if f.dishonest:
        out.append(("dishonest", "近期有严重失信记录"))
    if f.first_application:
        out.append(("first", "首次申请入库"))
    return out
