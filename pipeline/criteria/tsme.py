"""科技型中小企业评价 (国科发政〔2017〕115号 第六–八条) on the figures of FY Y−1."""

from __future__ import annotations

from dataclasses import dataclass


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

    def to_dict(self):
        return {"eligible": self.eligible, "direct": self.direct, "score": self.score,
                "items": dict(self.items), "conditions": dict(self.conditions)}


def _staff_points(tech, staff):
    if tech is None or staff is None or staff <= 0:
        return 0
    t100 = tech * 100
    if t100 >= staff * 30:
        return 20
    if t100 >= staff * 25:
        return 16
    if t100 >= staff * 20:
        return 12
    if t100 >= staff * 15:
        return 8
    if t100 >= staff * 10:
        return 4
    return 0


def _ratio_points(rd, base, steps):
    if rd is None or base is None or base <= 0:
        return 0
    r100 = rd * 100
    for pct, pts in steps:
        if r100 >= base * pct:
            return pts
    return 0


_RD_SALES = ((6, 50), (5, 40), (4, 30), (3, 20), (2, 10))
_RD_COST = ((30, 50), (25, 40), (20, 30), (15, 20), (10, 10))


def ip_points(class1, class2):
    """Granted related IP: any Class I 30; Class II ≥4 24, 3 18, 2 12, 1 6, 0 0."""
    if class1:
        return 30
    if class2 >= 4:
        return 24
    return class2 * 6


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
    elif staff <= 500 and sales <= 20000 and assets <= 20000:
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
    direct = bool(flags.hnte_valid or flags.national_award_5y or flags.provincial_rd_institution
                  or flags.led_standard_5y)
    score_ok = total >= 60
    eligible = (size == "pass" and no_incident == "pass" and not flags.restricted_industry
                and not flags.listed_dishonest and ((score_ok and s_staff > 0) or direct))
    return TsmeResult(
        eligible=eligible, direct=direct, score=total,
        items={"staff": s_staff, "rd": s_rd, "ip": s_ip},
        conditions={"size": size, "score": "pass" if score_ok else "fail",
                    "staff_nonzero": staff_nonzero, "no_incident": no_incident},
        staff=staff, tech_staff=tech, rd=rd, sales=sales, total_cost=cost,
        restricted=bool(flags.restricted_industry), dishonest=bool(flags.listed_dishonest),
    )
