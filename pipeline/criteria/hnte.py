"""HNTE conditions H1..H10 (《高新技术企业认定管理办法》第十一条) and the whole assessment."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import score as S
from .domains import is_valid_domain, domain_name
from .model import GRADE_KEYS
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
    """One hard condition: status pass/fail/uncertain/missing, value, required, explain."""

    status: str
    value: object
    required: object
    explain: str

    def to_dict(self):
        return {"status": self.status, "value": self.value, "required": self.required,
                "explain": self.explain}


class Facts:
    """Intermediate numbers kept for the gap finder (not part of the contract)."""

    __slots__ = ("window", "operated", "reg_year", "days", "missing_rd", "missing_last",
                 "rd_sum", "sales_sum", "dom_sum", "pct", "last", "ipc", "conv_total",
                 "conv_n", "growth")

    def __init__(self):
        self.missing_rd = ()
        self.missing_last = ()
        self.rd_sum = self.sales_sum = self.dom_sum = None
        self.pct = None
        self.last = None
        self.growth = {}


def _ratio(a, b):
    return round(float(a) / float(b), 4)


def _pct(a, b):
    return f"{float(a) * 100 / float(b):.2f}%"


def _years(ys):
    return "、".join(f"{y}" for y in ys) + "年度"


def _cond_h1(p, f):
    days = (p.application_date - p.registered_on).days
    f.days = days
    value = round(days / 365.25, 2)
    if days >= 365:
        return Condition("pass", value, 1,
                         f"注册成立{value:.2f}年（{days}天），满足申请时须注册成立一年以上（满365个日历天）的要求"
                         f"（{BAN}第十一条（一）、{GUIDE}三（一））")
    return Condition("fail", value, 1,
                     f"注册成立仅{days}天，不足365个日历天，不满足注册成立一年以上的要求"
                     f"（{BAN}第十一条（一）、{GUIDE}三（一））")


def _cond_h2(ipc):
    n = ipc.core
    if n:
        return Condition("pass", n, 1,
                         f"拥有{n}项已授权、可计入且对主要产品起核心支持作用的知识产权（Ⅰ类{ipc.class1}项、"
                         f"Ⅱ类{ipc.class2}项可计），满足{BAN}第十一条（二）")
    extra = []
    if ipc.core_uncountable:
        extra.append(f"{ipc.core_uncountable}项Ⅱ类知识产权已用于以往高企申请，不能重复使用")
    if ipc.filed:
        extra.append(f"{ipc.filed}项尚在申请中，授权前不能计入")
    tail = ("；" + "，".join(extra)) if extra else ""
    return Condition("fail", 0, 1,
                     f"没有已授权、可计入且对主要产品起核心支持作用的知识产权{tail}，"
                     f"不满足{BAN}第十一条（二）及{GUIDE}三（二）")


def _cond_h3(code):
    if not code:
        return Condition("missing", None, None,
                         f"尚未确定核心技术所属的国家重点支持的高新技术领域（{BAN}第十一条（三））")
    if is_valid_domain(code):
        return Condition("pass", code, None,
                         f"核心技术属于《国家重点支持的高新技术领域》“{domain_name(code)}”（{code}），"
                         f"满足{BAN}第十一条（三）")
    return Condition("fail", code, None,
                     f"“{code}”不是《国家重点支持的高新技术领域》中的代码，不满足{BAN}第十一条（三）")


def assess(profile):
    """Assess one :class:`~pipeline.criteria.model.Profile`; returns an :class:`Assessment`."""
    p = profile
    Y = p.application_date.year
    reg_year = p.registered_on.year
    f = Facts()
    f.reg_year = reg_year
    window = (Y - 3, Y - 2, Y - 1)
    operated = tuple(y for y in window if y >= reg_year)
    f.window = window
    f.operated = operated
    years = p.years
    figs = [years.get(y) for y in operated]
    last = figs[-1] if operated else None
    f.last = last
    cond = {}

    cond["H1"] = _cond_h1(p, f)
    ipc = S.IPCounts(p.ip)
    f.ipc = ipc
    cond["H2"] = _cond_h2(ipc)
    cond["H3"] = _cond_h3(p.tech_domain)

    # ---- H4 staff (Y-1)
    art4 = f"（{BAN}第十一条（四）、{GUIDE}三（五））"
    if not operated:
        cond["H4"] = Condition("fail", None, 0.1, f"{Y - 1}年度尚未经营，无科技人员比例" + art4)
    elif last is None or last.staff is None or last.tech_staff is None:
        f.missing_last = (Y - 1,)
        cond["H4"] = Condition("missing", None, 0.1,
                               f"缺少{Y - 1}年度职工总数或科技人员数，无法判断科技人员比例" + art4)
    elif last.staff <= 0:
        cond["H4"] = Condition("fail", None, 0.1, f"{Y - 1}年度职工总数为0" + art4)
    elif last.tech_staff * 10 >= last.staff:
        cond["H4"] = Condition("pass", _ratio(last.tech_staff, last.staff), 0.1,
                               f"{Y - 1}年度科技人员{last.tech_staff}人/职工总数{last.staff}人="
                               f"{_pct(last.tech_staff, last.staff)}，不低于10%" + art4)
    else:
        cond["H4"] = Condition("fail", _ratio(last.tech_staff, last.staff), 0.1,
                               f"{Y - 1}年度科技人员{last.tech_staff}人/职工总数{last.staff}人="
                               f"{_pct(last.tech_staff, last.staff)}，低于10%" + art4)

    # ---- H5 / H6 R&D over the window
    art5 = f"（{BAN}第十一条（五）、{GUIDE}三（六））"
    art6 = f"（{BAN}第十一条（五））"
    missing_rd = tuple(y for y, fy in zip(operated, figs)
                       if fy is None or fy.rd_total is None or fy.sales is None)
    f.missing_rd = missing_rd
    pct = None
    if last is not None and last.sales is not None:
        s_last = last.sales
        pct = 5 if s_last <= 5000 else (4 if s_last <= 20000 else 3)
    f.pct = pct
    req5 = None if pct is None else pct / 100
    if not operated:
        cond["H5"] = Condition("fail", None, 0.05, "近三个会计年度尚未经营，无研发费用归集" + art5)
        cond["H6"] = Condition("fail", None, 0.6, "近三个会计年度尚未经营，无研发费用归集" + art6)
    elif missing_rd:
        msg = f"缺少{_years(missing_rd)}的研发费用或销售收入数据"
        cond["H5"] = Condition("missing", None, req5, msg + "，无法计算研发费用占比" + art5)
        cond["H6"] = Condition("missing", None, 0.6, msg + "，无法计算境内研发费用占比" + art6)
    else:
        rd_sum = sum(fy.rd_total for fy in figs)
        sales_sum = sum(fy.sales for fy in figs)
        dom_sum = sum(fy.rd_dom for fy in figs)
        f.rd_sum, f.sales_sum, f.dom_sum = rd_sum, sales_sum, dom_sum
        span = f"{operated[0]}–{operated[-1]}年度" if len(operated) > 1 else f"{operated[0]}年度"
        band = (f"最近一年销售收入{last.sales}万元，适用{'不高于5000万元' if pct == 5 else ('5000万元至2亿元' if pct == 4 else '2亿元以上')}"
                f"档，要求不低于{pct}%")
        if sales_sum > 0:
            ok = rd_sum * 100 >= sales_sum * pct
            cond["H5"] = Condition(
                "pass" if ok else "fail", _ratio(rd_sum, sales_sum), req5,
                f"{span}研发费用合计{rd_sum}万元，占销售收入合计{sales_sum}万元的{_pct(rd_sum, sales_sum)}；"
                f"{band}，{'满足' if ok else '不满足'}要求" + art5)
        else:
            ok = rd_sum > 0
            cond["H5"] = Condition(
                "pass" if ok else "fail", None, req5,
                f"{span}销售收入合计为0，研发费用合计{rd_sum}万元，"
                f"{'比例视为满足' if ok else '无研发费用，不满足要求'}" + art5)
        if rd_sum > 0:
            ok6 = dom_sum * 10 >= rd_sum * 6
            cond["H6"] = Condition(
                "pass" if ok6 else "fail", _ratio(dom_sum, rd_sum), 0.6,
                f"{span}境内研发费用{dom_sum}万元，占研发费用总额{rd_sum}万元的{_pct(dom_sum, rd_sum)}，"
                f"{'不低于' if ok6 else '低于'}60%" + art6)
        else:
            cond["H6"] = Condition("fail", None, 0.6, f"{span}无研发费用，无法满足境内研发费用占比不低于60%的要求" + art6)

    # ---- H7 high-tech income (Y-1)
    art7 = f"（{BAN}第十一条（六）、{GUIDE}三（四））"
    if not operated:
        cond["H7"] = Condition("fail", None, 0.6, f"{Y - 1}年度尚未经营，无高新技术产品（服务）收入" + art7)
    elif last is None or last.hightech_income is None or last.income is None:
        f.missing_last = (Y - 1,)
        cond["H7"] = Condition("missing", None, 0.6,
                               f"缺少{Y - 1}年度高新技术产品（服务）收入或总收入数据" + art7)
    else:
        inc = last.income
        ht = last.hightech_income
        if inc > 0:
            ok = ht * 10 >= inc * 6
            cond["H7"] = Condition(
                "pass" if ok else "fail", _ratio(ht, inc), 0.6,
                f"{Y - 1}年度高新技术产品（服务）收入{ht}万元，占总收入{inc}万元的{_pct(ht, inc)}，"
                f"{'不低于' if ok else '低于'}60%" + art7)
        else:
            cond["H7"] = Condition("fail", None, 0.6, f"{Y - 1}年度总收入为0" + art7)

    # ---- score
    grades = p.grades
    adv = S.grade_band(grades.get("tech_advancement"))
    sup = S.grade_band(grades.get("core_support"))
    qty = S.quantity_band(ipc.class1, ipc.class2)
    acq = S.acquisition_band(ipc.own, ipc.transferred)
    std = (1, 2) if p.standards else S.ZERO
    lo = adv[0] + sup[0] + qty[0] + acq[0] + std[0]
    hi = adv[1] + sup[1] + qty[1] + acq[1] + std[1]
    ip_total = (lo if lo < 30 else 30, hi if hi < 30 else 30)
    conv = p.conversions
    conv_total = 0
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
            rate = S.growth_rate(vals)
            growth[key] = (rate, vals)
            g_items.append(S.growth_band(rate))
    gna, gs = g_items
    items = {
        "ip_advancement": adv, "ip_core_support": sup, "ip_quantity": qty,
        "ip_acquisition": acq, "ip_standards": std, "ip_total": ip_total,
        "conversion": conversion, "rd_management": (rdm, rdm),
        "growth_net_assets": gna, "growth_sales": gs,
    }
    smin = ip_total[0] + conversion[0] + rdm + gna[0] + gs[0]
    smax = ip_total[1] + conversion[1] + rdm + gna[1] + gs[1]
    art8 = f"（{BAN}第十一条（七）、{GUIDE}三（七））"
    if smin >= PASS_SCORE:
        cond["H8"] = Condition("pass", smin, PASS_SCORE,
                               f"企业创新能力评价预计{smin}–{smax}分，下限已达到71分（须高于70分）" + art8)
    elif smax >= PASS_SCORE:
        cond["H8"] = Condition("uncertain", smin, PASS_SCORE,
                               f"企业创新能力评价预计{smin}–{smax}分，能否达到71分（须高于70分）取决于专家评分" + art8)
    else:
        cond["H8"] = Condition("fail", smin, PASS_SCORE,
                               f"企业创新能力评价预计{smin}–{smax}分，上限仍低于71分（须高于70分）" + art8)

    if p.incident_within_year:
        cond["H9"] = Condition("fail", True, False,
                               f"申请前一年内发生过重大安全、重大质量事故或严重环境违法行为，不满足{BAN}第十一条（八）")
    else:
        cond["H9"] = Condition("pass", False, False,
                               f"申请前一年内未发生重大安全、重大质量事故或严重环境违法行为，满足{BAN}第十一条（八）")
    if p.revoked_this_year:
        cond["H10"] = Condition("fail", True, False,
                                f"本年度被取消高新技术企业资格，当年不得再次申请（{BAN}第十九条、{GUIDE}五（六））")
    else:
        cond["H10"] = Condition("pass", False, False,
                                f"本年度未被取消高新技术企业资格（{BAN}第十九条、{GUIDE}五（六））")

    statuses = {c.status for c in cond.values()}
    if "fail" in statuses:
        verdict = "not_ready"
    elif "missing" in statuses:
        verdict = "incomplete"
    elif "uncertain" in statuses:
        verdict = "marginal"
    else:
        verdict = "ready"

    tsme = _tsme_evaluate(p, years.get(Y - 1) if (Y - 1) >= reg_year else None, ipc)
    return Assessment(profile=p, application_year=Y, verdict=verdict, conditions=cond,
                      score_min=smin, score_max=smax, items=items, tsme=tsme, facts=f)


@dataclass(slots=True)
class Assessment:
    """Result of :func:`assess`. ``to_dict()`` gives the contract JSON plus ``gaps``.

    profile           the assessed Profile.
    application_year  Y.
    verdict           "ready" | "marginal" | "not_ready" | "incomplete".
    conditions        "H1".."H10" → Condition(status, value, required, explain).
    score_min/max     innovation score band (integers).
    items             score item → (min, max), keys in ITEM_ORDER.
    tsme              TsmeResult or None (no figures for Y−1).
    gaps              list of Gap, computed on first access.
    """

    profile: object
    application_year: int
    verdict: str
    conditions: dict
    score_min: int
    score_max: int
    items: dict
    tsme: object
    facts: Facts
    rules_version: str = RULES_VERSION
    _gaps: object = field(default=None, repr=False)

    @property
    def gaps(self):
        if self._gaps is None:
            from .gaps import find_gaps
            self._gaps = find_gaps(self)
        return self._gaps

    def to_dict(self):
        items = self.items
        return {
            "rules_version": self.rules_version,
            "application_year": self.application_year,
            "verdict": self.verdict,
            "conditions": {k: c.to_dict() for k, c in self.conditions.items()},
            "score": {"min": self.score_min, "max": self.score_max,
                      "items": {k: list(items[k]) for k in ITEM_ORDER}},
            "tsme": None if self.tsme is None else self.tsme.to_dict(),
            "gaps": [g.to_dict() for g in self.gaps],
        }
