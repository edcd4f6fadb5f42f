"""科技型中小企业评价 (国科发政〔2017〕115号 第六–八条) on the figures of FY Y−1."""

from __future__ import annotations

from dataclasses import dataclass

from .rules import (
    TSME_IP_CLASS1,
    TSME_IP_CLASS2_STEPS,
    TSME_PASS_SCORE,
    TSME_RD_COST_STEPS,
    TSME_RD_SALES_STEPS,
    TSME_SIZE,
    TSME_STAFF_STEPS,
)


@dataclass(slots=True)
class TsmeResult:
    """Tech-SME evaluation. ``conditions`` values are "pass" / "fail" / "missing"."""

    eligible: bool
    direct: bool
    score: int
    items: dict
    conditions: dict
    # internal facts for gaps
    staff: object = None
    tech_staff: object = None
    rd: object = None
    sales: object = None
    total_cost: object = None
    restricted: bool = False
    dishonest: bool = False
    route: bool = False  # one of the four direct routes of 第八条 is true (confirmed or not)

    def to_dict(self):
        return {
            "eligible": self.eligible,
            "direct": self.direct,
            "score": self.score,
            "items": dict(self.items),
            "conditions": dict(self.conditions),
        }


def _staff_points(tech, staff):
    if tech is None or staff is None or staff <= 0:
        return 0
    t100 = tech * 100
    for pct, pts in TSME_STAFF_STEPS:
        if t100 >= staff * pct:
            return pts
    return 0


def _ratio_points(rd, base, steps):
    if rd is None or base is None or base <= 0:
        return 0
    r100 = rd * 100
    for pct, pts in steps:
        if r100 >= base * pct:
            return pts
    return 0


_RD_SALES = TSME_RD_SALES_STEPS
_RD_COST = TSME_RD_COST_STEPS


def ip_points(class1, class2):
    """Granted related IP: any Class I 30; Class II ≥4 24, 3 18, 2 12, 1 6, 0 0."""
    if class1:
        return TSME_IP_CLASS1
    for n, pts in TSME_IP_CLASS2_STEPS:
        if class2 >= n:
            return pts
    return 0


def evaluate(profile, last, ipc):
    """``last`` = YearFigures of Y−1 (None → returns None); ``ipc`` = score.IPCounts."""
    if last is None:
        return None
    flags = profile.tsme
    staff = last.staff
    tech = last.tech_staff if last.tech_staff_tsme is None else last.tech_staff_tsme
    rd = last.rd_total if last.rd_deductible is None else last.rd_deductible
    sales = last.sales
    assets = last.total_assets
    cost = last.total_cost

    if staff is None or sales is None or assets is None:
        size = "missing"
    elif staff <= TSME_SIZE[0] and sales <= TSME_SIZE[1] and assets <= TSME_SIZE[2]:
        size = "pass"
    else:
        size = "fail"
    s_staff = _staff_points(tech, staff)
    s_rd = max(_ratio_points(rd, sales, _RD_SALES), _ratio_points(rd, cost, _RD_COST))
    s_ip = ip_points(ipc.tsme_class1, ipc.tsme_class2)
    total = s_staff + s_rd + s_ip
    if s_staff > 0:
        staff_nonzero = "pass"
    elif tech is None or staff is None:
        staff_nonzero = "missing"
    else:
        staff_nonzero = "fail"
    incident = flags.incident_prev_or_this_year
    if incident is None:
        incident = profile.incident_within_year
    no_incident = "fail" if incident else "pass"
    route = bool(
        flags.hnte_valid
        or flags.national_award_5y
        or flags.provincial_rd_institution
        or flags.led_standard_5y
    )
    score_ok = total >= TSME_PASS_SCORE
    basic = (
        size == "pass"
        and no_incident == "pass"
        and not flags.restricted_industry
        and not flags.listed_dishonest
    )
    # 第八条 needs 第六条（一）–（四): a direct route confirms the firm only with the basic conditions
    direct = route and basic
    eligible = basic and ((score_ok and s_staff > 0) or route)
    return TsmeResult(
        eligible=eligible,
        direct=direct,
        score=total,
        items={"staff": s_staff, "rd": s_rd, "ip": s_ip},
        conditions={
            "size": size,
            "score": "pass" if score_ok else "fail",
            "staff_nonzero": staff_nonzero,
            "no_incident": no_incident,
        },
        staff=staff,
        tech_staff=tech,
        rd=rd,
        sales=sales,
        total_cost=cost,
        restricted=bool(flags.restricted_industry),
        dishonest=bool(flags.listed_dishonest),
        route=route,
    )
