"""THE versioned HNTE / tech-SME rules table: every threshold, band, cap and planner offset.

One module, one version. The criteria engine (hnte, score, tsme, gaps), the roadmap planner and
the forecast read their numbers from here and nowhere else; ``RULES_VERSION`` names the rules an
assessment used and ``REVISIONS`` says when and why the table changed (shown to admins under
管理 → 规则版本).

Sources: 《高新技术企业认定管理办法》国科发火〔2016〕32号 (BAN), 《高新技术企业认定管理工作指引》
国科发火〔2016〕195号 (GUIDE), 《科技型中小企业评价办法》国科发政〔2017〕115号 (TSME); house
conventions where the text leaves room are fixed in ``shared/spec/assess-io.md``.

Pure data and tiny pure functions: no Flask, no database, no clock.
"""

from __future__ import annotations

import calendar as _cal
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = [
    "RULES_VERSION",
    "RULES_REVISION",
    "REVISIONS",
    "Revision",
    "BAN",
    "GUIDE",
    "TSME_DOC",
    "PASS_SCORE",
    "H1_MIN_DAYS",
    "H4_MIN_SHARE",
    "H5_BANDS",
    "H6_MIN_SHARE",
    "H7_MIN_SHARE",
    "rd_band_pct",
    "hires_needed",
    "GRADE_BANDS",
    "UNKNOWN_GRADE",
    "UNKNOWN_GROWTH",
    "CONVERSION_BANDS",
    "GROWTH_BANDS",
    "GROWTH_STEPS",
    "IP_QUANTITY_BANDS",
    "IP_TOTAL_CAP",
    "STANDARDS_BAND",
    "TSME_SIZE",
    "TSME_PASS_SCORE",
    "TSME_STAFF_STEPS",
    "TSME_RD_SALES_STEPS",
    "TSME_RD_COST_STEPS",
    "TSME_IP_CLASS1",
    "TSME_IP_CLASS2_STEPS",
    "STAFF_MIN_DAYS",
    "OFFSETS",
    "Offset",
    "offset_days",
    "add_months",
    "days_in_year",
    "DEFAULT_PROVINCE",
]

#: The rules version recorded with every assessment and plan (contract value, assess-io.md).
RULES_VERSION = "hnte-2016/tsme-2017"

#: The province whose practice the defaults follow (calendars, pool wording).
DEFAULT_PROVINCE = "江苏省"

BAN = "《高新技术企业认定管理办法》"
GUIDE = "《高新技术企业认定管理工作指引》"
TSME_DOC = "《科技型中小企业评价办法》"


@dataclass(frozen=True, slots=True)
class Revision:
    """One change of the rules table: when, on which document, what changed."""

    revision: str
    date: date
    basis: str
    changes: str


#: Revision log, newest last. ``RULES_REVISION`` is the newest revision id.
REVISIONS = (
    Revision(
        "r1",
        date(2016, 6, 29),
        f"{BAN}（国科发火〔2016〕32号）、{GUIDE}（国科发火〔2016〕195号）",
        "高企认定十项条件H1–H10、创新能力评价四项指标及分档、研发费用占比三档（5%/4%/3%）",
    ),
    Revision(
        "r2",
        date(2017, 5, 10),
        f"{TSME_DOC}（国科发政〔2017〕115号）",
        "科技型中小企业规模条件、三项评价指标分档、60分及直接认定四种情形",
    ),
    Revision(
        "r3",
        date(2026, 11, 26),
        "shared/spec/assess-io.md（内部约定修订）",
        "三年销售收入合计为0时H5不满足（不再“视为满足”）；科小直接认定须同时满足规模、无事故、"
        "非限制类、非失信条件；比例说明按不与结论矛盾的位数显示",
    ),
    Revision(
        "r4",
        date(2026, 12, 1),
        "shared/spec/plan-io.md（内部约定修订）、" f"{GUIDE}三（五）月平均数口径",
        "规划：科技人员按全年月平均数与183天规则计算新聘效果；规则、分档、规划时间偏移集中为一张版本化规则表",
    ),
)
RULES_REVISION = REVISIONS[-1].revision

# ------------------------------------------------------------------ HNTE hard conditions

#: H8: innovation score must be above 70; whole-number scoring, so ≥ 71 (GUIDE 三（七）).
PASS_SCORE = 71
#: H1: registered at least 365 calendar days before applying (GUIDE 三（一）).
H1_MIN_DAYS = 365
#: H4: tech staff / staff in Y−1 ≥ 10% (BAN 第十一条（四）).
H4_MIN_SHARE = Decimal("0.10")
#: H5: (upper bound of sales(Y−1) in 万元 or None = above, minimum R&D share in percent).
H5_BANDS = ((Decimal(5000), 5), (Decimal(20000), 4), (None, 3))
#: H6: domestic R&D / total R&D ≥ 60%.
H6_MIN_SHARE = Decimal("0.60")
#: H7: high-tech income / total income in Y−1 ≥ 60%.
H7_MIN_SHARE = Decimal("0.60")
#: A hire counts as 科技人员 only with ≥ 183 days in the year (GUIDE 三（五）).
STAFF_MIN_DAYS = 183


def rd_band_pct(sales_last):
    """H5 band in percent for last-year sales (万元): ≤5000 → 5, ≤20000 → 4, else 3."""
    for upper, pct in H5_BANDS:
        if upper is None or sales_last <= upper:
            return pct
    return H5_BANDS[-1][1]  # pragma: no cover - the last band has no upper bound


def hires_needed(staff, tech):
    """Least whole x ≥ 0 with (tech + x)·10 ≥ staff + x, counting full-year hires (a new tech
    hire adds to headcount too). With no staff at all one hire is needed (no ratio without staff)."""
    if staff <= 0:
        return 1
    need = staff - 10 * tech
    if need <= 0:
        return 0
    if need.__class__ is int:
        return (need + 8) // 9
    return int(math.ceil(Decimal(need) / 9))  # fractional monthly averages


# ------------------------------------------------------------------ innovation score (GUIDE 三（七）)

GRADE_BANDS = {"A": (7, 8), "B": (5, 6), "C": (3, 4), "D": (1, 2), "E": (0, 0)}
UNKNOWN_GRADE = (0, 8)
UNKNOWN_GROWTH = (0, 10)
#: 知识产权数量: any Class I → 7–8; Class II counts (at least n, band), best first.
IP_QUANTITY_BANDS = ((5, (5, 6)), (3, (3, 4)), (1, (1, 2)))
IP_CLASS1_BAND = (7, 8)
IP_TOTAL_CAP = 30
STANDARDS_BAND = (1, 2)
#: (minimum annual average conversions, band), best first.
CONVERSION_BANDS = ((5, (25, 30)), (4, (19, 24)), (3, (13, 18)), (2, (7, 12)), (1, (1, 6)))
#: (rate threshold in percent, band), best first; a rate > 0 below the last step scores 1–2.
GROWTH_BANDS = ((35, (9, 10)), (25, (7, 8)), (15, (5, 6)), (5, (3, 4)))
GROWTH_POSITIVE_BAND = (1, 2)
#: Growth thresholds in percent, lowest first (0 = "above zero"), for gap targets.
GROWTH_STEPS = (0, 5, 15, 25, 35)

# ------------------------------------------------------------------ tech SME (TSME 第六–八条)

#: Size limits: staff, sales (万元), total assets (万元).
TSME_SIZE = (500, Decimal(20000), Decimal(20000))
TSME_PASS_SCORE = 60
TSME_STAFF_STEPS = ((30, 20), (25, 16), (20, 12), (15, 8), (10, 4))
TSME_RD_SALES_STEPS = ((6, 50), (5, 40), (4, 30), (3, 20), (2, 10))
TSME_RD_COST_STEPS = ((30, 50), (25, 40), (20, 30), (15, 20), (10, 10))
TSME_IP_CLASS1 = 30
#: Class II count → points (≥4 → 24, else 6 per item).
TSME_IP_CLASS2_STEPS = ((4, 24), (3, 18), (2, 12), (1, 6))

# ------------------------------------------------------------------ planner offsets


@dataclass(frozen=True, slots=True)
class Offset:
    """A planner time offset: ``days`` relative to the anchor named in ``anchor``, with its basis."""

    days: int
    anchor: str
    basis: str


#: Every planner offset (days) with its basis. Negative = before the anchor.
OFFSETS = {
    "data_complete": Offset(14, "today", "补齐数据是后续测算的前提，两周内完成"),
    "domain_select": Offset(30, "today", "确定技术领域后才能匹配知识产权与研发项目"),
    "ip_evaluate": Offset(30, "today", "专家预评知识产权等级，一个月内组织"),
    "ledger": Offset(30, "today", f"{GUIDE}三（六）：研发费用按项目归集，辅助账尽早建立"),
    "mgmt": Offset(90, "today", "研发组织管理制度须在申报前制定并实际运行，一个季度内建立"),
    "platform_account": Offset(-60, "cutoff", "高新技术企业认定管理工作网须先注册并经地方认定机构激活账号"),
    "linkage_pack": Offset(-45, "cutoff", "产品（服务）—知识产权—研发项目对应关系是专家评审重点"),
    "selfcheck": Offset(-30, "cutoff", "提交前按评价指标自查，留出整改时间"),
    "special_audit_after_annual": Offset(
        30, "annual_audit", f"{GUIDE}二（三）：专项审计以年度审计报表为基础"
    ),
    "special_audit": Offset(-15, "cutoff", f"{GUIDE}二（三）：申请材料须附专项审计或鉴证报告"),
    "annuity": Offset(-20, "cutoff", f"{GUIDE}三（二）6：专利须提供授权证书或授权通知书及官费收据"),
    "hire_soon": Offset(30, "today", "新聘人员从启动招聘到入职按30天计"),
    "reclassify": Offset(30, "today", "核查现有职工是否符合科技人员条件，一个月内完成"),
    "tsme_in_window": Offset(30, "window_opens", "科小评价窗口开放后一个月内完成自评填报，留出公示时间"),
    "tsme_soon": Offset(14, "today", "科小自评填报准备按两周计"),
    "standards": Offset(60, "today", "参与标准编制须尽早对接标准化技术委员会或行业协会"),
    "annual_audit_before_cutoff": Offset(
        -45, "cutoff", f"{GUIDE}二（三）：年度审计与汇算清缴须在提交前完成，为专项审计留出时间"
    ),
    "ip_slack_months": Offset(2, "months", "知识产权授权周期有波动，申请日须在最短周期外再留两个月余量"),
    "ip_now_months": Offset(2, "months", "两个月内提交的申请视为“尽早提交”"),
}


def offset_days(name):
    return OFFSETS[name].days


# ------------------------------------------------------------------ dates (pure)


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` (may be negative), the day clamped to the month's end."""
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


def days_in_year(y: int) -> int:
    return 366 if _cal.isleap(y) else 365
