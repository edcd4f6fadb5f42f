"""Roadmap rows made directly through the models, shaped like the planner's output (plan-io.md)."""

from __future__ import annotations

from datetime import date, timedelta

from pipeline.extensions import db
from pipeline.models import Assessment, Milestone, Roadmap

MILESTONES = (
    # (code, title, owner, days from today, addresses)
    ("mgmt.rd_unit", "建立内部研究开发机构并配置研发条件", "firm", 40, ["rd_management"]),
    ("rd.ledger", "建立研发费用辅助账（按RD项目归集）", "firm", 60, ["H5"]),
    ("ip.file.utility_model", "申请实用新型专利2项（与主营产品相关）", "firm", 90, ["H2", "H8"]),
    ("staff.hire", "新增科技人员3人并签订劳动合同", "firm", 150, ["H4"]),
    ("tsme.register", "完成科技型中小企业评价入库", "officer", 120, ["tsme"]),
    ("conversion.record", "整理科技成果转化佐证材料（年均不少于3项）", "firm", 200, ["conversion"]),
    ("audit.special", "委托中介机构出具研发费用和高新收入专项审计报告", "firm", 420, ["H5", "H7"]),
    ("apply.submit", "在认定管理工作网提交申报材料", "officer", 470, []),
)


def make_roadmap(firm, today: date, milestones=MILESTONES, overdue: int = 0) -> Roadmap:
    """A roadmap for ``firm`` with milestones; the first ``overdue`` ones are already late."""
    cutoff = today + timedelta(days=480)
    plan = {
        "today": today.isoformat(),
        "target": {"batch": f"{cutoff.year}-1", "cutoff": cutoff.isoformat(), "year": cutoff.year},
        "earlier_batches": [
            {
                "batch": f"{today.year + 1}-1",
                "blocked_by": ["H5"],
                "why": "研发费用占比不足5%，当年已近结束，无法补足",
            }
        ],
        "plans": {
            "rd": [{"year": cutoff.year - 1, "sales": 3960.0, "rd_total_min": 215.0}],
            "tech_staff": {
                "year": cutoff.year - 1,
                "staff": 66,
                "tech_staff_min": 7,
                "hire_by": f"{cutoff.year - 1}-06-30",
            },
            "hightech_income": {"year": cutoff.year - 1, "share_min": 0.6},
        },
        "milestones": [],
    }
    roadmap = Roadmap(
        firm_id=firm.id,
        target_batch=plan["target"]["batch"],
        target_cutoff=cutoff,
        target_year=cutoff.year,
        projected_min=72,
        projected_max=80,
        generated_for=today,
        rules_version="hnte-2016/tsme-2017",
        calendar_version="test",
        plan=plan,
    )
    db.session.add(roadmap)
    db.session.flush()
    for i, (code, title, owner, days, addresses) in enumerate(milestones):
        due = today - timedelta(days=10 * (i + 1)) if i < overdue else today + timedelta(days=days)
        db.session.add(
            Milestone(
                roadmap_id=roadmap.id,
                firm_id=firm.id,
                code=code,
                title=title,
                owner=owner,
                due=due,
                addresses=addresses,
                basis="按计划倒排",
                status="todo",
            )
        )
    db.session.flush()
    return roadmap


def make_assessment(firm, today: date, verdict: str = "marginal", score=(66, 78)) -> Assessment:
    result = {
        "rules_version": "hnte-2016/tsme-2017",
        "application_year": today.year + 1,
        "verdict": verdict,
        "conditions": {
            f"H{i}": {"status": "pass", "value": 1, "required": 1, "explain": f"条件H{i}说明"}
            for i in range(1, 11)
        },
        "score": {
            "min": score[0],
            "max": score[1],
            "items": {
                "ip_total": [18, 24],
                "conversion": [13, 18],
                "rd_management": [14, 14],
                "growth_net_assets": [3, 4],
                "growth_sales": [5, 6],
            },
        },
        "tsme": None,
        "gaps": [
            {
                "code": "H5",
                "what": "近三年研发费用合计还差120.5万元",
                "amount": 120.5,
                "unit": "万元",
                "explain": "研发费用占比不足",
            }
        ],
    }
    result["conditions"]["H8"] = {
        "status": "uncertain" if verdict == "marginal" else "pass",
        "value": score[0],
        "required": 71,
        "explain": "创新能力评价预测",
    }
    a = Assessment(
        firm_id=firm.id,
        rules_version="hnte-2016/tsme-2017",
        application_date=today,
        verdict=verdict,
        score_min=score[0],
        score_max=score[1],
        tsme_eligible=None,
        result=result,
    )
    db.session.add(a)
    db.session.flush()
    return a
