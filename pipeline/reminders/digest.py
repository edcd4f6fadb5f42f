"""The weekly digest: for each county officer, what is overdue and what falls due in the next 7 days.

It goes through the same outbox as every reminder (rule ``digest``, period = ISO week), so running
it twice in a week sends nothing twice. Counties with a group robot get the same digest there.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import County, Firm, Milestone, User
from pipeline.models.base import utcnow
from pipeline.reminders.rules import OPEN_MILESTONE, cn
from pipeline.reminders.scan import dedupe_key, write_outbox

MAX_LINES = 20


def week_period(today: date) -> str:
    y, w, _ = today.isocalendar()
    return f"{y}-W{w:02d}"


def _lines(items, today: date, overdue: bool) -> list[str]:
    out = []
    for name, title, due in items[:MAX_LINES]:
        if overdue:
            out.append(f"· {name}：{title}（原定{cn(due)}，逾期{(today - due).days}天）")
        else:
            out.append(f"· {name}：{title}（{cn(due)}到期）")
    if len(items) > MAX_LINES:
        out.append(f"……另有{len(items) - MAX_LINES}项，请登录平台查看")
    return out


def compose(county_name: str, overdue: list, soon: list, today: date) -> tuple[str, str]:
    end = today + timedelta(days=7)
    title = f"【每周汇总】{county_name}：逾期{len(overdue)}项，7天内到期{len(soon)}项"
    parts = [f"{county_name}截至{cn(today)}的培育企业里程碑情况（{cn(today)}至{cn(end)}）："]
    if overdue:
        parts += ["", f"已逾期（{len(overdue)}项）："] + _lines(overdue, today, True)
    if soon:
        parts += ["", f"7天内到期（{len(soon)}项）："] + _lines(soon, today, False)
    if not overdue and not soon:
        parts.append("本周没有逾期或即将到期的里程碑。")
    return title, "\n".join(parts)


def compliance_lines(today: date) -> dict[int, list[str]]:
    """Per county, the certified firms whose stored compliance watch is at risk (issue 16), in lines."""
    from pipeline.models import ComplianceWatch
    from pipeline.services.compliance import active_clause

    with db.engine.connect() as conn:
        rows = conn.execute(
            select(Firm.county_id, Firm.name, ComplianceWatch.summary, ComplianceWatch.reports_missed)
            .join(ComplianceWatch, ComplianceWatch.firm_id == Firm.id)
            .where(ComplianceWatch.status == "at_risk", active_clause(today))
            .order_by(Firm.county_id, Firm.name)
        ).all()
    by_county: dict[int, list] = defaultdict(list)
    for cid, name, summary, missed in rows:
        by_county[cid].append((name, summary, missed))
    out = {}
    for cid, items in by_county.items():
        missed = sum(1 for _, _, m in items if m)
        lines = [f"已认定企业合规风险（{len(items)}家，其中年报逾期{missed}家）："]
        lines += [f"· {name}：{summary}" for name, summary, _ in items[:MAX_LINES]]
        if len(items) > MAX_LINES:
            lines.append(f"……另有{len(items) - MAX_LINES}家，请登录平台查看")
        out[cid] = lines
    return out


def run_digest(today: date) -> dict:
    """Write this week's digest reminders; returns counts. Deliveries go out with the next ``deliver``."""
    now = utcnow()
    with db.engine.connect() as conn:
        counties = {
            c.id: (c.name, c.webhook_url)
            for c in conn.execute(select(County.id, County.name, County.webhook_url))
        }
        from pipeline.models import DeptNode
        from pipeline.vocabulary import TOWN_KINDS

        # issue 18: the county digest is for county officers; a town officer's would list other towns' firms
        town_level = (
            select(User.id).join(DeptNode, DeptNode.id == User.node_id).where(DeptNode.kind.in_(TOWN_KINDS))
        )
        officers = conn.execute(
            select(User.id, User.county_id, User.email, User.notify_inapp, User.notify_email).where(
                User.role == "officer",
                User.active.is_(True),
                User.county_id.isnot(None),
                User.id.not_in(town_level),
            )
        ).all()
        items = conn.execute(
            select(Firm.county_id, Firm.name, Milestone.title, Milestone.due)
            .join(Firm, Firm.id == Milestone.firm_id)
            .where(
                Milestone.status.in_(OPEN_MILESTONE),
                Milestone.due <= today + timedelta(days=7),
                Firm.stage != "exited",
            )
            .order_by(Milestone.due, Firm.name)
        ).all()
    overdue, soon = defaultdict(list), defaultdict(list)
    for county_id, name, title, due in items:
        (overdue if due < today else soon)[county_id].append((name, title, due))
    period = week_period(today)
    rows = []
    wanted_counties = {o.county_id for o in officers} | {cid for cid, (_, hook) in counties.items() if hook}
    texts = {
        cid: compose(counties[cid][0], overdue[cid], soon[cid], today)
        for cid in wanted_counties
        if cid in counties
    }
    for cid, lines in compliance_lines(today).items():  # issue 16: certified firms at risk, 年报 missed
        if cid in texts:
            title, body = texts[cid]
            texts[cid] = (title, body + "\n\n" + "\n".join(lines))
    for o in officers:
        if o.county_id not in texts:
            continue
        title, body = texts[o.county_id]
        chs = tuple(
            c for c, on in (("inapp", o.notify_inapp), ("email", o.notify_email and bool(o.email))) if on
        )
        rows.append(
            (
                dict(
                    dedupe_key=dedupe_key("digest", "county", o.county_id, period, f"u{o.id}"),
                    rule="digest",
                    subject_type="county",
                    subject_id=o.county_id,
                    period=period,
                    firm_id=None,
                    county_id=o.county_id,
                    user_id=o.id,
                    due_on=None,
                    title=title,
                    body=body,
                    link="/notifications",
                    created_at=now,
                    scan_id=None,
                ),
                chs,
            )
        )
    for cid, (_, hook) in counties.items():
        if hook and cid in texts:
            title, body = texts[cid]
            rows.append(
                (
                    dict(
                        dedupe_key=dedupe_key("digest", "county", cid, period, f"c{cid}"),
                        rule="digest",
                        subject_type="county",
                        subject_id=cid,
                        period=period,
                        firm_id=None,
                        county_id=cid,
                        user_id=None,
                        due_on=None,
                        title=title,
                        body=body,
                        link="/",
                        created_at=now,
                        scan_id=None,
                    ),
                    ("webhook",),
                )
            )
    created, deliveries, _ = write_outbox(rows, now)
    return {"period": period, "officers": len(officers), "created": created, "deliveries": deliveries}
