"""The weekly digest: for each county officer, what is overdue and what falls due in the next 7 days.

It goes through the same outbox as every reminder (rule ``digest``, period = ISO week), so running
it twice in a week sends nothing twice. Counties with a group robot get the same digest there.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import County, Firm, Milestone, User
from pipeline.models.base import utcnow
from pipeline.reminders.rules import OPEN_MILESTONE
from pipeline.reminders.scan import dedupe_key, write_outbox
from pipeline.reminders.texts import cn

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


def compose(
    county_name: str, overdue: list, soon: list, today: date, frequency: str = "weekly"
) -> tuple[str, str]:
    end = today + timedelta(days=7)
    word = "每日汇总" if frequency == "daily" else "每周汇总"
    title = f"【{word}】{county_name}：逾期{len(overdue)}项，7天内到期{len(soon)}项"
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


def review_lines() -> dict[int, list[str]]:
    """Per county, the figure submissions to review and the progress reports to confirm (issue 11/17), in lines."""
    from pipeline.models import FigureSubmission

    with db.engine.connect() as conn:
        subs = conn.execute(
            select(Firm.county_id, Firm.name, FigureSubmission.year)
            .join(Firm, Firm.id == FigureSubmission.firm_id)
            .where(FigureSubmission.status == "pending", Firm.stage != "exited")
            .order_by(Firm.county_id, FigureSubmission.submitted_at)
        ).all()
        progress = conn.execute(
            select(Firm.county_id, Firm.name, Milestone.title)
            .join(Firm, Firm.id == Milestone.firm_id)
            .where(Milestone.progress_pending.is_(True), Firm.stage != "exited")
            .order_by(Firm.county_id, Milestone.updated_at)
        ).all()
    by_county: dict[int, list[str]] = defaultdict(list)
    for cid, lines in _grouped(subs, "待审核的企业报送", lambda r: f"· {r.name}：{r.year}年度数据").items():
        by_county[cid] += lines
    for cid, lines in _grouped(progress, "待确认的进展报告", lambda r: f"· {r.name}：{r.title}").items():
        by_county[cid] += ([""] if by_county[cid] else []) + lines
    return dict(by_county)


def _grouped(rows, heading: str, line) -> dict[int, list[str]]:
    """Rows (with a ``county_id``) as a heading and one ``line(row)`` each, per county."""
    groups: dict[int, list] = defaultdict(list)
    for r in rows:
        groups[r.county_id].append(r)
    out = {}
    for cid, items in groups.items():
        lines = [f"{heading}（{len(items)}项）："] + [line(r) for r in items[:MAX_LINES]]
        if len(items) > MAX_LINES:
            lines.append(f"……另有{len(items) - MAX_LINES}项，请登录平台查看")
        out[cid] = lines
    return out


def stalled_lines(user: User, today: date) -> list[str]:
    """The lines the digests add for ``user``'s stalled firms (issue 18: ``services.stalls``; no stage
    move, milestone progress or data update for more than the ``reminders.stalled_days`` setting)."""
    from pipeline.services.stalls import digest_items

    items = digest_items(user, today)
    if not items:
        return []
    lines = [f"停滞企业（{len(items)}家）："] + [f"· {name}：{why}" for name, why in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"……另有{len(items) - MAX_LINES}家，请登录平台查看")
    return lines


class _CountyDigest(NamedTuple):
    name: str
    hook: str | None  # the robot URL that gets this frequency's digest, or None


def run_digest(today: date, frequency: str = "weekly") -> dict:
    """Write this period's county digest reminders; returns counts. Deliveries go out with the next ``deliver``.

    ``weekly``: every county officer (on each channel they receive on) and the county robots set to a
    weekly digest; ``daily``: only the robots set to a daily digest (an officer's own daily digest is
    ``run_user_digests``).
    """
    now = utcnow()
    with db.engine.connect() as conn:
        counties = {  # id → (name, the robot to post this frequency's digest to, or None)
            c.id: _CountyDigest(
                c.name, c.webhook_url if (c.webhook_digest or "weekly") == frequency else None
            )
            for c in conn.execute(select(County.id, County.name, County.webhook_url, County.webhook_digest))
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
        if frequency != "weekly":
            officers = []
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
    period = week_period(today) if frequency == "weekly" else today.isoformat()
    rows = []
    wanted_counties = {o.county_id for o in officers} | {cid for cid, c in counties.items() if c.hook}
    texts = {
        cid: compose(counties[cid].name, overdue[cid], soon[cid], today, frequency)
        for cid in wanted_counties
        if cid in counties
    }
    for extra in (compliance_lines(today), review_lines()):  # issue 16: compliance; 11/17: what to review
        for cid, lines in extra.items():
            if cid in texts:
                title, body = texts[cid]
                texts[cid] = (title, body + "\n\n" + "\n".join(lines))
    from pipeline.reminders.prefs import channels_of

    for o in officers:
        if o.county_id not in texts:
            continue
        title, body = texts[o.county_id]
        stalled = stalled_lines(db.session.get(User, o.id), today)  # issue 18 hook (per officer's scope)
        if stalled:
            body = body + "\n\n" + "\n".join(stalled)
        chs = tuple(c for c, _ in channels_of(o))  # the county digest is itself a digest: never held
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
    for cid, (_name, hook) in counties.items():
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


# ------------------------------------------------------------------ issue 17: the user's own digest

# Event notifications whose subject the worklist section shows in its current state (a submission
# already reviewed needs nothing any more), so the digest does not list them a second time.
REVIEW_RULES = ("submission", "progress_report")
REVIEW_KINDS = {"officer": ("submission", "progress"), "firm": ("returned",)}


def _held_rows(user_ids: list[int]):
    from pipeline.models import Delivery, Reminder
    from pipeline.reminders.prefs import HELD

    if not user_ids:
        return []
    return db.session.execute(
        select(
            Delivery.id,
            Delivery.channel,
            Reminder.id.label("reminder_id"),
            Reminder.user_id,
            Reminder.rule,
            Reminder.title,
            Reminder.due_on,
        )
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .where(Delivery.status == HELD, Reminder.user_id.in_(user_ids))
        .order_by(Reminder.due_on.is_(None), Reminder.due_on, Reminder.id)
    ).all()


def _review_section(user: User, today: date) -> tuple[int, list[str]]:
    """What waits for this user's action, from the inbox's read model (scoped to the user)."""
    from pipeline.services import worklist
    from pipeline.vocabulary import INBOX_KINDS, INBOX_KINDS_FIRM

    kinds = REVIEW_KINDS.get(user.role, ())
    if not kinds:
        return 0, []
    labels = INBOX_KINDS_FIRM if user.role == "firm" else INBOX_KINDS
    counts = worklist.counts(user, today, kinds=kinds)
    total = sum(counts.values())
    if not total:
        return 0, []
    found = worklist.items(user, today)
    lines = ["待您处理："]
    for kind in kinds:
        if not counts.get(kind):
            continue
        lines.append(f"{labels[kind]}（{counts[kind]}项）：")
        for it in found.get(kind, [])[:MAX_LINES]:
            what = f"{it.year}年度数据" if it.year else it.title
            lines.append(f"· {it.firm_name}：{what}")
        if counts[kind] > MAX_LINES:
            lines.append(f"……另有{counts[kind] - MAX_LINES}项，请登录平台查看")
    return total, lines


def compose_user_digest(
    frequency: str, today: date, review_total: int, review: list[str], held: list, stalled: list[str]
) -> tuple[str, str]:
    """The personal digest's title and body (Chinese, as every outbox text)."""
    word = "每日汇总" if frequency == "daily" else "每周汇总"
    title = f"【{word}】{len(held)}条提醒，{review_total}项待处理"
    parts = [f"截至{cn(today)}，您的非紧急提醒和待办汇总如下（紧急提醒已即时发送）："]
    if review:
        parts += [""] + review
    if held:
        parts += ["", f"提醒（{len(held)}条）："]
        for title_, due in held[:MAX_LINES]:
            parts.append(f"· {title_}（{cn(due)}到期）" if due else f"· {title_}")
        if len(held) > MAX_LINES:
            parts.append(f"……另有{len(held) - MAX_LINES}条，请登录平台查看")
    if stalled:
        parts += [""] + stalled
    return title, "\n".join(parts)


def _digest_users(frequency: str) -> list[User]:
    col_in, col_em = User.inapp_digest, User.email_digest
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.role.in_(("officer", "firm")),
                ((User.notify_inapp.is_(True)) & (col_in == frequency))
                | ((User.notify_email.is_(True)) & (col_em == frequency)),
            )
            .order_by(User.id)
        )
    )


def run_user_digests(today: date, frequency: str) -> dict:
    """Each user who chose a ``frequency`` ("daily" / "weekly") digest on a channel gets one message on
    those channels: what waits for their action (submissions to review and progress reports to confirm;
    a firm user: returned submissions), the reminders held for the digest since the last one, and (issue
    18 hook) stalled firms. Held deliveries included are marked ``digested`` in the same transaction as
    the digest's outbox row; the dedupe key (user, period) makes a second run in a period a no-op.
    Held deliveries on a channel the user has since switched to instant go out with the daily run.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from pipeline.models import Delivery, Reminder
    from pipeline.reminders.prefs import DIGEST_KINDS, DIGESTED, HELD, channels_of

    if frequency not in DIGEST_KINDS:
        raise ValueError(frequency)
    period = today.isoformat() if frequency == "daily" else week_period(today)
    now = utcnow()
    users = {u.id: u for u in _digest_users(frequency)}
    if frequency == "daily":  # catch-up: held rows of users who have since turned their digest off
        for u in db.session.scalars(
            select(User)
            .join(Reminder, Reminder.user_id == User.id)
            .join(Delivery)
            .where(Delivery.status == HELD)
        ).unique():
            users.setdefault(u.id, u)
    held_by_user: dict[int, list] = defaultdict(list)
    for r in _held_rows(list(users)):
        held_by_user[r.user_id].append(r)
    created = deliveries = 0
    for uid, u in users.items():
        on = dict(channels_of(u))
        chans = [
            c for c, d in on.items() if d == frequency or (frequency == "daily" and d not in DIGEST_KINDS)
        ]
        mine = [r for r in held_by_user.get(uid, []) if r.channel in chans]
        dropped = [r.id for r in held_by_user.get(uid, []) if r.channel not in on]  # channel since turned off
        key = dedupe_key("user_digest", "user", uid, period, f"u{uid}")
        if db.session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key)):
            continue
        send_on = [c for c in chans if on[c] == frequency or any(r.channel == c for r in mine)]
        review_total, review = _review_section(u, today)
        stalled = stalled_lines(u, today) if u.role == "officer" else []
        seen, held = set(), []
        for r in mine:
            if r.reminder_id in seen or (r.rule in REVIEW_RULES and u.role == "officer"):
                continue
            seen.add(r.reminder_id)
            held.append((r.title, r.due_on))
        consumed = [r.id for r in mine] + (dropped if frequency == "daily" else [])
        if not send_on or not (held or review_total or stalled):
            if consumed and not send_on:
                db.session.execute(update(Delivery).where(Delivery.id.in_(consumed)).values(status=DIGESTED))
                db.session.commit()
            continue
        title, body = compose_user_digest(frequency, today, review_total, review, held, stalled)
        rem = Reminder(
            dedupe_key=key,
            rule="user_digest",
            subject_type="user",
            subject_id=uid,
            period=period,
            firm_id=u.firm_id if u.role == "firm" else None,
            county_id=u.county_id,
            user_id=uid,
            title=title[:300],
            body=body,
            link="/inbox/",
            created_at=now,
        )
        db.session.add(rem)
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent run wrote this period's digest first
            db.session.rollback()
            continue
        for c in send_on:
            db.session.add(
                Delivery(reminder_id=rem.id, channel=c, status="pending", attempts=0, next_attempt_at=now)
            )
        if consumed:
            db.session.execute(
                update(Delivery).where(Delivery.id.in_(consumed)).values(status=DIGESTED, sent_at=now)
            )
        db.session.commit()
        created += 1
        deliveries += len(send_on)
    return {"period": period, "users": len(users), "created": created, "deliveries": deliveries}


def run_digests(today: date) -> dict:
    """The scheduler's digest job (every morning): daily digests each day, weekly ones on Mondays."""
    out = {"daily": run_user_digests(today, "daily"), "robots_daily": run_digest(today, "daily")}
    if today.isoweekday() == 1:
        out["weekly"] = run_digest(today, "weekly")
        out["weekly_users"] = run_user_digests(today, "weekly")
    return out
