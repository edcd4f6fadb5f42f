"""HNTE conditions H1..H10 (《高新技术企业认定管理办法》第十一条) and the whole assessment.

The core decision path only compares numbers; the Chinese explanation of each condition is
built on first access (``Condition.explain``), so assessing 20,000 firms stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domains import CODES, domain_name
from . import score as S
from .tsme import evaluate as _tsme_evaluate

RULES_VERSION = "hnte-2016/tsme-2017"

BAN = "《高新技术企业认定管理办法》"
GUIDE = "《高新技术企业认定管理工作指引》"
PASS_SCORE = 71
ITEM_ORDER = ("ip_advancement", "ip_core_support", "ip_quantity", "ip_acquisition",
              "ip_standards", "ip_total", "conversion", "rd_management",
              "growth_net_assets", "growth_sales")


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
    why: tuple = field(repr=False, compare=False)       # (builder, args) of the explanation
    _explain: object = field(default=None, repr=False, compare=False)

    @property
    def explain(self):
        e = self._explain
        if e is None:
            fn, args = self.why
            e = self._explain = fn(self.status, *args)
        return e

    def to_dict(self):
        return {"status": self.status, "value": self.value, "required": self.required,
                "explain": self.explain}


class Facts:
    """Intermediate numbers kept for explanations and the gap finder (not in the contract)."""

    __slots__ = ("window", "operated", "reg_year", "days", "missing_rd", "rd_sum", "sales_sum",
                 "dom_sum", "pct", "last", "ipc", "conv_total", "conv_n", "growth")


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


def _pct(a, b):
    return f"{float(a) * 100 / float(b):.2f}%"


def _x_h1(st, days):
    art = f"（{BAN}第十一条（一）、{GUIDE}三（一））"
    if st == "pass":
        return f"注册成立{days / 365.25:.2f}年（{days}天），满足申请时须注册成立一年以上（满365个日历天）的要求" + art
    return f"注册成立仅{days}天，不足365个日历天，不满足注册成立一年以上的要求" + art


def _x_h2(st, ipc):
    if st == "pass":
        return (f"拥有{ipc.core}项已授权、可计入且对主要产品起核心支持作用的知识产权（可计Ⅰ类{ipc.class1}项、"
                f"Ⅱ类{ipc.class2}项），满足{BAN}第十一条（二）")
    extra = []
    if ipc.core_uncountable:
        extra.append(f"{ipc.core_uncountable}项核心Ⅱ类知识产权已用于以往高企申请，不能重复使用")
    if ipc.filed:
        extra.append(f"{ipc.filed}项尚在申请中，授权前不能计入")
    tail = ("；" + "，".join(extra)) if extra else ""
    return (f"没有已授权、可计入且对主要产品起核心支持作用的知识产权{tail}，"
            f"不满足{BAN}第十一条（二）及{GUIDE}三（二）")


def _x_h3(st, code):
    if st == "missing":
        return f"尚未确定核心技术所属的国家重点支持的高新技术领域（{BAN}第十一条（三））"
    if st == "pass":
        return f"核心技术属于《国家重点支持的高新技术领域》“{domain_name(code)}”（{code}），满足{BAN}第十一条（三）"
    return f"“{code}”不是《国家重点支持的高新技术领域》中的代码，不满足{BAN}第十一条（三）"


def _x_h4(st, y, last):
    art = f"（{BAN}第十一条（四）、{GUIDE}三（五））"
    if last is None or last.staff is None or last.tech_staff is None:
        if st == "missing":
            return f"缺少{y}年度职工总数或科技人员数，无法判断科技人员比例" + art
        return f"{y}年度尚未经营，无科技人员比例" + art
    if not last.staff:
        return f"{y}年度职工总数为0" + art
    return (f"{y}年度科技人员{last.tech_staff}人/职工总数{last.staff}人={_pct(last.tech_staff, last.staff)}，"
            f"{'不低于' if st == 'pass' else '低于'}10%" + art)


def _band_text(pct):
    return {5: "不高于5000万元", 4: "5000万元至2亿元", 3: "2亿元以上"}[pct]


def _span(ops):
    if not ops:
        return ""
    return f"{ops[0]}–{ops[-1]}年度" if len(ops) > 1 else f"{ops[0]}年度"


def _x_h5(st, f):
    art = f"（{BAN}第十一条（五）、{GUIDE}三（六））"
    if not f.operated:
        return "近三个会计年度尚未经营，无研发费用归集" + art
    if f.missing_rd:
        return f"缺少{'、'.join(map(str, f.missing_rd))}年度的研发费用或销售收入数据，无法计算研发费用占比" + art
    if not f.sales_sum:
        return (f"{_span(f.operated)}销售收入合计为0，研发费用合计{money(f.rd_sum)}万元，"
                f"{'比例视为满足' if st == 'pass' else '无研发费用，不满足要求'}" + art)
    return (f"{_span(f.operated)}研发费用合计{money(f.rd_sum)}万元，占销售收入合计{money(f.sales_sum)}万元的{_pct(f.rd_sum, f.sales_sum)}；"
            f"最近一年销售收入{money(f.last.sales)}万元，适用{_band_text(f.pct)}档，要求不低于{f.pct}%，"
            f"{'满足' if st == 'pass' else '不满足'}要求" + art)


def _x_h6(st, f):
    art = f"（{BAN}第十一条（五））"
    if not f.operated:
        return "近三个会计年度尚未经营，无研发费用归集" + art
    if f.missing_rd:
        return f"缺少{'、'.join(map(str, f.missing_rd))}年度的研发费用数据，无法计算境内研发费用占比" + art
    if not f.rd_sum:
        return f"{_span(f.operated)}无研发费用，无法满足境内研发费用占比不低于60%的要求" + art
    return (f"{_span(f.operated)}境内研发费用{money(f.dom_sum)}万元，占研发费用总额{money(f.rd_sum)}万元的{_pct(f.dom_sum, f.rd_sum)}，"
            f"{'不低于' if st == 'pass' else '低于'}60%" + art)


def _x_h7(st, y, last):
    art = f"（{BAN}第十一条（六）、{GUIDE}三（四））"
    if last is None or last.hightech_income is None or last.income is None:
        if st == "missing":
            return f"缺少{y}年度高新技术产品（服务）收入或总收入数据" + art
        return f"{y}年度尚未经营，无高新技术产品（服务）收入" + art
    inc = last.income
    if not inc:
        return f"{y}年度总收入为0" + art
    return (f"{y}年度高新技术产品（服务）收入{money(last.hightech_income)}万元，占总收入{money(inc)}万元的"
            f"{_pct(last.hightech_income, inc)}，{'不低于' if st == 'pass' else '低于'}60%" + art)


def _x_h8(st, smin, smax):
    art = f"（{BAN}第十一条（七）、{GUIDE}三（七））"
    if st == "pass":
        return f"企业创新能力评价预计{smin}–{smax}分，下限已达到71分（须高于70分）" + art
    if st == "uncertain":
        return f"企业创新能力评价预计{smin}–{smax}分，能否达到71分（须高于70分）取决于专家评分" + art
    return f"企业创新能力评价预计{smin}–{smax}分，上限仍低于71分（须高于70分）" + art


def _x_h9(st):
    if st == "fail":
        return f"申请前一年内发生过重大安全、重大质量事故或严重环境违法行为，不满足{BAN}第十一条（八）"
    return f"申请前一年内未发生重大安全、重大质量事故或严重环境违法行为，满足{BAN}第十一条（八）"


def _x_h10(st):
    if st == "fail":
        return f"本年度被取消高新技术企业资格，当年不得再次申请（{BAN}第十九条、{GUIDE}五（六））"
    return f"本年度未被取消高新技术企业资格（{BAN}第十九条、{GUIDE}五（六））"


_NOARGS = ()


# ---------------------------------------------------------------- the engine

def assess(profile):
    """Assess one :class:`~pipeline.criteria.model.Profile`; returns an :class:`Assessment`."""
    p = profile
    Y = p.application_date.year
    reg_year = p.registered_on.year
    f = Facts()
    f.reg_year = reg_year
    ly = Y - 1
    window = (Y - 3, Y - 2, ly)
    operated = tuple(y for y in window if y >= reg_year)
    f.window = window
    f.operated = operated
    years = p.years
    figs = [years.get(y) for y in operated]
    last = figs[-1] if operated else None
    f.last = last
    f.growth = {}
    f.rd_sum = f.sales_sum = f.dom_sum = None
    f.missing_rd = ()
    cond = {}

    # H1
    days = (p.application_date - p.registered_on).days
    f.days = days
    cond["H1"] = Condition("pass" if days >= 365 else "fail", round(days / 365.25, 2), 1,
                           (_x_h1, (days,)))
    # H2
    ipc = S.IPCounts(p.ip)
    f.ipc = ipc
    cond["H2"] = Condition("pass" if ipc.core else "fail", ipc.core, 1, (_x_h2, (ipc,)))
    # H3
    code = p.tech_domain
    st = "missing" if not code else ("pass" if code in CODES else "fail")
    cond["H3"] = Condition(st, code or None, None, (_x_h3, (code,)))

    # H4 staff (Y-1)
    if not operated:
        st, val = "fail", None
    elif last is None or last.staff is None or last.tech_staff is None:
        st, val = "missing", None
    elif last.staff <= 0:
        st, val = "fail", None
    else:
        st = "pass" if last.tech_staff * 10 >= last.staff else "fail"
        val = round(last.tech_staff / last.staff, 4) if last.staff.__class__ is int and last.tech_staff.__class__ is int \
            else round(float(last.tech_staff) / float(last.staff), 4)
    cond["H4"] = Condition(st, val, 0.1, (_x_h4, (ly, last)))

    # H5 / H6 R&D over the window
    pct = None
    if last is not None and last.sales is not None:
        s_last = last.sales
        pct = 5 if s_last <= 5000 else (4 if s_last <= 20000 else 3)
    f.pct = pct
    req5 = 0.05 if pct is None else pct / 100
    why5 = (_x_h5, (f,))
    why6 = (_x_h6, (f,))
    if not operated:
        cond["H5"] = Condition("fail", None, req5, why5)
        cond["H6"] = Condition("fail", None, 0.6, why6)
    else:
        missing = None
        rd_sum = sales_sum = dom_sum = 0
        for y, fy in zip(operated, figs):
            if fy is None or fy.rd_total is None or fy.sales is None:
                missing = (missing or ()) + (y,)
                continue
            rd = fy.rd_total
            rd_sum += rd
            sales_sum += fy.sales
            d = fy.rd_domestic
            dom_sum += rd if d is None else d
        if missing:
            f.missing_rd = missing
            cond["H5"] = Condition("missing", None, None if pct is None else req5, why5)
            cond["H6"] = Condition("missing", None, 0.6, why6)
        else:
            f.rd_sum, f.sales_sum, f.dom_sum = rd_sum, sales_sum, dom_sum
            if sales_sum > 0:
                cond["H5"] = Condition("pass" if rd_sum * 100 >= sales_sum * pct else "fail",
                                       round(float(rd_sum) / float(sales_sum), 4), req5, why5)
            else:
                cond["H5"] = Condition("pass" if rd_sum > 0 else "fail", None, req5, why5)
            if rd_sum > 0:
                cond["H6"] = Condition("pass" if dom_sum * 10 >= rd_sum * 6 else "fail",
                                       round(float(dom_sum) / float(rd_sum), 4), 0.6, why6)
            else:
                cond["H6"] = Condition("fail", None, 0.6, why6)

    # H7 high-tech income (Y-1)
    why7 = (_x_h7, (ly, last))
    if not operated:
        cond["H7"] = Condition("fail", None, 0.6, why7)
    else:
        ht = None if last is None else last.hightech_income
        inc = None if last is None else (last.sales if last.total_income is None else last.total_income)
        if ht is None or inc is None:
            cond["H7"] = Condition("missing", None, 0.6, why7)
        elif inc > 0:
            cond["H7"] = Condition("pass" if ht * 10 >= inc * 6 else "fail",
                                   round(float(ht) / float(inc), 4), 0.6, why7)
        else:
            cond["H7"] = Condition("fail", None, 0.6, why7)

    # score
    grades = p.grades
    gb = S.GRADE_BANDS
    adv = gb.get(grades.get("tech_advancement"), S.UNKNOWN_GRADE)
    sup = gb.get(grades.get("core_support"), S.UNKNOWN_GRADE)
    qty = S.quantity_band(ipc.class1, ipc.class2)
    acq = S.acquisition_band(ipc.own, ipc.transferred)
    std = (1, 2) if p.standards else S.ZERO
    lo = adv[0] + sup[0] + qty[0] + acq[0] + std[0]
    hi = adv[1] + sup[1] + qty[1] + acq[1] + std[1]
    ip_total = (lo if lo < 30 else 30, hi if hi < 30 else 30)
    conv = p.conversions
    conv_total = 0
    if conv:
        for y in operated:
            c = conv.get(y)
            if c:
                conv_total += c
    f.conv_total = conv_total
    f.conv_n = len(operated)
    conversion = S.conversion_band(conv_total, len(operated))
    rdm = S.rd_management_points(p.rd_management)
    growth = f.growth
    g_items = []
    for key, attr in (("growth_net_assets", "net_assets"), ("growth_sales", "sales")):
        vals = []
        for fy in figs:
            v = None if fy is None else getattr(fy, attr)
            if v is None:
                vals = None
                break
            vals.append(v)
        if vals is None:
            growth[key] = None
            g_items.append(S.UNKNOWN_GROWTH)
        else:
            growth[key] = vals
            g_items.append(S.growth_band_of(vals))
    gna, gs = g_items
    items = {
        "ip_advancement": adv, "ip_core_support": sup, "ip_quantity": qty,
        "ip_acquisition": acq, "ip_standards": std, "ip_total": ip_total,
        "conversion": conversion, "rd_management": (rdm, rdm),
        "growth_net_assets": gna, "growth_sales": gs,
    }
    smin = ip_total[0] + conversion[0] + rdm + gna[0] + gs[0]
    smax = ip_total[1] + conversion[1] + rdm + gna[1] + gs[1]
    st = "pass" if smin >= PASS_SCORE else ("uncertain" if smax >= PASS_SCORE else "fail")
    cond["H8"] = Condition(st, smin, PASS_SCORE, (_x_h8, (smin, smax)))
    cond["H9"] = Condition("fail" if p.incident_within_year else "pass",
                           bool(p.incident_within_year), False, (_x_h9, _NOARGS))
    cond["H10"] = Condition("fail" if p.revoked_this_year else "pass",
                            bool(p.revoked_this_year), False, (_x_h10, _NOARGS))

    fail = missing = uncertain = False
    for c in cond.values():
        s = c.status
        if s == "fail":
            fail = True
            break
        if s == "missing":
            missing = True
        elif s == "uncertain":
            uncertain = True
    verdict = ("not_ready" if fail else "incomplete" if missing
               else "marginal" if uncertain else "ready")

    tsme = _tsme_evaluate(p, years.get(ly) if ly >= reg_year else None, ipc)
    return Assessment(p, Y, verdict, cond, smin, smax, items, tsme, f)


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

    def to_dict(self):
        items = self.items
        return {
            "rules_version": RULES_VERSION,
            "application_year": self.application_year,
            "verdict": self.verdict,
            "conditions": {k: c.to_dict() for k, c in self.conditions.items()},
            "score": {"min": self.score_min, "max": self.score_max,
                      "items": {k: [*items[k]] for k in ITEM_ORDER}},
            "tsme": None if self.tsme is None else self.tsme.to_dict(),
            "gaps": [g.to_dict() for g in self.gaps],
        }
