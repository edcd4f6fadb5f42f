"""The one vocabulary: every label and stage group the app shows, defined once.

Models, services, views, PDFs, Excel and templates import labels from here; no other copy may
remain. Every label is marked for translation where it is defined: ``N_("候选")`` marks the Chinese
label for ``pybabel extract -k N_`` (the msgid is the Chinese label itself; the zh catalog maps it to
itself, the en catalog holds the English). The tables hold plain ``str`` values because the same
labels are data too (Excel cells and headers, PDF text, JSON, audit snapshots, which stay Chinese);
a page shows a label in the UI language with ``tl`` (``{{ firm.stage_label|tl }}``, ``tl(label)``
from ``pipeline.i18n``), so the English UI follows from this one definition.
``tests/web/test_i18n.py`` checks that every label here is in both catalogs.

This module imports nothing (the pure core may import it too).

Owner: the "one truth" work (issue 13) moved the existing tables here; every other change adds its
new labels here too, in a section of its own (``# ---- issue NN``).
"""

from __future__ import annotations


def N_(s: str) -> str:  # noqa: N802  (the conventional name pybabel looks for)
    """Mark a Chinese data label for the catalogs; returns it unchanged."""
    return s


# ================================================================== firms: stages and groups

# Pipeline stages in order, code -> label. Terminal: certified / failed / exited.
STAGES = {
    "candidate": N_("候选"),
    "pool": N_("入库培育"),
    "coaching": N_("辅导中"),
    "to_apply": N_("拟申报"),
    "applied": N_("已申报"),
    "certified": N_("已认定"),
    "failed": N_("未通过"),
    "exited": N_("退库"),
}

# Stage groups (the one definition of each; see issue 13's note for where the copies disagreed).
#: firms the bureau still works toward certification: the goal figures' "在培" pool, the dashboard,
#: the API and the briefing packs (a failed firm stays in the pool until it is moved out).
CULTIVATION_STAGES = ("candidate", "pool", "coaching", "to_apply", "applied", "failed")
#: firms that have not applied yet: the briefing's risk lists (overdue work, stale data, ready list).
PRE_APPLICATION_STAGES = ("candidate", "pool", "coaching", "to_apply")
#: firms that get a roadmap (certified firms plan their re-certification).
PLANNED_STAGES = CULTIVATION_STAGES + ("certified",)
#: stages no reminder rule follows.
TERMINAL_STAGES = frozenset({"certified", "failed", "exited"})
#: the funnel's steps, in order.
FUNNEL_STAGES = ("candidate", "pool", "coaching", "to_apply", "applied", "certified")

POOL_LEVELS = {"city": N_("市级"), "province": N_("省级")}
COUNTY_KINDS = {"district": N_("区"), "county": N_("县"), "zone": N_("功能板块")}
CITY_LABEL = N_("全市")

# ================================================================== firm data

#: One name per IP kind, used everywhere (forms, pages, PDFs and the planner's milestone texts).
#: plant_variety is named by its statutory right, 植物新品种权 (《种子法》第二十八条, 《植物新品种保护条例》
#: 第六条: the holder has the 品种权), as the IC layout is named 集成电路布图设计专有权; the HNTE
#: 工作指引's list says just "植物新品种" (issue 14: the core used one name, the pages the other).
IP_KINDS = {
    "invention_patent": N_("发明专利"),
    "plant_variety": N_("植物新品种权"),
    "crop_variety": N_("国家级农作物品种"),
    "new_drug": N_("国家新药"),
    "tcm_protected": N_("国家一级中药保护品种"),
    "ic_layout": N_("集成电路布图设计专有权"),
    "utility_model": N_("实用新型专利"),
    "design": N_("外观设计专利"),
    "software_copyright": N_("软件著作权"),
}
IP_STATUSES = {"filed": N_("已申请"), "granted": N_("已授权")}
IP_ACQUIRED = {"own": N_("自主研发"), "transferred": N_("受让/受赠/并购")}

# The 11 R&D-management pieces of the assess contract (their points are rules: models.firm.RD_PIECES).
RD_PIECE_LABELS = {
    "rules": N_("研发组织管理制度"),
    "accounting": N_("研发投入核算体系"),
    "ledger": N_("研发费用辅助账"),
    "rd_unit": N_("内部研发机构"),
    "cooperation": N_("产学研合作"),
    "conversion_rules": N_("成果转化组织实施与激励奖励制度"),
    "open_platform": N_("创新创业平台"),
    "training": N_("科技人员培训制度"),
    "skills": N_("培养与技能提升"),
    "recruitment": N_("人才引进制度"),
    "performance_reward": N_("科技人员绩效评价奖励制度"),
}
CONVERSION_FORMS = {
    "own": N_("自行投资实施转化"),
    "transfer": N_("向他人转让"),
    "license": N_("许可他人使用"),
    "joint": N_("合作实施"),
    "equity": N_("作价投资"),
    "other": N_("其他协商方式"),
}
INCIDENT_KINDS = {
    "safety": N_("重大安全事故"),
    "quality": N_("重大质量事故"),
    "environment": N_("严重环境违法行为"),
}
GRADES = {"A": N_("高"), "B": N_("较高"), "C": N_("一般"), "D": N_("较低"), "E": N_("无")}

# Firm record fields (Excel headers, audit field names).
FIRM_FIELDS = {
    "credit_code": N_("统一社会信用代码"),
    "name": N_("企业名称"),
    "county": N_("县区"),
    "registered_on": N_("注册日期"),
    "tech_domain": N_("技术领域代码"),
    "industry": N_("行业"),
    "stage": N_("阶段"),
    "pool_level": N_("入库级别"),
    "contact_name": N_("联系人"),
    "contact_phone": N_("联系电话"),
    "contact_email": N_("联系邮箱"),
    "address": N_("地址"),
    "hnte_cert_no": N_("高企证书编号"),
    "hnte_cert_date": N_("发证日期"),
    "hnte_cert_expiry": N_("证书到期日"),
    "tsme_reg_no": N_("科小入库编号"),
    "notes": N_("备注"),
}
# Fiscal-year figures shown in documents: key -> (label with unit, is money).
YEAR_FIELDS = {
    "sales": (N_("销售收入（万元）"), True),
    "total_income": (N_("总收入（万元）"), True),
    "hightech_income": (N_("高新技术产品（服务）收入（万元）"), True),
    "rd_total": (N_("研发费用（万元）"), True),
    "rd_domestic": (N_("其中境内研发费用（万元）"), True),
    "net_assets": (N_("净资产（万元）"), True),
    "staff": (N_("职工总数（人）"), False),
    "tech_staff": (N_("科技人员（人）"), False),
}

# ================================================================== the engine's output

# One wording per verdict on every surface (firm page, pool, dashboard, API, Excel, PDFs, CLI).
VERDICTS = {
    "ready": N_("达标"),
    "marginal": N_("临界"),
    "not_ready": N_("未达标"),
    "incomplete": N_("数据不全"),
}
VERDICT_ORDER = ("ready", "marginal", "not_ready", "incomplete")
UNASSESSED = "unassessed"
UNASSESSED_LABEL = N_("未评估")
#: verdicts with "not assessed yet" (goal figures count firms without an assessment row).
VERDICTS_OR_UNASSESSED = {**VERDICTS, UNASSESSED: UNASSESSED_LABEL}

CONDITIONS = {
    "H1": N_("注册满一年"),
    "H2": N_("拥有核心知识产权"),
    "H3": N_("属于重点支持技术领域"),
    "H4": N_("科技人员占比"),
    "H5": N_("研发费用占比"),
    "H6": N_("境内研发费用占比"),
    "H7": N_("高新技术收入占比"),
    "H8": N_("创新能力评价≥71分"),
    "H9": N_("无重大安全质量事故及环境违法"),
    "H10": N_("本年度未被撤销资格"),
}
RATIO_CONDITIONS = frozenset({"H4", "H5", "H6", "H7"})
CONDITION_STATUSES = {
    "pass": N_("满足"),
    "fail": N_("不满足"),
    "uncertain": N_("待定"),
    "missing": N_("缺数据"),
}

# HNTE score items: (key, label, full marks); "· " marks a part of the IP total.
SCORE_ITEMS = (
    ("ip_total", N_("知识产权（合计）"), 30),
    ("ip_advancement", N_("· 技术先进程度"), 8),
    ("ip_core_support", N_("· 核心支持作用"), 8),
    ("ip_quantity", N_("· 知识产权数量"), 8),
    ("ip_acquisition", N_("· 获得方式"), 6),
    ("ip_standards", N_("· 参与标准制定"), 2),
    ("conversion", N_("科技成果转化能力"), 30),
    ("rd_management", N_("研究开发组织管理水平"), 20),
    ("growth_net_assets", N_("净资产增长率"), 10),
    ("growth_sales", N_("销售收入增长率"), 10),
)
SCORE_ITEM_LABELS = {key: label.lstrip("· ") for key, label, _ in SCORE_ITEMS}
#: the five score groups of the chart (the IP total stands for its parts).
SCORE_GROUPS = ("ip_total", "conversion", "rd_management", "growth_net_assets", "growth_sales")
TSME_ITEMS = (("staff", N_("科技人员"), 20), ("rd", N_("研发投入"), 50), ("ip", N_("科技成果"), 30))
RD_MANAGEMENT_LABEL = N_("研发管理")
TSME_LABEL = N_("科技型中小企业")

# Goal figures as the briefing packs name them (the goal read model's keys).
GOAL_FIGURES = {
    "active": N_("有效高企"),
    "expiring": N_("12个月内到期"),
    "forecast": N_("年末预计有效高企"),
    "pool": N_("在培企业"),
    "ready": VERDICTS["ready"],
    "marginal": VERDICTS["marginal"],
    "applied": STAGES["applied"],
    "overdue_firms": N_("有逾期任务的企业"),
    "overdue_milestones": N_("逾期任务"),
    "stale": N_("缺上年数据企业"),
}

# ================================================================== roadmaps and milestones

MILESTONE_STATUSES = {"todo": N_("待办"), "doing": N_("进行中"), "done": N_("已完成"), "waived": N_("已免除")}
OPEN_MILESTONE_STATUSES = ("todo", "doing")
MILESTONE_OWNERS = {"firm": N_("企业"), "officer": N_("专员")}

# Re-certification of a certificate that expires within 12 months (the goal read model).
RECERT = {
    "scheduled": N_("已安排到期当年重新申报"),
    "late": N_("计划到期后再申报（将中断）"),
    "none": N_("未安排重新申报"),
}

# ================================================================== users

ROLE_ADMIN = "admin"
ROLE_OFFICER = "officer"
ROLE_FIRM = "firm"
ROLES = {ROLE_ADMIN: N_("市级管理员"), ROLE_OFFICER: N_("县区专员"), ROLE_FIRM: N_("企业用户")}

# ================================================================== reminders

REMINDER_RULES = {
    "milestone_due": N_("里程碑即将到期"),
    "milestone_overdue": N_("里程碑已逾期"),
    "batch_cutoff": N_("申报批次即将截止"),
    "annual_report": N_("高企年报"),
    "cert_expiry": N_("高企证书即将到期"),
    "tsme_update": N_("科技型中小企业年度更新"),
    "stale_data": N_("上年度数据未填报"),
    "stage_stuck": N_("阶段停留过久"),
    "digest": N_("每周待办汇总"),
}
REMINDER_SETTINGS = {
    "reminders.milestone_days": N_("里程碑到期前提醒（天）"),
    "reminders.batch_days": N_("申报批次截止前提醒（天）"),
    "reminders.annual_report_due": N_("高企年报截止（月-日）"),
    "reminders.annual_report_from": N_("高企年报开始提醒（月-日）"),
    "reminders.expiry_months": N_("证书到期前提醒（月）"),
    "reminders.tsme_due": N_("科技型中小企业年度更新截止（月-日）"),
    "reminders.tsme_from": N_("科技型中小企业年度更新开始提醒（月-日）"),
    "reminders.stale_from": N_("上年度数据缺失开始提醒（月-日）"),
    "reminders.stage_stuck_days": N_("阶段停留超过（天）提醒"),
}
CHANNELS = {"inapp": N_("站内通知"), "email": N_("电子邮件"), "webhook": N_("群机器人")}
DELIVERY_STATUSES = {
    "pending": N_("待发送"),
    "sent": N_("已发送"),
    "failed": N_("失败重试中"),
    "gave_up": N_("已放弃"),
}

# ================================================================== background jobs

JOB_KINDS = {
    "roadmaps_county": N_("县区全部企业路线图（压缩包）"),
    "briefing_county": N_("县区工作简报"),
    "briefing_city": N_("全市工作简报"),
}
JOB_STATUSES = {"queued": N_("排队中"), "running": N_("进行中"), "done": N_("已完成"), "failed": N_("失败")}

# ================================================================== audit

AUDIT_ACTIONS = {"create": N_("新增"), "update": N_("修改"), "delete": N_("删除")}
AUDIT_ENTITIES = {
    "firm": N_("企业"),
    "fiscal_year": N_("年度数据"),
    "ip_asset": N_("知识产权"),
    "conversion": N_("成果转化"),
    "incident": N_("事故记录"),
    "rd_evidence": N_("研发管理材料"),
    "milestone": N_("里程碑"),
    "roadmap": N_("路线图"),
    "figure_submission": N_("企业报送"),
    "target": N_("目标"),
    "application_batch": N_("申报批次"),
    "user": N_("用户"),
    "api_token": N_("接口令牌"),
}


# ================================================================== lookups


def label(table: dict, code, default=None):
    """``table[code]`` (a label string; tuples give their first item), else ``default`` or the code."""
    value = table.get(code)
    if value is None:
        return code if default is None else default
    return value[0] if isinstance(value, tuple) else value


def item_label(code: str) -> str:
    """A condition, score item or R&D-management piece code as a reader's name (gaps, milestone
    targets): ``H4 科技人员占比``, ``知识产权数量``, ``研发管理·研发费用辅助账``, ``科技型中小企业``."""
    if not code:
        return "—"
    if code in CONDITIONS:
        return f"{code} {CONDITIONS[code]}"
    if code in SCORE_ITEM_LABELS:
        return SCORE_ITEM_LABELS[code]
    if code.startswith("rd_management"):
        piece = code.partition(".")[2]
        return RD_MANAGEMENT_LABEL + (f"·{RD_PIECE_LABELS[piece]}" if piece in RD_PIECE_LABELS else "")
    if code == "tsme":
        return TSME_LABEL
    head = code.split(".")[0]
    if head in SCORE_ITEM_LABELS:
        return SCORE_ITEM_LABELS[head]
    return code


def all_labels() -> set[str]:
    """Every label string this module defines (for the catalog test)."""
    out: set[str] = set()
    for value in globals().values():
        if isinstance(value, dict):
            items = value.values()
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            items = [row[1] for row in value]
        else:
            continue
        for item in items:
            item = item[0] if isinstance(item, tuple) else item
            if isinstance(item, str) and any("\u4e00" <= ch <= "\u9fff" for ch in item):
                out.add(item)
    out |= {CITY_LABEL, UNASSESSED_LABEL, RD_MANAGEMENT_LABEL, TSME_LABEL}
    return out


# ---- issue 17: inbox kinds, digest frequencies, languages (pages show them with ``tl``)
INBOX_KINDS = {
    "submission": N_("待审核的企业报送"),
    "progress": N_("待确认的进展报告"),
    "overdue": N_("已逾期的里程碑"),
    "due_soon": N_("即将到期的里程碑"),
    "cert_risk": N_("有风险的高企证书"),
    "cert_expiring": N_("即将到期的高企证书"),
    "returned": N_("已退回事项"),
}
# what the same kinds mean to a firm user (their own firm)
INBOX_KINDS_FIRM = {
    "submission": N_("已报送，待审核"),
    "progress": N_("已报告进展，待确认"),
    "overdue": N_("已逾期的里程碑"),
    "due_soon": N_("即将到期的里程碑"),
    "cert_risk": N_("证书有风险"),
    "cert_expiring": N_("证书即将到期"),
    "returned": N_("已退回：请修改后重新报送"),
}
DIGEST_FREQUENCIES = {"off": N_("不要汇总"), "daily": N_("每日汇总"), "weekly": N_("每周汇总")}
# One choice per channel on the account page: off, or on with a digest frequency ("off" = no digest:
# every alert at once). Critical = a reminder rule marks the hit ``urgent`` (``reminders/rules.py``).
ALERT_MODES = {
    "instant": N_("所有提醒即时发送"),
    "daily": N_("仅紧急提醒即时发送，其余每日汇总"),
    "weekly": N_("仅紧急提醒即时发送，其余每周汇总"),
    "none": N_("不接收"),
}
# The county robot (issue 17, settings page ``/robots/<county>``): the same four choices as a user's
# channel (``ALERT_MODES``), stored in ``county.webhook_digest``: "instant" every reminder of the county
# at once; "daily"/"weekly" urgent ones at once and the county digest that often; "none" nothing.
# Why a robot URL is refused (``reminders/robot_url.py``): on the settings page and as a delivery's reason.
ROBOT_URL_PROBLEMS = {
    "empty": N_("没有填写群机器人地址"),
    "too_long": N_("地址太长：最多 %(max)s 个字符"),
    "format": N_("不是有效的网址：请粘贴群机器人设置中给出的完整地址（以 https:// 开头）"),
    "scheme": N_("地址必须以 https:// 开头（加密连接）"),
    "userinfo": N_("地址中不能带用户名或密码"),
    "host": N_("只接受以下域名的群机器人地址：%(hosts)s"),
    "local": N_("地址指向内网或本机（%(address)s），不允许使用"),
}
REMINDER_RULES["user_digest"] = N_("提醒汇总")
DELIVERY_STATUSES["held"] = N_("等待汇总")
DELIVERY_STATUSES["digested"] = N_("已并入汇总")
# each language named in itself, never translated (a list, so all_labels() does not take it for a label table)
LANGUAGES = [("zh", "中文"), ("en", "English")]


# ---- issue 16: after the certificate (compliance watch, 年报, 科小 cycle)
COMPLIANCE_REMINDER_RULES = {
    "annual_report_missed": N_("高企年报逾期未报"),
    "annual_report_revocation": N_("高企年报累计两年未报"),
    "compliance_risk": N_("已认定企业合规风险"),
    "tsme_window": N_("科技型中小企业评价即将开始"),
}
REMINDER_RULES.update(COMPLIANCE_REMINDER_RULES)
COMPLIANCE_STATUSES = {"ok": N_("符合条件"), "at_risk": N_("存在风险"), "incomplete": N_("数据不全")}
BRIEFING_DELIVERY_STATUSES = {"pending": N_("待发送"), "sent": N_("已发送"), "failed": N_("发送失败")}
BRIEFING_CADENCES = {"monthly_workday1": N_("每月第一个工作日"), "weekly_workday1": N_("每周第一个工作日")}
# The Excel column of this year's 年报 (export and import) and its "not submitted" value.
ANNUAL_REPORT_CELLS = {"header": N_("本年度高企年报"), "not_submitted": N_("未报")}


# ------------------------------------------------------------------ issue 11: data integrity

REMINDER_RULES["cert_expired"] = N_("高企证书已过期")
REMINDER_RULES.update(
    {
        "submission": N_("企业报送新数据"),
        "submission_decision": N_("报送数据审核结果"),
        "progress_report": N_("企业报告里程碑进展"),
    }
)
# The state of a firm's HNTE certificate on a day (pipeline/services/certificates.py decides it).
CERT_STATES = {
    "active": N_("证书有效"),
    "expired": N_("证书已过期"),
    "not_yet": N_("证书未生效"),
    "none": N_("无证书"),
}
# The funnel's bar for firms still at 已认定 whose certificate has expired: not counted as certified.
FUNNEL_CERT_EXPIRED = N_("已认定·证书已过期")
# Figure submissions: their review states.
SUBMISSION_STATUSES = {
    "pending": N_("待审核"),
    "accepted": N_("已采纳"),
    "partial": N_("部分采纳"),
    "rejected": N_("已退回"),
}
# The export's per-row version stamp (firm version @ export time, UTC): the import compares it with
# the firm's version now and shows a row changed since as a conflict (old / theirs / yours).
EXPORT_VERSION_HEADER = N_("导出版本（勿改）")

# ---- issue 11 (i11b): milestone identity on regeneration
# A generated milestone whose subject changed at a regeneration (e.g. 研发费用 for 2026 became 2027) is
# closed with this status and a new milestone is made; it is not a status anyone sets by hand, so it is
# not in MILESTONE_STATUSES (the form's and the API's choices).
MILESTONE_SUPERSEDED = "superseded"
MILESTONE_STATUS_LABELS = {**MILESTONE_STATUSES, MILESTONE_SUPERSEDED: N_("已取代")}
REMINDER_RULES["milestone_superseded"] = N_("有待确认进展的里程碑已被取代")
# What the last regeneration did to the roadmap's milestones (roadmap.changes[].kind).
ROADMAP_CHANGE_KINDS = {
    "created": N_("首次生成"),
    "target": N_("目标批次调整"),
    "added": N_("新增"),
    "moved": N_("期限调整"),
    "retitled": N_("内容调整"),
    "superseded": N_("已取代"),
    "obsolete": N_("不再需要（已有进展，保留）"),
    "removed": N_("已移除"),
}
# The inputs of a plan, compared between two regenerations to say why it changed (roadmap.changed_inputs).
ROADMAP_INPUTS = {
    "year": N_("%(year)s年度数据"),
    "ip": N_("知识产权"),
    "facts": N_("企业资料（技术领域、成果转化、专家评分、研发管理等）"),
    "extras": N_("证书、事故和科小登记情况"),
    "calendar": N_("申报日历或知识产权周期"),
    "date": N_("日期"),
}

# A background job that is not an export: the re-plan a calendar edit queues (not offered on the reports page).
REPLAN_JOB = "replan"
SCAN_JOB = "reminder_scan"  # issue 13: the admin's "scan now" is a queued job, not an inline scan
JOB_LABELS = {**JOB_KINDS, REPLAN_JOB: N_("日历变更后重新规划路线图"), SCAN_JOB: N_("立即扫描提醒")}

# ---- issue 18: department tree, industry chains, 包联 responsibility, time in stage
# Kinds of node in the department tree (city → county → town/street/park); "unassigned" is the one
# holding node per county for firms whose town is not known yet (the migration's backfill).
DEPT_KINDS = {
    "city": N_("市"),
    "county": N_("县区"),
    "town": N_("镇"),
    "street": N_("街道"),
    "park": N_("园区"),
    "unassigned": N_("未划分乡镇"),
}
TOWN_KINDS = ("town", "street", "park", "unassigned")
UNASSIGNED_TOWN = N_("未划分乡镇")
ROLE_TOWN_OFFICER_LABEL = N_("乡镇专员")
# The city's industry chains (产业链), code -> label; stored as rows of ``industry_chain`` (data), this is the
# seed list the migration and the demo put there.
INDUSTRY_CHAINS = {
    "pharma": N_("新医药"),
    "materials": N_("新材料"),
    "energy": N_("新能源"),
    "equipment": N_("高端装备"),
    "petrochem": N_("石化"),
    "marine": N_("海洋"),
    "digital": N_("数字经济"),
    "other": N_("其他"),
}
NO_CHAIN = N_("未标注产业链")
FIRM_FIELDS["town"] = N_("乡镇/街道")  # the Excel column and the audit field name
# Workload / progress columns (dashboard, workload page, briefing packs).
WORKLOAD_FIGURES = {
    "firms": N_("联系企业"),
    "overdue": N_("逾期里程碑"),
    "ready": N_("可申报企业"),
    "at_risk": N_("风险企业"),
    "stalled": N_("停滞企业"),
}
RESPONSIBILITY_ROLES = {"officer": N_("责任人"), "leader": N_("包联领导")}
# Time in stage and stalled firms
STALLED_LABEL = N_("停滞")
EXIT_SUGGESTION_LABEL = N_("建议退库")
AUDIT_ENTITIES["target_split"] = N_("分解目标")


# ---- issue 17: the history in words (labels and values of the audit log)
# The history (audit log) in words: what was done, to which field, with which values (issue 17).
AUDIT_ACTIONS.update(
    {
        "stage": N_("调整阶段"),
        "submit": N_("报送"),
        "review": N_("审核"),
        "regenerate": N_("重新生成"),
        "revoke": N_("吊销"),
        "unlock": N_("解锁"),
        "reset_password": N_("重置密码"),
        "change_password": N_("修改密码"),
        "requeue": N_("重新发送"),
    }
)
AUDIT_ENTITIES.update(
    {"annual_report": N_("高企年报"), "setting": N_("系统设置"), "delivery": N_("提醒发送")}
)
# field labels shared by every entity; ``AUDIT_ENTITY_FIELDS`` below names what differs per entity
AUDIT_FIELDS = {
    **FIRM_FIELDS,
    **{k: v[0] for k, v in YEAR_FIELDS.items()},
    "year": N_("年度"),
    "is_estimate": N_("估算数"),
    "tech_staff_tsme": N_("科技人员（科小口径）"),
    "rd_deductible": N_("可加计扣除研发费用（万元）"),
    "total_assets": N_("资产总额（万元）"),
    "total_cost": N_("成本费用总额（万元）"),
    "tsme_year": N_("科小入库年度"),
    "officer_id": N_("责任专员"),
    "reason": N_("原因"),
    "status": N_("状态"),
    "note": N_("备注"),
    "title": N_("名称"),
    "kind": N_("类别"),
    "number": N_("编号"),
    "filed_on": N_("申请日"),
    "granted_on": N_("授权日"),
    "acquired": N_("获得方式"),
    "core": N_("核心知识产权"),
    "related": N_("与主营产品相关"),
    "used_in_application": N_("已用于申报"),
    "form": N_("转化方式"),
    "occurred_on": N_("发生日期"),
    "description": N_("情况说明"),
    "present": N_("已具备的材料"),
    "target_batch": N_("目标批次"),
    "changes": N_("里程碑变动数"),
    "submitted": N_("已报送"),
    "submitted_on": N_("报送日期"),
    "name": N_("名称"),
    "revoked": N_("已吊销"),
    "active": N_("启用"),
    "locale": N_("界面语言"),
    "email": N_("邮箱"),
    "phone": N_("电话"),
    "display_name": N_("姓名"),
    "notify_inapp": N_("站内通知"),
    "notify_email": N_("邮件提醒"),
    "inapp_digest": N_("站内通知汇总"),
    "email_digest": N_("邮件汇总"),
    "count": N_("数量"),
    "channel": N_("渠道"),
    "attempts": N_("尝试次数"),
    "last_error": N_("最近一次失败原因"),
    "town_id": FIRM_FIELDS["town"],
    "annual_report": ANNUAL_REPORT_CELLS["header"],
}
AUDIT_ENTITY_FIELDS = {
    "firm": {"name": N_("企业名称")},
    "milestone": {
        "status": N_("状态"),
        "evidence_note": N_("完成说明"),
        "done_on": N_("完成日期"),
        "progress_pending": N_("进展待确认"),
        "progress_note": N_("企业报告的进展"),
    },
    "figure_submission": {"status": N_("审核结果"), "note": N_("审核意见"), "fields": N_("采纳的数据项")},
    "ip_asset": {"title": N_("知识产权名称"), "status": N_("状态")},
    "conversion": {"title": N_("成果名称")},
    "roadmap": {
        "added": N_("新增里程碑"),
        "moved": N_("调整日期的里程碑"),
        "removed": N_("删除的里程碑"),
        "superseded": N_("被取代的里程碑"),
        "why": N_("变化的依据"),
    },
}
# value labels per field (per entity where the same key means different things)
AUDIT_VALUES = {
    ("firm", "stage"): STAGES,
    ("firm", "pool_level"): POOL_LEVELS,
    ("milestone", "status"): MILESTONE_STATUSES,
    ("figure_submission", "status"): SUBMISSION_STATUSES,
    ("figure_submission", "fields"): {k: v[0] for k, v in YEAR_FIELDS.items()},
    ("ip_asset", "kind"): IP_KINDS,
    ("ip_asset", "status"): IP_STATUSES,
    ("ip_asset", "acquired"): IP_ACQUIRED,
    ("conversion", "form"): CONVERSION_FORMS,
    ("incident", "kind"): INCIDENT_KINDS,
    ("rd_evidence", "present"): RD_PIECE_LABELS,
    ("user", "inapp_digest"): DIGEST_FREQUENCIES,
    ("user", "email_digest"): DIGEST_FREQUENCIES,
    ("user", "role"): ROLES,
    ("delivery", "channel"): CHANNELS,
    ("delivery", "status"): DELIVERY_STATUSES,
}
AUDIT_EMPTY = N_("（空）")
AUDIT_YES, AUDIT_NO = N_("是"), N_("否")


# ---- issue 18 (continued)
#: stages in which a firm is worked on, so a long silence means it has stalled (not 已申报: it waits for the result)
STALL_STAGES = ("candidate", "pool", "coaching", "to_apply", "failed")
REMINDER_SETTINGS["reminders.stalled_days"] = N_("无进展超过（天）视为停滞")
INBOX_KINDS.update({"stalled": N_("停滞企业"), "exit_suggested": N_("建议退库的企业")})
INBOX_KINDS_FIRM.update({"stalled": N_("停滞企业"), "exit_suggested": N_("建议退库的企业")})
AUDIT_FIELDS.update({"leader_id": RESPONSIBILITY_ROLES["leader"], "chain_id": N_("产业链")})
AUDIT_FIELDS.update({"hnte_target": N_("高企目标"), "tsme_target": N_("科小目标")})
# ---- issue 11 (session 2): more fields named in a stale-form refusal (targets: i18's labels above)
AUDIT_FIELDS.update({"plan_name": N_("所属规划"), "county_id": FIRM_FIELDS["county"]})
# ---- issue 17 (session 3): the county robot settings (the URL is audited masked: it holds the key)
AUDIT_ENTITY_FIELDS["county"] = {"webhook_url": N_("群机器人地址"), "webhook_digest": N_("群机器人提醒方式")}
AUDIT_VALUES[("county", "webhook_digest")] = ALERT_MODES
