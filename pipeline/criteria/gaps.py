"""Gaps: what a firm lacks, in numbers, for every failing / uncertain / missing item.

Each gap is ``{"code", "what", "amount", "unit", "explain"}``. ``code`` is a condition id
("H1".."H10"), a score item ("ip_quantity", "ip_acquisition", "ip_standards", "ip_advancement",
"ip_core_support", "conversion", "growth_net_assets", "growth_sales"), one missing R&D
management piece ("rd_management.<key>", e.g. "rd_management.ledger"), or "tsme".
``unit`` is "万元", "人", "项", "次/年" or None; ``amount`` is a number in that unit or None.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal

from . import score as S
from .hnte import money
from .messages import Msg, msg_json
from .model import RD_MANAGEMENT_GROUPS, RD_MANAGEMENT_NAMES, RD_MANAGEMENT_POINTS
from .rules import BAN, GROWTH_BANDS, GROWTH_POSITIVE_BAND, GROWTH_STEPS, GUIDE, PASS_SCORE, hires_needed
from .rules import TSME_DOC as TSME

_CENT = Decimal("0.01")
_ART_IP = f"{GUIDE}三（七）1"
_ART_CONV = f"{GUIDE}三（七）2"
_ART_RDM = f"{GUIDE}三（七）3"
_ART_GROWTH = f"{GUIDE}三（七）4"


class Gap:
    """One gap. ``amount`` is a number in ``unit`` ("万元"/"人"/"项"/"次/年") or None."""

    __slots__ = ("code", "what", "amount", "unit", "explain")

    def __init__(self, code, what, amount, unit, explain):
        self.code = code
        self.what = what
        self.amount = amount
        self.unit = unit
        self.explain = explain

    def __repr__(self):
        return f"Gap({self.code!r}, {self.what!r}, {self.amount!r}, {self.unit!r})"

    def __eq__(self, other):
        return isinstance(other, Gap) and self.to_dict() == other.to_dict()

    def to_dict(self, codes: bool = False):
        a = self.amount
        if a.__class__ is Decimal:
            a = int(a) if a == a.to_integral_value() else float(a)
        d = {"code": self.code, "what": self.what, "amount": a, "unit": self.unit, "explain": self.explain}
        if codes:
            for key in ("what", "explain"):
                if (m := msg_json(d[key])) is not None:
                    d[key + "_msg"] = m
        return d


def ceil_cent(x):
    """Round a Decimal up to 0.01 万元 (so adding the amount is enough)."""
    x = Decimal(x)
    return x.quantize(_CENT, rounding=ROUND_CEILING)


#: Full-year tech hires needed for H4 (the one definition lives in the rules table).
staff_to_hire = hires_needed


_fmt = money


def _next_growth_target(rate):
    """Next threshold (percent) above a rate (num, den); 0 means 'above zero'."""
    num, den = rate
    if num <= 0:
        return 0
    for pct in GROWTH_STEPS[1:]:
        if num * 100 < pct * den:
            return pct
    return None


#: The points of each growth step (percent; 0: above zero), from the rules table: "9–10" for 35.
_GROWTH_BAND_NAMES = {
    0: "{}–{}".format(*GROWTH_POSITIVE_BAND),
    **{pct: f"{lo}–{hi}" for pct, (lo, hi) in GROWTH_BANDS},
}


def _growth_band_name(pct):
    return _GROWTH_BAND_NAMES[pct]


_RDM_GAPS = tuple(
    (
        key,
        Gap(
            f"rd_management.{key}",
            Msg("gap.rdm.what", f"建立{RD_MANAGEMENT_NAMES[key]}（{pts}分）", piece=key, pts=pts),
            None,
            None,
            Msg(
                "gap.rdm.explain",
                f"研究开发组织管理水平第{RD_MANAGEMENT_GROUPS[key]}项要求{RD_MANAGEMENT_NAMES[key]}，"
                f"具备可得{pts}分（{_ART_RDM}）",
                group=RD_MANAGEMENT_GROUPS[key],
                piece=key,
                pts=pts,
            ),
        ),
    )
    for key, pts in RD_MANAGEMENT_POINTS.items()
)
_STANDARDS_GAP = Gap(
    "ip_standards",
    Msg("gap.std.what", "参与编制国家或行业标准、检测方法、技术规范可加1–2分"),
    None,
    None,
    Msg(
        "gap.std.explain",
        f"企业参与编制国家标准、行业标准、检测方法、技术规范的情况加1–2分，知识产权总分不超过30分（{_ART_IP}）",
    ),
)
_GRADE_GAPS = {
    key: Gap(
        name,
        Msg(f"gap.grade.{key}", f"需评定知识产权{label}等级（A–E）"),
        None,
        None,
        Msg("gap.grade.explain", f"该项由技术专家评判，未评定时按0–8分估计（{_ART_IP}）"),
    )
    for key, name, label in (
        ("tech_advancement", "ip_advancement", "技术先进程度"),
        ("core_support", "ip_core_support", "对主要产品的核心支持作用"),
    )
}
_H9_GAP = Gap(
    "H9",
    Msg("gap.h9.what", "须待事故或违法行为发生满一年后再申请"),
    None,
    None,
    Msg(
        "gap.h9.explain",
        f"申请认定前一年内不得发生重大安全、重大质量事故或严重环境违法行为（{BAN}第十一条（八））",
    ),
)
_H10_GAP = Gap(
    "H10",
    Msg("gap.h10.what", "本年度不得再次申请，最早于次年申请"),
    None,
    None,
    Msg("gap.h10.explain", f"被取消高新技术企业资格的，当年不得再次申请（{GUIDE}五（六））"),
)
_ACQ_GAP = Gap(
    "ip_acquisition",
    Msg("gap.acq.what", "通过自主研发获得知识产权，获得方式分可由1–3分升至1–6分"),
    1,
    "项",
    Msg("gap.acq.explain", f"知识产权获得方式：有自主研发1–6分，仅受让、受赠、并购1–3分（{_ART_IP}）"),
)


def _closed_open(p, f):
    """(closed window years, years that can still change) as of ``profile.as_of``; without
    ``as_of`` the window is read at the application date, when all its years have ended."""
    as_of = f.as_of
    if as_of is None:
        return tuple(f.operated), ()
    return (tuple(y for y in f.operated if y < as_of.year), tuple(y for y in f.operated if y >= as_of.year))


def _years(ys):
    return "、".join(map(str, ys)) + "年度"


def _h5_gap(add, p, f, Y):
    art = f"（{BAN}第十一条（五）、{GUIDE}三（六））"
    if not f.sales_sum:
        add(
            Gap(
                "H5",
                Msg("gap.h5.zero.what", "近三个会计年度销售收入合计为0，需形成销售收入并按比例归集研发费用"),
                None,
                None,
                Msg(
                    "gap.h5.zero.explain",
                    "研发费用占比＝研发费用合计÷销售收入合计，销售收入为0时不存在比例，不满足条件" + art,
                ),
            )
        )
        return
    required = ceil_cent(f.sales_sum * f.pct / Decimal(100))
    short = ceil_cent(f.sales_sum * f.pct / Decimal(100) - f.rd_sum)
    closed, open_ = _closed_open(p, f)
    if open_:
        closed_rd = sum((p.years[y].rd_total for y in closed), Decimal(0))
        open_rd = f.rd_sum - closed_rd
        what = Msg(
            "gap.h5.open" if closed else "gap.h5.open_all",
            f"近三年研发费用合计还差{_fmt(short)}万元："
            + (f"{_years(closed)}已结束（合计{_fmt(closed_rd)}万元，不能再改变），" if closed else "")
            + f"差额须在{_years(open_)}补足（{_years(open_)}研发费用合计不低于{_fmt(ceil_cent(open_rd + short))}万元，"
            f"按现有销售收入）",
            short=_fmt(short),
            closed=list(closed),
            closed_rd=_fmt(closed_rd),
            open=list(open_),
            open_min=_fmt(ceil_cent(open_rd + short)),
        )
    else:
        what = Msg(
            "gap.h5.closed",
            f"近三年研发费用合计还差{_fmt(short)}万元：{_years(closed)}均已结束，{Y}年申报已无法补足，"
            f"须推迟申报年度，从仍可改变的年度起提高研发投入",
            short=_fmt(short),
            closed=list(closed),
            year=Y,
        )
    add(
        Gap(
            "H5",
            what,
            short,
            "万元",
            Msg(
                "gap.h5.explain",
                f"销售收入合计{_fmt(f.sales_sum)}万元，最近一年销售收入适用{f.pct}%档，研发费用合计须达到"
                f"{_fmt(required)}万元，现为{_fmt(f.rd_sum)}万元" + art,
                sales=_fmt(f.sales_sum),
                pct=f.pct,
                required=_fmt(required),
                rd=_fmt(f.rd_sum),
            ),
        )
    )


def _ctx(a):
    f = a.facts
    return a.profile, f, a.conditions, a.application_year, f.ipc, f.last


def _gaps_h1(a, add):
    """Gaps of H1."""
    p, f, c, Y, ipc, last = _ctx(a)
    if c["H1"].status == "fail":
        ready_on = p.registered_on + timedelta(days=365)
        add(
            Gap(
                "H1",
                Msg(
                    "gap.h1.what",
                    f"还需{365 - f.days}天才满一年，{ready_on.isoformat()}起可申请",
                    days=365 - f.days,
                    on=ready_on.isoformat(),
                ),
                None,
                None,
                Msg(
                    "gap.h1.explain",
                    f"申请时须注册成立满365个日历天（{BAN}第十一条（一）、{GUIDE}三（一）），"
                    f"最早于{ready_on.isoformat()}提交",
                    on=ready_on.isoformat(),
                ),
            )
        )


def _gaps_h2(a, add):
    """Gaps of H2."""
    p, f, c, Y, ipc, last = _ctx(a)
    if c["H2"].status == "fail":
        hint = []
        if ipc.class1 + ipc.class2 > ipc.core:
            hint.append(
                Msg(
                    "gap.h2.noncore",
                    f"现有{ipc.class1 + ipc.class2 - ipc.core}项可计知识产权未对主要产品起核心支持作用，可梳理其与主要产品的关联",
                    n=ipc.class1 + ipc.class2 - ipc.core,
                )
            )
        if ipc.filed:
            hint.append(Msg("gap.h2.filed", f"{ipc.filed}项申请中的知识产权须在申报前取得授权", n=ipc.filed))
        add(
            Gap(
                "H2",
                Msg("gap.h2.what", "至少需要1项已授权、对主要产品起核心支持作用的知识产权"),
                1,
                "项",
                Msg(
                    "gap.h2.explain",
                    f"企业须通过自主研发、受让、受赠、并购等方式获得对主要产品起核心支持作用的知识产权"
                    f"（{BAN}第十一条（二）、{GUIDE}三（二））；Ⅱ类知识产权仅可用于一次高企申请"
                    + ("；" + "；".join(hint) if hint else ""),
                    hints=Msg("gap.h2.hints", "", items=hint) if hint else Msg("w.empty", ""),
                ),
            )
        )


def _gaps_h3(a, add):
    """Gaps of H3."""
    p, f, c, Y, ipc, last = _ctx(a)
    st = c["H3"].status
    if st != "pass":
        what = (
            Msg("gap.h3.missing", "需确定核心技术所属的三级技术领域代码")
            if st == "missing"
            else Msg("gap.h3.invalid", f"技术领域代码“{p.tech_domain}”无效", code=p.tech_domain)
        )
        add(
            Gap(
                "H3",
                what,
                None,
                None,
                Msg(
                    "gap.h3.explain",
                    f"核心技术须属于《国家重点支持的高新技术领域》（{BAN}第十一条（三）），"
                    f"应对照领域目录选定到三级代码（如10101 基础软件）",
                ),
            )
        )


def _gaps_h4(a, add):
    """Gaps of H4."""
    p, f, c, Y, ipc, last = _ctx(a)
    st = c["H4"].status
    if not f.operated:
        pass  # a firm with no operated year: the H1 gap says when it can apply
    elif st == "fail" and last is not None and last.staff is not None and last.tech_staff is not None:
        x = staff_to_hire(last.staff, last.tech_staff)
        add(
            Gap(
                "H4",
                Msg("gap.h4.what", f"需增加科技人员{x}人（按新增人员同时计入职工总数）", n=x),
                x,
                "人",
                Msg(
                    "gap.h4.explain",
                    f"{Y - 1}年度科技人员{last.tech_staff}人、职工{last.staff}人；科技人员占职工总数须不低于10%"
                    f"（{BAN}第十一条（四）），按全年月平均数计算、累计工作183天以上（{GUIDE}三（五））",
                    year=Y - 1,
                    tech=_fmt(last.tech_staff),
                    staff=_fmt(last.staff),
                ),
            )
        )
    elif st in ("missing", "fail"):
        add(
            Gap(
                "H4",
                Msg("gap.h4.missing.what", f"需补充{Y - 1}年度职工总数与科技人员数", year=Y - 1),
                None,
                None,
                Msg(
                    "gap.h4.missing.explain",
                    f"科技人员占比按{Y - 1}年度全年月平均数计算（{BAN}第十一条（四）、{GUIDE}三（五））",
                    year=Y - 1,
                ),
            )
        )


def _gaps_h5(a, add):
    """Gaps of H5."""
    p, f, c, Y, ipc, last = _ctx(a)
    st = c["H5"].status
    if st == "missing":
        add(
            Gap(
                "H5",
                Msg(
                    "gap.h5.missing.what",
                    f"需补充{'、'.join(map(str, f.missing_rd))}年度的研发费用和销售收入",
                    years=list(f.missing_rd),
                ),
                None,
                None,
                Msg(
                    "gap.h5.missing.explain",
                    f"研发费用占比按近三个会计年度（经营不满三年按实际经营时间）计算（{BAN}第十一条（五）、{GUIDE}三（六））",
                ),
            )
        )
    elif st == "fail":
        _h5_gap(add, p, f, Y)


def _gaps_h6(a, add):
    """Gaps of H6."""
    p, f, c, Y, ipc, last = _ctx(a)
    if c["H6"].status == "fail" and f.rd_sum:
        more = ceil_cent((f.rd_sum * 6 - f.dom_sum * 10) / Decimal(4))
        less = ceil_cent(f.rd_sum - f.dom_sum * 10 / Decimal(6))
        add(
            Gap(
                "H6",
                Msg(
                    "gap.h6.what",
                    f"境内研发费用需再增加{_fmt(more)}万元，或境外委托研发减少{_fmt(less)}万元",
                    more=_fmt(more),
                    less=_fmt(less),
                ),
                more,
                "万元",
                Msg(
                    "gap.h6.explain",
                    f"境内研发费用{_fmt(f.dom_sum)}万元，占研发费用总额{_fmt(f.rd_sum)}万元不足60%；新增境内研发同时计入总额，"
                    f"故需增加(6×总额−10×境内)/4={_fmt(more)}万元；或减少境外委托研发，使总额不超过境内÷60%，"
                    f"即减少总额−境内÷0.6={_fmt(less)}万元（{BAN}第十一条（五）、{GUIDE}三（六））",
                    dom=_fmt(f.dom_sum),
                    rd=_fmt(f.rd_sum),
                    more=_fmt(more),
                    less=_fmt(less),
                ),
            )
        )


def _gaps_h7(a, add):
    """Gaps of H7."""
    p, f, c, Y, ipc, last = _ctx(a)
    st = c["H7"].status
    if st == "fail" and last is not None and last.hightech_income is not None and last.income:
        inc = last.income
        x = ceil_cent(inc * 6 / Decimal(10) - last.hightech_income)
        y = ceil_cent((inc * 6 - last.hightech_income * 10) / Decimal(4))
        add(
            Gap(
                "H7",
                Msg(
                    "gap.h7.what",
                    f"{Y - 1}年度高新技术产品（服务）收入还差{_fmt(x)}万元（总收入不变时）",
                    year=Y - 1,
                    x=_fmt(x),
                ),
                x,
                "万元",
                Msg(
                    "gap.h7.explain",
                    f"总收入{_fmt(inc)}万元，高新技术产品（服务）收入须不低于60%；若新增收入全部为高新收入，需新增"
                    f"{_fmt(y)}万元（{BAN}第十一条（六）、{GUIDE}三（四））",
                    inc=_fmt(inc),
                    y=_fmt(y),
                ),
            )
        )
    elif st == "missing":
        add(
            Gap(
                "H7",
                Msg("gap.h7.missing.what", f"需补充{Y - 1}年度高新技术产品（服务）收入和总收入", year=Y - 1),
                None,
                None,
                Msg(
                    "gap.h7.missing.explain",
                    f"高新技术产品（服务）收入占比按最近一年计算（{BAN}第十一条（六））",
                ),
            )
        )


def _gaps_ip_items(a, add):
    """Gaps of score items."""
    p, f, c, Y, ipc, last = _ctx(a)
    grades = p.grades
    for key, gap in _GRADE_GAPS.items():
        if grades.get(key) not in S.GRADE_BANDS:
            add(gap)
    if not ipc.class1:
        c2 = ipc.class2
        nxt = 1 if c2 == 0 else (3 - c2 if c2 < 3 else (5 - c2 if c2 < 5 else None))
        band = {1: "1–2", 3: "3–4", 5: "5–6"}
        if nxt is not None:
            add(
                Gap(
                    "ip_quantity",
                    Msg(
                        "gap.qty.what",
                        f"再获得{nxt}项Ⅱ类知识产权（实用新型、外观设计、软件著作权）可升至"
                        f"{band[c2 + nxt if c2 + nxt in band else 5]}分，或获得1项Ⅰ类（发明专利等）直接达7–8分",
                        n=nxt,
                        band=band[c2 + nxt if c2 + nxt in band else 5],
                    ),
                    nxt,
                    "项",
                    Msg(
                        "gap.qty.explain",
                        f"知识产权数量：1项及以上Ⅰ类7–8分，5项及以上Ⅱ类5–6分，3–4项3–4分，1–2项1–2分；"
                        f"现有可计Ⅱ类{c2}项（{_ART_IP}）",
                        n=c2,
                    ),
                )
            )
        else:
            add(
                Gap(
                    "ip_quantity",
                    Msg("gap.qty1.what", "获得1项Ⅰ类知识产权（发明专利等）可由5–6分升至7–8分"),
                    1,
                    "项",
                    Msg("gap.qty1.explain", f"知识产权数量：1项及以上Ⅰ类知识产权得7–8分（{_ART_IP}）"),
                )
            )
    if not ipc.own and ipc.transferred:
        add(_ACQ_GAP)
    if not p.standards:
        add(_STANDARDS_GAP)


def _gaps_conversion(a, add):
    """Gaps of conversion."""
    p, f, c, Y, ipc, last = _ctx(a)
    n = f.conv_n if f.conv_n > 0 else 1
    total = f.conv_total
    target = next((k for k in (1, 2, 3, 4, 5) if total < k * n), None)
    if target is not None:
        extra = target * n - total
        band = dict(S.CONVERSION_BANDS)[target]
        add(
            Gap(
                "conversion",
                Msg(
                    "gap.conv.what",
                    f"科技成果转化年均需达到{target}项，可升至{band[0]}–{band[1]}分",
                    target=target,
                    lo=band[0],
                    hi=band[1],
                ),
                target,
                "次/年",
                Msg(
                    "gap.conv.explain",
                    f"近三年（实际经营{n}年）科技成果转化合计{total}项，年均{total / n:.2f}项；再增加{extra}项可达年均"
                    f"{target}项。年均5项以上25–30分，4项19–24分，3项13–18分，2项7–12分，1项1–6分（{_ART_CONV}）",
                    n=n,
                    total=total,
                    avg=f"{total / n:.2f}",
                    extra=extra,
                    target=target,
                ),
            )
        )


def _gaps_rd_management(a, add):
    """Gaps of R&D management pieces."""
    p, f, c, Y, ipc, last = _ctx(a)
    have = p.rd_management
    for key, gap in _RDM_GAPS:
        if key not in have:
            add(gap)


#: The two growth items: (code, the fiscal-year field it grows, its name).
_GROWTH_ITEMS = (("growth_net_assets", "net_assets", "净资产"), ("growth_sales", "sales", "销售收入"))


def _growth_missing_gap(key, field, label, lab, p, f):
    """A growth item without a value: the operated years whose figure is missing."""
    miss = [y for y in f.operated if p.years.get(y) is None or getattr(p.years[y], field) is None]
    return Gap(
        key,
        Msg(
            "gap.growth.missing.what",
            f"需补充{'、'.join(map(str, miss))}年度的{label}数据",
            years=miss,
            label=lab,
        ),
        None,
        None,
        Msg("gap.growth.missing.explain", f"缺少数据时{label}增长率按0–10分估计（{_ART_GROWTH}）", label=lab),
    )


def _growth_short_gap(key, label, lab):
    """Fewer than two operated years: no rate."""
    return Gap(
        key,
        Msg("gap.growth.short.what", f"实际经营不足两个会计年度，{label}增长率得0分", label=lab),
        None,
        None,
        Msg(
            "gap.growth.short.explain",
            f"企业成长性按实际经营时间计算，仅有一年数据时无法计算增长率（{_ART_GROWTH}）",
        ),
    )


def _growth_v2_gap(key, label, lab):
    """The basis year is zero or negative: no rate."""
    return Gap(
        key,
        Msg("gap.growth.v2.what", f"{label}基数年为零或负数，{label}增长率得0分", label=lab),
        None,
        None,
        Msg("gap.growth.v2.explain", f"第二年{label}为零或负数时该项得0分（{_ART_GROWTH}）", label=lab),
    )


def _growth_increase(vals, pct):
    """How much (万元, up to the cent, at least a cent) the last year must grow for the rate to reach ``pct``."""
    v2 = Decimal(vals[-2])
    factor = 1 + Decimal(pct) / 100
    if len(vals) >= 3 and vals[-3] > 0:
        need = v2 * (2 * factor - v2 / Decimal(vals[-3]))
    else:
        need = v2 * factor
    x = ceil_cent(need - Decimal(vals[-1]))
    if pct == 0:
        x += _CENT
    if x <= 0:
        x = _CENT
    return x


def _growth_target_gap(key, label, lab, rate, x, pct):
    """The increase ``x`` that lifts the rate ``(num, den)`` to the band of ``pct``."""
    num, den = rate
    shown = f"{num / den * 100:.2f}%"
    return Gap(
        key,
        Msg(
            "gap.growth.what",
            f"最近一年{label}需再增加{_fmt(x)}万元，{label}增长率可升至{_growth_band_name(pct)}分",
            label=lab,
            x=_fmt(x),
            band=_growth_band_name(pct),
        ),
        x,
        "万元",
        Msg(
            "gap.growth.explain",
            f"{label}增长率{shown}；≥35%得9–10分，≥25%得7–8分，≥15%得5–6分，"
            f"≥5%得3–4分，>0得1–2分（{_ART_GROWTH}）",
            label=lab,
            rate=shown,
        ),
    )


def _growth_gap(key, field, label, p, f):
    """The gap of one growth item, or None when it is already in the top band."""
    lab = Msg(f"w.{key}", label)
    vals = f.growth.get(key)
    if vals is None:
        return _growth_missing_gap(key, field, label, lab, p, f)
    rate = S.growth_rate(vals)
    if rate == "short":
        return _growth_short_gap(key, label, lab)
    if rate == "v2":
        return _growth_v2_gap(key, label, lab)
    pct = _next_growth_target(rate)
    if pct is None:
        return None
    return _growth_target_gap(key, label, lab, rate, _growth_increase(vals, pct), pct)


def _gaps_growth(a, add):
    """Gaps of growth."""
    p, f, c, Y, ipc, last = _ctx(a)
    for key, field, label in _GROWTH_ITEMS:
        gap = _growth_gap(key, field, label, p, f)
        if gap is not None:
            add(gap)


def _gaps_h8_h9_h10(a, add):
    """Gaps of H8."""
    p, f, c, Y, ipc, last = _ctx(a)
    st = c["H8"].status
    if st != "pass":
        short = PASS_SCORE - a.score_min
        add(
            Gap(
                "H8",
                Msg(
                    "gap.h8.what",
                    f"创新能力评价按下限估算还差{short}分（预计{a.score_min}–{a.score_max}分）",
                    short=short,
                    lo=a.score_min,
                    hi=a.score_max,
                ),
                None,
                None,
                Msg(
                    "gap.h8.explain",
                    f"企业创新能力评价须高于70分（{BAN}第十一条（七）、{GUIDE}三（七）），可从上述知识产权、成果转化、"
                    f"研发组织管理和成长性各项补足",
                ),
            )
        )
    if c["H9"].status == "fail":
        add(_H9_GAP)
    if c["H10"].status == "fail":
        add(_H10_GAP)


def _gaps_tsme(a, add):
    """Gaps of tech SME."""
    p, f, c, Y, ipc, last = _ctx(a)
    t = a.tsme
    if t is not None and not t.eligible:
        why = []
        cd = t.conditions
        if cd["size"] != "pass":
            miss = cd["size"] == "missing"
            why.append(
                Msg(
                    "tsme.size.missing" if miss else "tsme.size.fail",
                    "规模条件（职工≤500人、年销售收入≤2亿元、资产总额≤2亿元）"
                    + ("缺少数据" if miss else "不满足"),
                )
            )
        if cd["no_incident"] != "pass":
            why.append(Msg("tsme.incident", "上一年度至当年发生过重大事故或违法行为"))
        if t.restricted:
            why.append(Msg("tsme.restricted", "产品属于限制、淘汰类"))
        if t.dishonest:
            why.append(Msg("tsme.dishonest", "被列入经营异常名录或严重违法失信名单"))
        if not t.route:
            if cd["staff_nonzero"] != "pass":
                why.append(Msg("tsme.staff_zero", "科技人员指标得分为0（科技人员占比须不低于10%）"))
            if t.score < 60:
                why.append(
                    Msg(
                        "tsme.score",
                        f"评价得分{t.score}分，还差{60 - t.score}分",
                        score=t.score,
                        short=60 - t.score,
                    )
                )
        add(
            Gap(
                "tsme",
                Msg(
                    "gap.tsme.what",
                    "暂不符合科技型中小企业条件：" + "；".join(why),
                    reasons=Msg("gap.hints", "", items=why),
                ),
                None,
                None,
                Msg(
                    "gap.tsme.explain",
                    f"须满足{TSME}第六条各项条件，且评价得分不低于60分、科技人员指标得分不为0，"
                    f"或符合第八条任一直接认定条件（{TSME}第六、七、八条）",
                ),
            )
        )


#: The gap finders, in the order the gaps are listed (conditions, then score items, then tech SME).
GAP_FINDERS = (
    _gaps_h1,
    _gaps_h2,
    _gaps_h3,
    _gaps_h4,
    _gaps_h5,
    _gaps_h6,
    _gaps_h7,
    _gaps_ip_items,
    _gaps_conversion,
    _gaps_rd_management,
    _gaps_growth,
    _gaps_h8_h9_h10,
    _gaps_tsme,
)


def find_gaps(a):
    """Every gap of an assessment, in order: a table of small finders (GAP_FINDERS)."""
    out = []
    for finder in GAP_FINDERS:
        finder(a, out.append)
    return out
