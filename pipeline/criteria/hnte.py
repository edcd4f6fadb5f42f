"""HNTE conditions H1..H10 (《高新技术企业认定管理办法》第十一条) and the whole assessment.

The core decision path only compares numbers; the Chinese explanation of each condition is
built on first access (``Condition.explain``), so assessing 20,000 firms stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import score as S
from .domains import CODES, domain_name
from .messages import Msg, msg_json
from .rules import (  # noqa: F401
    BAN,
    GUIDE,
    H1_MIN_DAYS,
    H6_MIN_SHARE,
    H7_MIN_SHARE,
    IP_TOTAL_CAP,
    PASS_SCORE,
    RULES_VERSION,
    STANDARDS_BAND,
    rd_band_pct,
)
from .tsme import evaluate as _tsme_evaluate

ITEM_ORDER = (
    "ip_advancement",
    "ip_core_support",
    "ip_quantity",
    "ip_acquisition",
    "ip_standards",
    "ip_total",
    "conversion",
    "rd_management",
    "growth_net_assets",
    "growth_sales",
)


@dataclass(slots=True)
class Condition:
    """One hard condition.

    status    "pass" | "fail" | "uncertain" | "missing".
    value     the measured value (ratio rounded to 4 places, years, count, code, bool) or None.
    required  the threshold (0.1, 0.05, 71, …) or None.
    explain   one Chinese sentence citing the article (property, built on first access).
    """

    status: str
    value: object
    required: object
    why: tuple = field(repr=False, compare=False)  # (builder, args) of the explanation
    _explain: object = field(default=None, repr=False, compare=False)

    @property
    def explain(self):
        e = self._explain
        if e is None:
            fn, args = self.why
            e = self._explain = fn(self.status, *args)
        return e

    def to_dict(self, codes: bool = False):
        d = {
            "status": self.status,
            "value": self.value,
            "required": self.required,
            "explain": self.explain,
        }
        if codes and (m := msg_json(self.explain)) is not None:
            d["explain_msg"] = m  # the message code + params (not in the contract's door output)
        return d


class Facts:
    """Intermediate numbers kept for explanations and the gap finder (not in the contract)."""

    __slots__ = (
        "window",
        "operated",
        "reg_year",
        "days",
        "missing_rd",
        "rd_sum",
        "sales_sum",
        "dom_sum",
        "pct",
        "last",
        "ipc",
        "conv_total",
        "conv_n",
        "growth",
        "as_of",
    )


# ---------------------------------------------------------------- explanations (lazy)


def money(x):
    """Plain Chinese-report form of an amount: 1000, 1000.5, 0.01 (no exponent)."""
    if x.__class__ is int:
        return str(x)
    if x.__class__ is float:  # floats are not the documented type; still print them plainly
        return f"{x:.2f}".rstrip("0").rstrip(".")
    if x == x.to_integral_value():
        return str(int(x))
    return format(x.normalize(), "f")


def _pct(a, b, ok=None, threshold=None):
    """a/b as a percentage with 2 decimals; with the verdict ``ok`` and the ``threshold`` (in
    percent) it never contradicts the verdict: a failing 4.999% prints 4.99%, not 5.00%."""
    x = float(a) * 100 / float(b)
    if ok is not None and threshold is not None:
        x = toward(x, 2, ok, threshold)
    return f"{x:.2f}%"


def _cmp(ok):
    return Msg("w.not_below", "不低于") if ok else Msg("w.below", "低于")


def _x_h1(st, days):
    art = f"（{BAN}第十一条（一）、{GUIDE}三（一））"
    if st == "pass":
        return Msg(
            "h1.pass",
            f"注册成立{days / 365.25:.2f}年（{days}天），满足申请时须注册成立一年以上（满365个日历天）的要求"
            + art,
            years=f"{days / 365.25:.2f}",
            days=days,
        )
    return Msg(
        "h1.fail", f"注册成立仅{days}天，不足365个日历天，不满足注册成立一年以上的要求" + art, days=days
    )


def _x_h2(st, ipc):
    if st == "pass":
        return Msg(
            "h2.pass",
            f"拥有{ipc.core}项已授权、可计入且对主要产品起核心支持作用的知识产权（可计Ⅰ类{ipc.class1}项、"
            f"Ⅱ类{ipc.class2}项），满足{BAN}第十一条（二）",
            core=ipc.core,
            class1=ipc.class1,
            class2=ipc.class2,
        )
    extra = []
    if ipc.core_uncountable:
        extra.append(
            Msg(
                "h2.used",
                f"{ipc.core_uncountable}项核心Ⅱ类知识产权已用于以往高企申请，不能重复使用",
                n=ipc.core_uncountable,
            )
        )
    if ipc.filed:
        extra.append(Msg("h2.filed", f"{ipc.filed}项尚在申请中，授权前不能计入", n=ipc.filed))
    tail = ("；" + "，".join(extra)) if extra else ""
    return Msg(
        "h2.fail",
        f"没有已授权、可计入且对主要产品起核心支持作用的知识产权{tail}，"
        f"不满足{BAN}第十一条（二）及{GUIDE}三（二）",
        tail=Msg("h2.tail", tail, items=extra) if extra else Msg("w.empty", ""),
    )


def _x_h3(st, code):
    if st == "missing":
        return Msg("h3.missing", f"尚未确定核心技术所属的国家重点支持的高新技术领域（{BAN}第十一条（三））")
    if st == "pass":
        return Msg(
            "h3.pass",
            f"核心技术属于《国家重点支持的高新技术领域》“{domain_name(code)}”（{code}），满足{BAN}第十一条（三）",
            code=code,
        )
    return Msg(
        "h3.fail", f"“{code}”不是《国家重点支持的高新技术领域》中的代码，不满足{BAN}第十一条（三）", code=code
    )


def _x_h4(st, y, last):
    art = f"（{BAN}第十一条（四）、{GUIDE}三（五））"
    if last is None or last.staff is None or last.tech_staff is None:
        if st == "missing":
            return Msg("h4.missing", f"缺少{y}年度职工总数或科技人员数，无法判断科技人员比例" + art, year=y)
        return Msg("h4.not_operated", f"{y}年度尚未经营，无科技人员比例" + art, year=y)
    if not last.staff:
        return Msg("h4.zero", f"{y}年度职工总数为0" + art, year=y)
    pct = _pct(last.tech_staff, last.staff, st == "pass", 10)
    return Msg(
        "h4.ratio",
        f"{y}年度科技人员{last.tech_staff}人/职工总数{last.staff}人={pct}，"
        f"{'不低于' if st == 'pass' else '低于'}10%" + art,
        year=y,
        tech=money(last.tech_staff),
        staff=money(last.staff),
        pct=pct,
        cmp=_cmp(st == "pass"),
    )


def _band_text(pct):
    return {5: "不高于5000万元", 4: "5000万元至2亿元", 3: "2亿元以上"}[pct]


def _span(ops):
    if not ops:
        return ""
    return f"{ops[0]}–{ops[-1]}年度" if len(ops) > 1 else f"{ops[0]}年度"


def _span_en(ops):
    if not ops:
        return ""
    return f"{ops[0]}–{ops[-1]}" if len(ops) > 1 else f"{ops[0]}"


def _x_h5(st, f):
    art = f"（{BAN}第十一条（五）、{GUIDE}三（六））"
    if not f.operated:
        return Msg("h5.not_operated", "近三个会计年度尚未经营，无研发费用归集" + art)
    if f.missing_rd:
        return Msg(
            "h5.missing",
            f"缺少{'、'.join(map(str, f.missing_rd))}年度的研发费用或销售收入数据，无法计算研发费用占比"
            + art,
            years=list(f.missing_rd),
        )
    if not f.sales_sum:
        return Msg(
            "h5.zero_sales",
            f"{_span(f.operated)}销售收入合计为0，研发费用合计{money(f.rd_sum)}万元，不存在研发费用占比，"
            f"不满足研发费用占销售收入比例的要求" + art,
            span=_span_en(f.operated),
            rd=money(f.rd_sum),
        )
    pct = _pct(f.rd_sum, f.sales_sum, st == "pass", f.pct)
    return Msg(
        "h5.ratio",
        f"{_span(f.operated)}研发费用合计{money(f.rd_sum)}万元，占销售收入合计{money(f.sales_sum)}万元的{pct}；"
        f"最近一年销售收入{money(f.last.sales)}万元，适用{_band_text(f.pct)}档，要求不低于{f.pct}%，"
        f"{'满足' if st == 'pass' else '不满足'}要求" + art,
        span=_span_en(f.operated),
        rd=money(f.rd_sum),
        sales=money(f.sales_sum),
        pct=pct,
        last=money(f.last.sales),
        band=Msg(f"band.{f.pct}", _band_text(f.pct)),
        req=f.pct,
        verdict=Msg("w.met", "满足") if st == "pass" else Msg("w.not_met", "不满足"),
    )


def _x_h6(st, f):
    art = f"（{BAN}第十一条（五））"
    if not f.operated:
        return Msg("h6.not_operated", "近三个会计年度尚未经营，无研发费用归集" + art)
    if f.missing_rd:
        return Msg(
            "h6.missing",
            f"缺少{'、'.join(map(str, f.missing_rd))}年度的研发费用数据，无法计算境内研发费用占比" + art,
            years=list(f.missing_rd),
        )
    if not f.rd_sum:
        return Msg(
            "h6.zero",
            f"{_span(f.operated)}无研发费用，无法满足境内研发费用占比不低于60%的要求" + art,
            span=_span_en(f.operated),
        )
    pct = _pct(f.dom_sum, f.rd_sum, st == "pass", 60)
    return Msg(
        "h6.ratio",
        f"{_span(f.operated)}境内研发费用{money(f.dom_sum)}万元，占研发费用总额{money(f.rd_sum)}万元的{pct}，"
        f"{'不低于' if st == 'pass' else '低于'}60%" + art,
        span=_span_en(f.operated),
        dom=money(f.dom_sum),
        rd=money(f.rd_sum),
        pct=pct,
        cmp=_cmp(st == "pass"),
    )


def _x_h7(st, y, last):
    art = f"（{BAN}第十一条（六）、{GUIDE}三（四））"
    if last is None or last.hightech_income is None or last.income is None:
        if st == "missing":
            return Msg("h7.missing", f"缺少{y}年度高新技术产品（服务）收入或总收入数据" + art, year=y)
        return Msg("h7.not_operated", f"{y}年度尚未经营，无高新技术产品（服务）收入" + art, year=y)
    inc = last.income
    if not inc:
        return Msg("h7.zero", f"{y}年度总收入为0" + art, year=y)
    pct = _pct(last.hightech_income, inc, st == "pass", 60)
    return Msg(
        "h7.ratio",
        f"{y}年度高新技术产品（服务）收入{money(last.hightech_income)}万元，占总收入{money(inc)}万元的"
        f"{pct}，{'不低于' if st == 'pass' else '低于'}60%" + art,
        year=y,
        ht=money(last.hightech_income),
        inc=money(inc),
        pct=pct,
        cmp=_cmp(st == "pass"),
    )


def _x_h8(st, smin, smax):
    art = f"（{BAN}第十一条（七）、{GUIDE}三（七））"
    if st == "pass":
        return Msg(
            "h8.pass",
            f"企业创新能力评价预计{smin}–{smax}分，下限已达到71分（须高于70分）" + art,
            lo=smin,
            hi=smax,
        )
    if st == "uncertain":
        return Msg(
            "h8.uncertain",
            f"企业创新能力评价预计{smin}–{smax}分，能否达到71分（须高于70分）取决于专家评分" + art,
            lo=smin,
            hi=smax,
        )
    return Msg(
        "h8.fail",
        f"企业创新能力评价预计{smin}–{smax}分，上限仍低于71分（须高于70分）" + art,
        lo=smin,
        hi=smax,
    )


def _x_h9(st):
    if st == "fail":
        return Msg(
            "h9.fail",
            f"申请前一年内发生过重大安全、重大质量事故或严重环境违法行为，不满足{BAN}第十一条（八）",
        )
    return Msg(
        "h9.pass", f"申请前一年内未发生重大安全、重大质量事故或严重环境违法行为，满足{BAN}第十一条（八）"
    )


def _x_h10(st):
    if st == "fail":
        return Msg(
            "h10.fail", f"本年度被取消高新技术企业资格，当年不得再次申请（{BAN}第十九条、{GUIDE}五（六））"
        )
    return Msg("h10.pass", f"本年度未被取消高新技术企业资格（{BAN}第十九条、{GUIDE}五（六））")


_NOARGS = ()


# ---------------------------------------------------------------- the engine: one small function per condition


def toward(x, places, ok, threshold):
    """``x`` rounded to ``places``, but never across ``threshold`` against the verdict: a failing
    "≥ threshold" ratio that would round up to the threshold is floored instead (0.049996 → 0.0499,
    not 0.05), a passing one that would round below it is raised to it."""
    r = round(x, places)
    if not ok and r >= threshold:
        r = math.floor(x * 10**places) / 10**places
        if r >= threshold:  # float noise at the edge
            r = threshold - 10**-places
        return round(r, places)
    if ok and r < threshold:
        return threshold
    return r


def _ratio(num, den, ok, threshold):
    return toward(float(num) / float(den), 4, ok, threshold)


def _h1(p, f, last):
    days = (p.application_date - p.registered_on).days
    f.days = days
    return Condition("pass" if days >= H1_MIN_DAYS else "fail", round(days / 365.25, 2), 1, (_x_h1, (days,)))


def _h2(p, f, last):
    ipc = f.ipc
    return Condition("pass" if ipc.core else "fail", ipc.core, 1, (_x_h2, (ipc,)))


def _h3(p, f, last):
    code = p.tech_domain
    st = "missing" if not code else ("pass" if code in CODES else "fail")
    return Condition(st, code or None, None, (_x_h3, (code,)))


def _h4(p, f, last):
    why = (_x_h4, (f.window[-1], last))
    if not f.operated:
        return Condition("fail", None, 0.1, why)
    if last is None or last.staff is None or last.tech_staff is None:
        return Condition("missing", None, 0.1, why)
    if last.staff <= 0:
        return Condition("fail", None, 0.1, why)
    ok = last.tech_staff * 10 >= last.staff
    return Condition("pass" if ok else "fail", _ratio(last.tech_staff, last.staff, ok, 0.1), 0.1, why)


def _rd_sums(f, figs):
    """Σ over the operated window years; sets f.missing_rd or f.rd_sum/sales_sum/dom_sum."""
    missing = ()
    rd_sum = sales_sum = dom_sum = 0
    for y, fy in zip(f.operated, figs, strict=False):
        if fy is None or fy.rd_total is None or fy.sales is None:
            missing += (y,)
            continue
        rd_sum += fy.rd_total
        sales_sum += fy.sales
        d = fy.rd_domestic
        dom_sum += fy.rd_total if d is None else d
    f.missing_rd = missing
    if not missing:
        f.rd_sum, f.sales_sum, f.dom_sum = rd_sum, sales_sum, dom_sum


def _h5(p, f, last):
    pct = f.pct
    req = 0.05 if pct is None else pct / 100
    why = (_x_h5, (f,))
    if not f.operated:
        return Condition("fail", None, req, why)
    if f.missing_rd:
        return Condition("missing", None, None if pct is None else req, why)
    if f.sales_sum > 0:
        ok = f.rd_sum * 100 >= f.sales_sum * pct
        return Condition("pass" if ok else "fail", _ratio(f.rd_sum, f.sales_sum, ok, req), req, why)
    # Σsales = 0: no ratio exists, so H5 fails (never "treated as met", assess-io.md)
    return Condition("fail", None, req, why)


def _h6(p, f, last):
    req = float(H6_MIN_SHARE)
    why = (_x_h6, (f,))
    if not f.operated:
        return Condition("fail", None, req, why)
    if f.missing_rd:
        return Condition("missing", None, req, why)
    if f.rd_sum > 0:
        ok = f.dom_sum * 10 >= f.rd_sum * 6
        return Condition("pass" if ok else "fail", _ratio(f.dom_sum, f.rd_sum, ok, req), req, why)
    return Condition("fail", None, req, why)


def _h7(p, f, last):
    req = float(H7_MIN_SHARE)
    why = (_x_h7, (f.window[-1], last))
    if not f.operated:
        return Condition("fail", None, req, why)
    ht = None if last is None else last.hightech_income
    inc = None if last is None else last.income
    if ht is None or inc is None:
        return Condition("missing", None, req, why)
    if inc > 0:
        ok = ht * 10 >= inc * 6
        return Condition("pass" if ok else "fail", _ratio(ht, inc, ok, req), req, why)
    return Condition("fail", None, req, why)


def _h9(p, f, last):
    return Condition(
        "fail" if p.incident_within_year else "pass", bool(p.incident_within_year), False, (_x_h9, _NOARGS)
    )


def _h10(p, f, last):
    return Condition(
        "fail" if p.revoked_this_year else "pass", bool(p.revoked_this_year), False, (_x_h10, _NOARGS)
    )


#: The hard conditions computed from the facts, in contract order (H8 comes from the score).
CONDITIONS = (("H1", _h1), ("H2", _h2), ("H3", _h3), ("H4", _h4), ("H5", _h5), ("H6", _h6), ("H7", _h7))


def _ip_items(p, f):
    ipc = f.ipc
    grades = p.grades
    adv = S.grade_band(grades.get("tech_advancement"))
    sup = S.grade_band(grades.get("core_support"))
    qty = S.quantity_band(ipc.class1, ipc.class2)
    acq = S.acquisition_band(ipc.own, ipc.transferred)
    std = STANDARDS_BAND if p.standards else S.ZERO
    lo = adv[0] + sup[0] + qty[0] + acq[0] + std[0]
    hi = adv[1] + sup[1] + qty[1] + acq[1] + std[1]
    total = (min(lo, IP_TOTAL_CAP), min(hi, IP_TOTAL_CAP))
    return {
        "ip_advancement": adv,
        "ip_core_support": sup,
        "ip_quantity": qty,
        "ip_acquisition": acq,
        "ip_standards": std,
        "ip_total": total,
    }


def _conversion_item(p, f):
    conv = p.conversions
    total = sum((conv.get(y) or 0) for y in f.operated) if conv else 0
    f.conv_total = total
    f.conv_n = len(f.operated)
    return S.conversion_band(total, len(f.operated))


def _growth_items(f, figs):
    out = {}
    for key, attr in (("growth_net_assets", "net_assets"), ("growth_sales", "sales")):
        vals = [None if fy is None else getattr(fy, attr) for fy in figs]
        if None in vals:
            f.growth[key] = None
            out[key] = S.UNKNOWN_GROWTH
        else:
            f.growth[key] = vals
            out[key] = S.growth_band_of(vals)
    return out


def _score(p, f, figs):
    items = _ip_items(p, f)
    items["conversion"] = _conversion_item(p, f)
    rdm = S.rd_management_points(p.rd_management)
    items["rd_management"] = (rdm, rdm)
    items.update(_growth_items(f, figs))
    smin = sum(items[k][0] for k in SCORE_SUM)
    smax = sum(items[k][1] for k in SCORE_SUM)
    return items, smin, smax


#: The items whose bands add up to the score (ip_total already holds the capped IP items).
SCORE_SUM = ("ip_total", "conversion", "rd_management", "growth_net_assets", "growth_sales")


def _h8(smin, smax):
    st = "pass" if smin >= PASS_SCORE else ("uncertain" if smax >= PASS_SCORE else "fail")
    return Condition(st, smin, PASS_SCORE, (_x_h8, (smin, smax)))


def _verdict(cond):
    statuses = {c.status for c in cond.values()}
    if "fail" in statuses:
        return "not_ready"
    if "missing" in statuses:
        return "incomplete"
    if "uncertain" in statuses:
        return "marginal"
    return "ready"


def _facts(p):
    Y = p.application_date.year
    f = Facts()
    f.reg_year = p.registered_on.year
    f.window = (Y - 3, Y - 2, Y - 1)
    f.operated = tuple(y for y in f.window if y >= f.reg_year)
    f.growth = {}
    f.rd_sum = f.sales_sum = f.dom_sum = None
    f.missing_rd = ()
    f.ipc = S.IPCounts(p.ip)
    f.as_of = p.as_of
    return f


def assess(profile):
    """Assess one :class:`~pipeline.criteria.model.Profile`; returns an :class:`Assessment`."""
    p = profile
    f = _facts(p)
    figs = [p.years.get(y) for y in f.operated]
    last = figs[-1] if f.operated else None
    f.last = last
    f.pct = None if last is None or last.sales is None else rd_band_pct(last.sales)
    if f.operated:
        _rd_sums(f, figs)
    cond = {code: fn(p, f, last) for code, fn in CONDITIONS}
    items, smin, smax = _score(p, f, figs)
    cond["H8"] = _h8(smin, smax)
    cond["H9"] = _h9(p, f, last)
    cond["H10"] = _h10(p, f, last)
    ly = f.window[-1]
    tsme = _tsme_evaluate(p, p.years.get(ly) if ly >= f.reg_year else None, f.ipc)
    return Assessment(p, p.application_date.year, _verdict(cond), cond, smin, smax, items, tsme, f)


@dataclass(slots=True)
class Assessment:
    """Result of :func:`assess`. ``to_dict()`` gives the contract JSON plus ``gaps``.

    profile           the assessed Profile.
    application_year  Y.
    verdict           "ready" | "marginal" | "not_ready" | "incomplete".
    conditions        "H1".."H10" → Condition(status, value, required, explain).
    score_min/max     innovation score band (integers).
    items             score item → (min, max) tuple, keys in ITEM_ORDER.
    tsme              TsmeResult or None (no figures for Y−1).
    facts             intermediate numbers (internal, for explanations and gaps).
    rules_version     RULES_VERSION.
    gaps              (property) list of Gap, computed on first access.
    """

    profile: object = field(repr=False)
    application_year: int
    verdict: str
    conditions: dict = field(repr=False)
    score_min: int
    score_max: int
    items: dict = field(repr=False)
    tsme: object = field(repr=False)
    facts: Facts = field(repr=False, compare=False)
    rules_version: str = RULES_VERSION
    _gaps: object = field(default=None, repr=False, compare=False)

    @property
    def gaps(self):
        g = self._gaps
        if g is None:
            from .gaps import find_gaps

            g = self._gaps = find_gaps(self)
        return g

    def to_dict(self, codes: bool = False):
        """The contract's output; ``codes`` adds each text's message (``*_msg``) for the pages."""
        items = self.items
        return {
            "rules_version": RULES_VERSION,
            "application_year": self.application_year,
            "verdict": self.verdict,
            "conditions": {k: c.to_dict(codes) for k, c in self.conditions.items()},
            "score": {
                "min": self.score_min,
                "max": self.score_max,
                "items": {k: [*items[k]] for k in ITEM_ORDER},
            },
            "tsme": None if self.tsme is None else self.tsme.to_dict(),
            "gaps": [g.to_dict(codes) for g in self.gaps],
        }
