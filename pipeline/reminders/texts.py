"""Reminder, notification and digest texts as message codes + params, in Chinese and English (issue 17).

PURE (no Flask, no SQLAlchemy): the rules, the scan, the event notifications and the digests build
their texts here; the pages, the e-mails and the robot render them.

The one definition
------------------
:data:`TEXTS` holds, per message code, the Chinese and the English template side by side (a table,
not gettext msgids: the texts are rendered outside any request — the scan, the digests, each e-mail
in its recipient's saved locale — and a test iterates the table). A reminder row keeps its code
(``msg_code``) and language-neutral params (``msg_params``); the title is template ``<code>.title``,
the body ``<code>.body``. The stored ``title`` / ``body`` columns are the Chinese rendering made at
creation (what the county robot posts and what a Chinese reader sees, unchanged); rows written
before codes existed keep showing their stored text in every language.

Params (JSON): numbers and strings as they are; a name ending in ``_on`` is an ISO date ("2027年3月1日"
in Chinese, "2027-03-01" in English); a dict with ``code`` is a nested message of this table; a dict
``{"zh": text, "msg": message}`` is a text with a Chinese original (a milestone title, a compliance
summary): English renders ``msg`` (this table, else the engine's ``criteria.messages``) and falls back
to the Chinese; ``{"label": 中文标签}`` is a vocabulary label, translated by the caller's ``tr``; a
list is joined with "、" (", "), except ``lines`` (one per line); ``stand_in`` (true) appends the
"no account yet" note to the body.
"""

from __future__ import annotations

from datetime import date

from pipeline.criteria.messages import Msg

__all__ = [
    "TEXTS",
    "LANGS",
    "pair",
    "line",
    "blank",
    "lines_pair",
    "reminder_title",
    "render",
    "render_row",
    "cn",
    "msg",
    "loc",
    "label",
]

LANGS = ("zh", "en")


def cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


_FIVE = "累计两年未填报将被取消高企资格。"
_FIVE_EN = "Two years without it revoke the HNTE status."

#: code -> {"zh": template, "en": template} (``str.format`` with the rendered params).
TEXTS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ reminder rules (reminders.rules)
    "milestone_overdue.title": {"zh": "【已逾期】{firm}：{title}", "en": "[Overdue] {firm}: {title}"},
    "milestone_overdue.body": {
        "zh": "{firm}的里程碑“{title}”原定于{due_on}完成，已逾期{days}天，请尽快处理并更新进度。",
        "en": "Milestone “{title}” of {firm} was due on {due_on} and is {days} days overdue; please deal with "
        "it and update its progress.",
    },
    "milestone_due.title": {"zh": "【{when}到期】{firm}：{title}", "en": "[Due {when}] {firm}: {title}"},
    "milestone_due.body": {
        "zh": "{firm}的里程碑“{title}”将于{due_on}到期（{when}），负责方：{owner}。",
        "en": "Milestone “{title}” of {firm} is due on {due_on} ({when}); responsible: {owner}.",
    },
    "w.today": {"zh": "今天", "en": "today"},
    "w.in_days": {"zh": "{n}天后", "en": "in {n} days"},
    "w.owner.officer": {"zh": "县区专员", "en": "the county officer"},
    "w.owner.firm": {"zh": "企业", "en": "the firm"},
    "batch_cutoff.title": {
        "zh": "【申报{when}】{firm}：{batch}批次",
        "en": "[Application {when}] {firm}: batch {batch}",
    },
    "batch_cutoff.body": {
        "zh": "{firm}的目标申报批次{batch}将于{cutoff_on}截止（{when}），请确认申报材料、专项审计报告和知识产权证明已齐备。",
        "en": "The target application batch {batch} of {firm} closes on {cutoff_on} ({when}); please check that "
        "the application documents, the special audit report and the IP certificates are complete.",
    },
    "w.closes_today": {"zh": "今天截止", "en": "closes today"},
    "w.closes_in": {"zh": "还有{n}天截止", "en": "closes in {n} days"},
    "w.date": {"zh": "{date_on}", "en": "{date_on}"},
    "w.date_moved": {
        "zh": "{date_on}（{nominal_on}为节假日，顺延至下一工作日）",
        "en": "{date_on} ({nominal_on} is a public holiday or weekend, so the next working day)",
    },
    "annual_report.title": {
        "zh": "【高企年报】{firm}：请于{due_on}前填报{report_year}年度发展情况报表",
        "en": "[HNTE annual report] {firm}: file the {report_year} development report by {due_on}",
    },
    "annual_report.body": {
        "zh": "{firm}是有效期内的高新技术企业，须在{deadline}前在高新技术企业认定管理工作网填报{report_year}"
        "年度知识产权、科技人员、研发费用和经营收入等年度发展情况。" + _FIVE,
        "en": "{firm} is a certified HNTE and must file its {report_year} development report (IP, tech staff, "
        "R&D expenses and income) on the HNTE recognition platform by {deadline}. " + _FIVE_EN,
    },
    "annual_report_missed.title": {
        "zh": "【年报逾期】{firm}：{year}年高企年报未按期填报",
        "en": "[Annual report missed] {firm}: the {year} HNTE annual report was not filed in time",
    },
    "annual_report_missed.body": {
        "zh": "{firm}的{year}年高新技术企业年度发展情况报表应于{due_on}前填报，登记为未填报。请尽快补报；"
        + _FIVE,
        "en": "The {year} HNTE development report of {firm} was due by {due_on} and is recorded as not filed. "
        "Please file it late as soon as possible; " + _FIVE_EN[0].lower() + _FIVE_EN[1:],
    },
    "annual_report_unrecorded.title": {
        "zh": "【年报待核实】{firm}：{year}年高企年报截止后仍无填报记录",
        "en": "[Annual report to verify] {firm}: no record of the {year} HNTE annual report after its deadline",
    },
    "annual_report_unrecorded.body": {
        "zh": "{firm}的{year}年高新技术企业年度发展情况报表应于{due_on}前填报，平台尚无填报记录。"
        "请核实：已填报的请在企业页面登记填报日期，未填报的请尽快补报并登记“未报”。" + _FIVE,
        "en": "The {year} HNTE development report of {firm} was due by {due_on}; the platform has no record of "
        "it. Please verify: if it was filed, record the filing date on the firm page; if not, file it late as "
        "soon as possible and record it as not filed. " + _FIVE_EN,
    },
    "annual_report_revocation.title": {
        "zh": "【取消资格风险】{firm}：已累计{n}年未报高企年报",
        "en": "[Revocation risk] {firm}: {n} years without an HNTE annual report",
    },
    "annual_report_revocation.body": {
        "zh": "{firm}已累计{n}年（{years}年）未按期填报高企年报，按《高新技术企业认定管理办法》第十九条"
        "将被取消高新技术企业资格，请立即核实并补报。",
        "en": "{firm} has not filed its HNTE annual report in time for {n} years ({years}); under art. 19 of the "
        "HNTE Measures its HNTE status will be revoked. Please verify and file the missing reports at once.",
    },
    "compliance_risk.title": {
        "zh": "【合规风险】{firm}：已认定高企存在不再符合条件的风险",
        "en": "[Compliance risk] {firm}: the certified HNTE risks no longer meeting the conditions",
    },
    "compliance_risk.body": {
        "zh": "{firm}按最新数据：{summary}。抽查不合格将被取消资格并追缴税款，请尽快整改。",
        "en": "{firm} on the latest figures: {summary}. Failing a random check revokes the status and back taxes "
        "are recovered; please put it right soon.",
    },
    "cw.reasons": {"zh": "{items}", "en": "{items}"},
    "cw.rd_ratio": {"zh": "研发费用占比低于标准", "en": "the R&D share is below its band"},
    "cw.hightech_income": {"zh": "高新技术产品收入占比低于60%", "en": "high-tech income is below 60%"},
    "cw.tech_staff": {"zh": "科技人员占比低于10%", "en": "tech staff are below 10%"},
    "cw.incident": {
        "zh": "近一年内发生重大事故或违法行为",
        "en": "a major accident or violation within the last year",
    },
    "cw.annual_report_missed": {
        "zh": "高企年报未按期填报",
        "en": "an HNTE annual report was not filed in time",
    },
    "cw.annual_report_revocation": {
        "zh": "累计两年未报高企年报",
        "en": "two years without an HNTE annual report",
    },
    "tsme_window.title": {
        "zh": "【科小评价】{firm}：{year}年科技型中小企业评价{opens_on}开始",
        "en": "[Tech-SME evaluation] {firm}: the {year} tech-based SME evaluation opens on {opens_on}",
    },
    "tsme_window.body": {
        "zh": "{year}年科技型中小企业评价将于{opens_on}开始、{closes_on}截止，{firm}{what}。"
        "请提前准备上年度财务数据、科技人员名单和知识产权证明。",
        "en": "The {year} tech-based SME evaluation opens on {opens_on} and closes on {closes_on}; {firm} {what}. "
        "Prepare last year's financial figures, the tech-staff list and the IP certificates in advance.",
    },
    "w.tsme.renew": {"zh": "须重新自评入库", "en": "must evaluate itself again to stay registered"},
    "w.tsme.first": {
        "zh": "可准备首次评价入库（首次申请预计现场核查）",
        "en": "can prepare its first evaluation (a first application usually gets a site check)",
    },
    "cert_expiry.title": {
        "zh": "【证书{m}个月内到期】{firm}：高企证书{expiry_on}到期",
        "en": "[Certificate expires within {m} months] {firm}: the HNTE certificate expires on {expiry_on}",
    },
    "cert_expiry.body": {
        "zh": "{firm}的高新技术企业证书将于{expiry_on}到期。没有复审，须在{year}年按认定条件重新申报；"
        "请对照路线图准备材料，并留意{year}年的申报批次。",
        "en": "The HNTE certificate of {firm} expires on {expiry_on}. There is no renewal: the firm must apply "
        "again under the recognition conditions in {year}; prepare the documents along the roadmap and watch "
        "the {year} application batches.",
    },
    "cert_expired.title": {
        "zh": "【证书已过期】{firm}：高企证书{expiry_on}已到期",
        "en": "[Certificate expired] {firm}: the HNTE certificate expired on {expiry_on}",
    },
    "cert_expired.body": {
        "zh": "{firm}的高新技术企业证书已于{expiry_on}到期，平台不再将其计为有效高企。"
        "请在企业页面确认阶段调整（建议转入“入库培育”），并安排重新申报。",
        "en": "The HNTE certificate of {firm} expired on {expiry_on}; the platform no longer counts it as a valid "
        "HNTE. Please confirm the stage change on the firm page (moving it back to the cultivation pool is "
        "suggested) and plan the new application.",
    },
    "tsme_update.title": {
        "zh": "【科技型中小企业】{firm}：请于{due_on}前完成{year}年度信息更新",
        "en": "[Tech-based SME] {firm}: update the {year} record by {due_on}",
    },
    "tsme_update.body": {
        "zh": "{firm}已入库科技型中小企业（登记编号{reg_no}），须在{deadline}前更新年度信息并重新自评，"
        "逾期未更新将被移出名单。",
        "en": "{firm} is a registered tech-based SME (registration number {reg_no}) and must update its yearly "
        "record and evaluate itself again by {deadline}; a firm that does not is removed from the list.",
    },
    "stale_data.title": {
        "zh": "【数据待补】{firm}：尚未填报{year}年度财务与人员数据",
        "en": "[Figures missing] {firm}: no financial and staff figures for {year} yet",
    },
    "stale_data.body": {
        "zh": "{firm}还没有{year}年度的销售收入、研发费用、人员等数据，评估和路线图仍按旧数据计算。"
        "请尽快补充{year}年度数据。",
        "en": "{firm} has no sales, R&D expense or staff figures for {year} yet; the assessment and the roadmap "
        "still use older figures. Please enter the {year} figures soon.",
    },
    "stage_stuck.title": {
        "zh": "【阶段停留过久】{firm}：已{days}天未推进",
        "en": "[Stage unchanged too long] {firm}: no progress for {days} days",
    },
    "stage_stuck.body": {
        "zh": "{firm}自{since_on}起一直处于“{stage}”阶段，已超过{limit}天，请跟进或调整阶段。",
        "en": "{firm} has been at the stage “{stage}” since {since_on}, more than {limit} days; please follow up "
        "or change the stage.",
    },
    "w.no_account": {
        "zh": "（该企业还没有平台账号，此提醒发给县区专员，请代为转告企业。）",
        "en": " (The firm has no account on the platform yet, so this reminder goes to the county officer: "
        "please pass it on.)",
    },
    # ------------------------------------------------------------ event notifications (services.notify)
    "submission.title": {
        "zh": "{firm}报送了{year}年度新数据",
        "en": "New figures from {firm} for {year}",
    },
    "submission.body": {
        "zh": "{firm}报送了{year}年度{n}项修改的数据，请在企业页面审核。",
        "en": "{firm} submitted {n} changed figures for {year}; review them on the firm page.",
    },
    "submission_decision.title": {
        "zh": "您报送的{year}年度数据已审核",
        "en": "Your figures for {year} were reviewed",
    },
    "submission_decision.body": {
        "zh": "审核结果：{status}。{note}",
        "en": "Decision: {status}. {note}",
    },
    "progress_report.title": {"zh": "{firm}报告了进展", "en": "Progress report from {firm}"},
    "progress_report.body": {
        "zh": "{firm}报告了“{title}”的进展：{note}",
        "en": "{firm} reported progress on “{title}”: {note}",
    },
    "milestone_superseded.title": {
        "zh": "{firm}：一项有待确认进展的里程碑已被取代",
        "en": "{firm}: a milestone with a pending progress report was superseded",
    },
    "milestone_superseded.body": {
        "zh": "重新生成路线图时，“{old}”已被“{new}”取代。企业的进展报告“{note}”保留在原里程碑上，请核实是否适用于新的里程碑。",
        "en": "“{old}” was superseded by “{new}” when the roadmap was regenerated. The firm's report “{note}” "
        "stays on the old milestone; check whether it applies to the new one.",
    },
    # ------------------------------------------------------------ digests (reminders.digest): code "lines"
    # A digest row's title is its ``head`` message and its body its ``lines``, one message per line.
    "lines.title": {"zh": "{head}", "en": "{head}"},
    "lines.body": {"zh": "{lines}", "en": "{lines}"},
    "w.blank": {"zh": "", "en": ""},
    "w.daily": {"zh": "每日汇总", "en": "Daily digest"},
    "w.weekly": {"zh": "每周汇总", "en": "Weekly digest"},
    "w.more": {"zh": "……另有{n}项，请登录平台查看", "en": "… and {n} more: log in to see them"},
    "w.more_firms": {"zh": "……另有{n}家，请登录平台查看", "en": "… and {n} more firms: log in to see them"},
    "w.more_reminders": {
        "zh": "……另有{n}条，请登录平台查看",
        "en": "… and {n} more reminders: log in to see them",
    },
    "digest.title": {
        "zh": "【{word}】{county}：逾期{overdue}项，7天内到期{soon}项",
        "en": "[{word}] {county}: {overdue} overdue, {soon} due within 7 days",
    },
    "digest.head": {
        "zh": "{county}截至{today_on}的培育企业里程碑情况（{today_on}至{end_on}）：",
        "en": "Milestones of the firms in cultivation in {county} as of {today_on} ({today_on} to {end_on}):",
    },
    "digest.overdue": {"zh": "已逾期（{n}项）：", "en": "Overdue ({n}):"},
    "digest.overdue.item": {
        "zh": "· {firm}：{title}（原定{due_on}，逾期{days}天）",
        "en": "· {firm}: {title} (due {due_on}, {days} days overdue)",
    },
    "digest.soon": {"zh": "7天内到期（{n}项）：", "en": "Due within 7 days ({n}):"},
    "digest.soon.item": {"zh": "· {firm}：{title}（{due_on}到期）", "en": "· {firm}: {title} (due {due_on})"},
    "digest.none": {
        "zh": "本周没有逾期或即将到期的里程碑。",
        "en": "No milestone is overdue or due soon this week.",
    },
    "digest.compliance": {
        "zh": "已认定企业合规风险（{n}家，其中年报逾期{missed}家）：",
        "en": "Compliance risks of certified firms ({n}, of which {missed} with a missed annual report):",
    },
    "digest.item": {"zh": "· {firm}：{what}", "en": "· {firm}: {what}"},
    "digest.submissions": {"zh": "待审核的企业报送（{n}项）：", "en": "Firm submissions to review ({n}):"},
    "digest.progress": {"zh": "待确认的进展报告（{n}项）：", "en": "Progress reports to confirm ({n}):"},
    "w.year_figures": {"zh": "{year}年度数据", "en": "figures for {year}"},
    "digest.stalled": {"zh": "停滞企业（{n}家）：", "en": "Stalled firms ({n}):"},
    "stall.why": {
        "zh": "{stage}阶段，自{since_on}起已{days}天无阶段推进、任务进展或数据更新",
        "en": "at the stage “{stage}”, no stage move, task progress or data update for {days} days since "
        "{since_on}",
    },
    "user_digest.title": {
        "zh": "【{word}】{n}条提醒，{todo}项待处理",
        "en": "[{word}] {n} reminders, {todo} to do",
    },
    "user_digest.head": {
        "zh": "截至{today_on}，您的非紧急提醒和待办汇总如下（紧急提醒已即时发送）：",
        "en": "As of {today_on}, your non-urgent reminders and to-dos (urgent reminders were sent at once):",
    },
    "user_digest.todo": {"zh": "待您处理：", "en": "Waiting for you:"},
    "user_digest.kind": {"zh": "{kind}（{n}项）：", "en": "{kind} ({n}):"},
    "user_digest.held": {"zh": "提醒（{n}条）：", "en": "Reminders ({n}):"},
    "user_digest.held.due": {"zh": "· {title}（{due_on}到期）", "en": "· {title} (due {due_on})"},
    "user_digest.held.item": {"zh": "· {title}", "en": "· {title}"},
}


# ------------------------------------------------------------------ building (the writers)


def _plain(v):
    """A param as JSON: dates as ISO strings, messages as their dicts."""
    if isinstance(v, Msg):
        return v.to_json()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, frozenset, set)):
        return [_plain(x) for x in v]
    return v


def msg(code: str, **params) -> dict:
    """A nested message param."""
    return {"code": code, "params": _plain(params)} if params else {"code": code}


def loc(zh: str, message: dict | None = None) -> dict:
    """A text whose original is Chinese (a milestone title, a summary), with its message when known."""
    return {"zh": zh, "msg": message} if message else {"zh": zh}


def label(zh_label: str) -> dict:
    """A vocabulary label (the Chinese msgid); English through the caller's ``tr``."""
    return {"label": zh_label}


def line(code: str, **params) -> Msg:
    """One sentence (a digest line, a nested phrase) as a Chinese :class:`Msg` carrying its code."""
    p = _plain(params)
    zh = render_key(code, p, "zh")
    if zh is None:
        raise KeyError(code)
    return Msg(code, zh, **p)


def blank() -> Msg:
    return line("w.blank")


def lines_pair(head: Msg, lines: list) -> tuple[Msg, Msg]:
    """(title, body) of a digest: the head message and its lines (each a :class:`Msg`), code ``lines``."""
    p = {"head": head.to_json(), "lines": [m.to_json() for m in lines]}
    return Msg("lines", str(head), **p), Msg("lines", "\n".join(lines), **p)


def reminder_title(code: str | None, params: dict | None, stored: str) -> dict:
    """A stored reminder's title as a param of another text (a digest line)."""
    if code and f"{code}.title" in TEXTS:
        return loc(stored, {"code": f"{code}.title", "params": params or {}})
    return loc(stored)


def pair(code: str, **params) -> tuple[Msg, Msg]:
    """(title, body) of ``code`` as Chinese :class:`Msg` strings carrying the code and the JSON params."""
    p = _plain(params)
    title = render_key(f"{code}.title", p, "zh")
    body = render_key(f"{code}.body", p, "zh")
    if title is None or body is None:
        raise KeyError(code)
    return Msg(code, title, **p), Msg(code, body, **p)


# ------------------------------------------------------------------ rendering (the readers)


def _iso(s) -> date | None:
    try:
        return date.fromisoformat(s)
    except (TypeError, ValueError):
        return None


def _param(name: str, v, lang: str, tr):
    if isinstance(v, dict):
        if "code" in v:
            return render_key(v["code"], v.get("params") or {}, lang, tr)
        if "label" in v:
            return tr(v["label"]) if (lang != "zh" and tr) else v["label"]
        if "zh" in v:
            if lang != "zh" and v.get("msg"):
                out = _msg_in(v["msg"], lang, tr)
                if out is not None:
                    return out
            return v["zh"]
        return None
    if isinstance(v, list):
        parts = [_param(name, x, lang, tr) for x in v]
        if any(p is None for p in parts):
            return None
        sep = "\n" if name == "lines" else ("、" if lang == "zh" else ", ")
        return sep.join(map(str, parts))
    if name.endswith("_on") and isinstance(v, str):
        d = _iso(v)
        if d is not None:
            return cn(d) if lang == "zh" else d.isoformat()
    return "" if v is None else v


def _msg_in(m: dict, lang: str, tr):
    """A nested message: this table's code, else an engine message (``criteria.messages``)."""
    code = m.get("code")
    if code in TEXTS:
        return render_key(code, m.get("params") or {}, lang, tr)
    from pipeline.criteria.messages import render as engine_render

    return engine_render(m, lang)


def render_key(code: str, params: dict, lang: str, tr=None) -> str | None:
    """Template ``code`` in ``lang`` with ``params``; None when the code or a param cannot be rendered."""
    tpl = (TEXTS.get(code) or {}).get(lang)
    if tpl is None:
        return None
    vals = {}
    for k, v in (params or {}).items():
        out = _param(k, v, lang, tr)
        if out is None:
            return None
        vals[k] = out
    try:
        return tpl.format(**vals)
    except (KeyError, IndexError, ValueError):
        return None


def render(code: str | None, params: dict | None, part: str, lang: str, tr=None) -> str | None:
    """The ``part`` ("title" / "body") of a stored reminder message in ``lang``; None if not renderable."""
    if not code:
        return None
    params = params or {}
    out = render_key(f"{code}.{part}", params, lang, tr)
    if out is not None and part == "body" and params.get("stand_in"):
        note = render_key("w.no_account", {}, lang, tr)
        out = out + (note or "")
    return out


def render_row(row, part: str, lang: str, tr=None) -> str:
    """A reminder row's title / body in ``lang``: from its code when it has one and ``lang`` is not
    Chinese, else the stored (Chinese) text. ``row`` has ``msg_code``, ``msg_params``, ``title``, ``body``."""
    stored = getattr(row, part, None) or ""
    if lang == "zh":
        return stored
    out = render(getattr(row, "msg_code", None), getattr(row, "msg_params", None), part, lang, tr)
    return stored if out is None else out
