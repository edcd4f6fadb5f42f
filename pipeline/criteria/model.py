"""Plain data for one firm profile (input of :func:`pipeline.criteria.assess`).

All classes are frozen, slotted dataclasses with keyword construction, so a database loader can
build 20,000 of them directly and cheaply::

    Profile(
        application_date=date(2026, 6, 15), registered_on=date(2021, 3, 10), tech_domain="10101",
        years={2025: YearFigures(sales=Decimal("3000"), rd_total=Decimal("160"), staff=60,
                                 tech_staff=8, hightech_income=Decimal("2100"),
                                 net_assets=Decimal("1200"), total_assets=Decimal("2800"),
                                 total_cost=Decimal("2600"))},
        ip=(IPItem(kind="invention_patent", status="granted", acquired="own", core=True),),
        conversions={2025: 2}, grades={"tech_advancement": "B", "core_support": "B"},
        rd_management=frozenset({"rules", "accounting", "ledger"}),
        tsme=TsmeFlags(),
    )

Money is in 万元 as ``decimal.Decimal`` (``int`` also works: the engine only adds, multiplies
and compares); counts are ``int``; dates are ``datetime.date``. ``None`` in a figure means "not
known" and makes the conditions that need it ``missing``. The engine never mutates a profile and
never validates it: :func:`pipeline.criteria.parse_profile` is the validating door for JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

__all__ = [
    "YearFigures",
    "IPItem",
    "TsmeFlags",
    "Profile",
    "CLASS_I",
    "CLASS_II",
    "IP_KINDS",
    "IP_STATUSES",
    "IP_ACQUIRED",
    "RD_MANAGEMENT_POINTS",
    "RD_MANAGEMENT_NAMES",
    "RD_MANAGEMENT_GROUPS",
    "GRADE_KEYS",
    "GRADES",
]

Amount = Decimal  # 万元

#: Class I IP kinds (《工作指引》三（二）): invention patents (incl. defence), plant varieties,
#: national crop varieties, national new drugs, Grade-1 protected TCM varieties, IC layouts.
CLASS_I = frozenset(
    {"invention_patent", "plant_variety", "crop_variety", "new_drug", "tcm_protected", "ic_layout"}
)
#: Class II IP kinds: utility models, designs, software copyrights.
CLASS_II = frozenset({"utility_model", "design", "software_copyright"})
IP_KINDS = CLASS_I | CLASS_II
IP_STATUSES = frozenset({"granted", "filed"})
IP_ACQUIRED = frozenset({"own", "transferred"})

#: Evidence pieces of 研究开发组织管理水平 and their points (contract, 20 in all).
RD_MANAGEMENT_POINTS = {
    "rules": 2,
    "accounting": 2,
    "ledger": 2,
    "rd_unit": 3,
    "cooperation": 3,
    "conversion_rules": 2,
    "open_platform": 2,
    "training": 1,
    "skills": 1,
    "recruitment": 1,
    "performance_reward": 1,
}
#: Chinese names of the pieces (used in explanations and gaps).
RD_MANAGEMENT_NAMES = {
    "rules": "研究开发组织管理制度",
    "accounting": "研发投入核算体系",
    "ledger": "研发费用辅助账",
    "rd_unit": "内部研究开发机构及研发条件",
    "cooperation": "产学研合作",
    "conversion_rules": "科技成果转化组织实施与激励奖励制度",
    "open_platform": "开放式创新创业平台",
    "training": "科技人员培养进修制度",
    "skills": "职工技能培训制度",
    "recruitment": "优秀人才引进制度",
    "performance_reward": "人才绩效评价奖励制度",
}
#: Which of the four sub-items (《工作指引》三（七）3 (1)–(4)) each piece belongs to.
RD_MANAGEMENT_GROUPS = {
    "rules": 1,
    "accounting": 1,
    "ledger": 1,
    "rd_unit": 2,
    "cooperation": 2,
    "conversion_rules": 3,
    "open_platform": 3,
    "training": 4,
    "skills": 4,
    "recruitment": 4,
    "performance_reward": 4,
}
GRADE_KEYS = ("tech_advancement", "core_support")
GRADES = frozenset("ABCDE")


@dataclass(frozen=True, slots=True)
class YearFigures:
    """Figures of one fiscal year (万元 / persons). Every field may be None (= unknown).

    sales            销售收入 = 主营业务收入 + 其他业务收入 (CIT annual return caliber).
    total_income     总收入 = 收入总额 − 不征税收入; None → ``sales`` is used (contract default).
    hightech_income  高新技术产品（服务）收入, including 技术转让/技术服务/接受委托研发 income.
    rd_total         R&D expense, HNTE caliber (《工作指引》三（六）), all projects summed.
    rd_domestic      R&D performed in China (own + commissioned to domestic parties);
                     None → ``rd_total``.
    net_assets       净资产 at year end (total assets − total liabilities); may be negative.
    total_assets     资产总额 at year end (tech-SME size test).
    total_cost       成本费用总额 (tech-SME R&D option b).
    staff            职工总数, yearly average of monthly averages (《工作指引》三（五）).
    tech_staff       科技人员 (≥183 days in the year), same averaging.
    rd_deductible    R&D under the 加计扣除 caliber, tech-SME score only; None → ``rd_total``.
    tech_staff_tsme  tech staff counting part-timers of ≥ 6 months, tech-SME only;
                     None → ``tech_staff``.
    """

    sales: Amount | None = None
    total_income: Amount | None = None
    hightech_income: Amount | None = None
    rd_total: Amount | None = None
    rd_domestic: Amount | None = None
    net_assets: Amount | None = None
    total_assets: Amount | None = None
    total_cost: Amount | None = None
    staff: int | None = None
    tech_staff: int | None = None
    rd_deductible: Amount | None = None
    tech_staff_tsme: int | None = None

    @property
    def income(self):
        """总收入 with the contract default applied (``sales`` when not given)."""
        return self.sales if self.total_income is None else self.total_income

    @property
    def rd_dom(self):
        """Domestic R&D with the contract default applied (``rd_total`` when not given)."""
        return self.rd_total if self.rd_domestic is None else self.rd_domestic


@dataclass(frozen=True, slots=True)
class IPItem:
    """One intellectual-property item.

    kind          one of CLASS_I / CLASS_II (e.g. "invention_patent", "software_copyright").
    status        "granted" (counts) or "filed" (counts for nothing yet).
    acquired      "own" (own R&D) or "transferred" (受让/受赠/并购).
    core          gives core technical support to the main products (needed for H2).
    used_in_hnte  already used in an earlier HNTE application: a Class II item then counts
                  for nothing in HNTE (usable once); Class I items may be reused.
    related       related to the main products; the tech-SME IP score counts only these.
    filed_on      filing date of a pending ("filed") item, optional: the planner counts it as a
                  likely grant once its lead time has passed (the engine ignores it).
    """

    kind: str
    status: str = "granted"
    acquired: str = "own"
    core: bool = False
    used_in_hnte: bool = False
    related: bool = True
    filed_on: date | None = None


@dataclass(frozen=True, slots=True)
class TsmeFlags:
    """Facts for 科技型中小企业评价 (国科发政〔2017〕115号) that the figures do not show.

    hnte_valid                 holds a valid HNTE certificate (direct route §8(1)).
    national_award_5y          national S&T award in the last 5 years, top-3 unit (§8(2)).
    provincial_rd_institution  accredited provincial/ministerial R&D institution (§8(3)).
    led_standard_5y            led drafting a national/industry/international standard (§8(4)).
    restricted_industry        products in a banned/restricted/obsolete category (§6(三)).
    listed_dishonest           on the 经营异常 or serious-dishonesty list (§6(四)).
    incident_prev_or_this_year major accident/violation/misconduct in the previous or current
                               year; None → fall back to ``Profile.incident_within_year``.
    """

    hnte_valid: bool = False
    national_award_5y: bool = False
    provincial_rd_institution: bool = False
    led_standard_5y: bool = False
    restricted_industry: bool = False
    listed_dishonest: bool = False
    incident_prev_or_this_year: bool | None = None


_EMPTY_FLAGS = TsmeFlags()


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything the criteria engine needs about one firm.

    application_date      planned HNTE application date; its year is Y. Window = FY Y−3..Y−1.
    registered_on         date of registration (成立日期).
    tech_domain           catalogue code: "10".."80", a 2nd-level code ("101") or a 3rd-level
                          code ("10101"); "" or None = not chosen yet (H3 missing).
    years                 fiscal year (int) → YearFigures. Years outside the window are ignored.
    ip                    tuple of IPItem.
    conversions           fiscal year → number of 科技成果转化 that year (absent = 0).
    grades                "tech_advancement" / "core_support" → "A".."E" (expert-judgement
                          items; an absent grade is scored as unknown [0, 8]).
    rd_management         set of evidence keys present (see RD_MANAGEMENT_POINTS).
    standards             took part in drafting national/industry standards etc. (+1–2).
    incident_within_year  major safety/quality accident or serious environmental violation in
                          the 365 days before applying (H9).
    revoked_this_year     HNTE qualification revoked this year (H10).
    tsme                  TsmeFlags.
    as_of                 the date the figures are read (today), optional: window years that end
                          before it are closed facts, the others can still change (gaps say which).
    """

    application_date: date
    registered_on: date
    tech_domain: str | None = None
    years: Mapping[int, YearFigures] = field(default_factory=dict)
    ip: tuple[IPItem, ...] = ()
    conversions: Mapping[int, int] = field(default_factory=dict)
    grades: Mapping[str, str] = field(default_factory=dict)
    rd_management: frozenset = frozenset()
    standards: bool = False
    incident_within_year: bool = False
    revoked_this_year: bool = False
    tsme: TsmeFlags = _EMPTY_FLAGS
    as_of: date | None = None
