"""The weekly digest: for each county officer, what is overdue and what falls due in the next 7 days.

It goes through the same outbox as every reminder (rule ``digest``, period = ISO week), so running
it twice in a week sends nothing twice. Counties with a group robot get the same digest there.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import County, Delivery, DeptNode, Firm, Milestone, Reminder, User
from pipeline.models.base import utcnow
from pipeline.reminders.prefs import DIGEST_KINDS, DIGESTED, HELD, channels_of
from pipeline.reminders.rules import OPEN_MILESTONE
from pipeline.reminders.scan import dedupe_key, message_of, write_outbox
from pipeline.reminders.texts import blank, label, line, lines_pair, loc, msg, reminder_title
from pipeline.vocabulary import ROLE_FIRM, ROLE_OFFICER, TOWN_KINDS

MAX_LINES = 20


def week_period(today: date) -> str:
    y, w, _ = today.isocalendar()
    return f"{y}-W{w:02d}"


# Every text is built from ``reminders.texts`` (a message per line, code ``lines``): stored in Chinese,
# rendered in each reader's language (issue 17). ``items`` carry (firm name, title, due, title message).


def _more(n: int, code: str = "w.more") -> list:
    return [line(code, n=n - MAX_LINES)] if n > MAX_LINES else []


def _lines(items, today: date, overdue: bool) -> list:
    out = []
    for name, title, due, *rest in items[:MAX_LINES]:
        t = loc(title, rest[0] if rest else None)
        if overdue:
            out.append(line("digest.overdue.item", firm=name, title=t, due_on=due, days=(today - due).days))
        else:
            out.append(line("digest.soon.item", firm=name, title=t, due_on=due))
    return out + _more(len(items))


def _word(frequency: str) -> dict:
    return msg("w.daily" if frequency == "daily" else "w.weekly")


def compose_parts(county_name: str, overdue: list, soon: list, today: date, frequency: str = "weekly"):
    """The county digest's head and lines (messages)."""
    end = today + timedelta(days=7)
    head = line(
        "digest.title", word=_word(frequency), county=county_name, overdue=len(overdue), soon=len(soon)
    )
    parts = [line("digest.head", county=county_name, today_on=today, end_on=end)]
    if overdue:
        parts += [blank(), line("digest.overdue", n=len(overdue))] + _lines(overdue, today, True)
    if soon:
        parts += [blank(), line("digest.soon", n=len(soon))] + _lines(soon, today, False)
    if not overdue and not soon:
        parts.append(line("digest.none"))
    return head, parts


def compose(
    county_name: str, overdue: list, soon: list, today: date, frequency: str = "weekly"
) -> tuple[str, str]:
    return lines_pair(*compose_parts(county_name, overdue, soon, today, frequency))


def compliance_lines(today: date) -> dict[int, list]:
    """Per county, the certified firms whose stored compliance watch is at risk (issue 16), in lines."""
    from pipeline.models import ComplianceWatch
    from pipeline.services.compliance import active_clause

    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                Firm.county_id,
                Firm.name,
                ComplianceWatch.summary,
                ComplianceWatch.reports_missed,
                ComplianceWatch.codes,
            )
            .join(ComplianceWatch, ComplianceWatch.firm_id == Firm.id)
            .where(ComplianceWatch.status == "at_risk", active_clause(today))
            .order_by(Firm.county_id, Firm.name)
        ).all()
    by_county: dict[int, list] = defaultdict(list)
    for cid, name, summary, missed, codes in rows:
        by_county[cid].append((name, summary, missed, codes))
    out = {}
    for cid, items in by_county.items():
        missed = sum(1 for _, _, m, _ in items if m)
        lines = [line("digest.compliance", n=len(items), missed=missed)]
        lines += [
            line("digest.item", firm=name, what=_summary(summary, codes))
            for name, summary, _, codes in items[:MAX_LINES]
        ]
        out[cid] = lines + _more(len(items), "w.more_firms")
    return out


def _summary(summary: str, codes: str | None) -> dict:
    """A stored compliance summary (Chinese) with its reasons as messages (English names them)."""
    found = [c for c in (codes or "").split(",") if c]
    return loc(summary, msg("cw.reasons", items=[msg(f"cw.{c}") for c in found]) if found else None)


def review_lines() -> dict[int, list]:
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
            select(Firm.county_id, Firm.name, Milestone.title, Milestone.title_msg)
            .join(Firm, Firm.id == Milestone.firm_id)
            .where(Milestone.progress_pending.is_(True), Firm.stage != "exited")
            .order_by(Firm.county_id, Milestone.updated_at)
        ).all()
    by_county: dict[int, list] = defaultdict(list)

    def sub_line(r):
        return line("digest.item", firm=r.name, what=msg("w.year_figures", year=r.year))

    def progress_line(r):
        return line("digest.item", firm=r.name, what=loc(r.title, r.title_msg))

    for cid, lines in _grouped(subs, "digest.submissions", sub_line).items():
        by_county[cid] += lines
    for cid, lines in _grouped(progress, "digest.progress", progress_line).items():
        by_county[cid] += ([blank()] if by_county[cid] else []) + lines
    return dict(by_county)


def _grouped(rows, heading: str, make) -> dict[int, list]:
    """Rows (with a ``county_id``) as a heading and one ``make(row)`` line each, per county."""
    groups: dict[int, list] = defaultdict(list)
    for r in rows:
        groups[r.county_id].append(r)
    out = {}
    for cid, items in groups.items():
        out[cid] = [line(heading, n=len(items))] + [make(r) for r in items[:MAX_LINES]] + _more(len(items))
    return out


def stalled_lines(user: User, today: date) -> list[str]:
    """The lines the digests add for ``user``'s stalled firms (issue 18: ``services.stalls``; no stage
    move, milestone progress or data update for more than the ``reminders.stalled_days`` setting)."""
    from pipeline.services.stalls import digest_items

    items = digest_items(user, today)
    if not items:
        return []
    lines = [line("digest.stalled", n=len(items))]
    lines += [line("digest.item", firm=name, what=why) for name, why in items[:MAX_LINES]]
    return lines + _more(len(items), "w.more_firms")


class _CountyDigest(NamedTuple):
    name: str
    hook: str | None  # the robot URL that gets this frequency's digest, or None


class DueItem(NamedTuple):
    """An open milestone in a county digest: the firm's name, the title, the due day, the title's message."""

    name: str
    title: str
    due: date
    title_msg: dict | None = None


def digest_period(today: date, frequency: str) -> str:
    """The outbox period of a digest: the ISO week for a weekly one, the day for a daily one."""
    return week_period(today) if frequency == "weekly" else today.isoformat()


def _digest_fields(
    rule: str, subject_type: str, subject_id: int, period: str, recipient: str, **columns
) -> dict:
    """The outbox columns every digest shares; ``columns`` holds the recipient's (firm_id ... created_at)."""
    return dict(
        dedupe_key=dedupe_key(rule, subject_type, subject_id, period, recipient),
        rule=rule,
        subject_type=subject_type,
        subject_id=subject_id,
        period=period,
        **columns,
        **message_of(columns["body"]),
    )


def _digest_counties(conn, frequency: str) -> dict[int, _CountyDigest]:
    """id → (name, the robot to post this frequency's digest to, or None)."""
    return {
        c.id: _CountyDigest(c.name, c.webhook_url if (c.webhook_digest or "weekly") == frequency else None)
        for c in conn.execute(select(County.id, County.name, County.webhook_url, County.webhook_digest))
    }


def _county_officers(conn) -> list:
    """The active county officers (issue 18: not town officers; theirs would list other towns' firms)."""
    town_level = (
        select(User.id).join(DeptNode, DeptNode.id == User.node_id).where(DeptNode.kind.in_(TOWN_KINDS))
    )
    return conn.execute(
        select(User.id, User.county_id, User.email, User.notify_inapp, User.notify_email).where(
            permissions.active_with_role(ROLE_OFFICER),
            User.county_id.isnot(None),
            User.id.not_in(town_level),
        )
    ).all()


def _due_items(conn, today: date) -> tuple[dict, dict]:
    """Per county, the open milestones overdue and those due within 7 days, soonest first."""
    rows = conn.execute(
        select(Firm.county_id, Firm.name, Milestone.title, Milestone.due, Milestone.title_msg)
        .join(Firm, Firm.id == Milestone.firm_id)
        .where(
            Milestone.status.in_(OPEN_MILESTONE),
            Milestone.due <= today + timedelta(days=7),
            Firm.stage != "exited",
        )
        .order_by(Milestone.due, Firm.name)
    ).all()
    overdue, soon = defaultdict(list), defaultdict(list)
    for r in rows:
        (overdue if r.due < today else soon)[r.county_id].append(DueItem(r.name, r.title, r.due, r.title_msg))
    return overdue, soon


def _county_texts(counties: dict, county_ids: set, overdue, soon, today: date, frequency: str) -> dict:
    """county id → (head, lines) of its digest, with the compliance (issue 16) and review (11/17) lines."""
    texts = {
        cid: compose_parts(counties[cid].name, overdue[cid], soon[cid], today, frequency)
        for cid in county_ids
        if cid in counties
    }
    for extra in (compliance_lines(today), review_lines()):
        for cid, lines in extra.items():
            if cid in texts:
                texts[cid][1].extend([blank(), *lines])
    return texts


def _county_digest_fields(
    county_id: int, period: str, recipient: str, user_id: int | None, title: str, body: str, link: str, now
) -> dict:
    """The outbox columns of one county digest: to an officer (``user_id``) or to the county robot."""
    return _digest_fields(
        "digest",
        "county",
        county_id,
        period,
        recipient,
        firm_id=None,
        county_id=county_id,
        user_id=user_id,
        due_on=None,
        title=title,
        body=body,
        link=link,
        created_at=now,
        scan_id=None,
    )


def _officer_rows(officers: list, texts: dict, period: str, today: date, now) -> list:
    """An outbox row per county officer, with the stalled firms in the officer's scope (issue 18)."""
    rows = []
    for o in officers:
        if o.county_id not in texts:
            continue
        head, parts = texts[o.county_id]
        stalled = stalled_lines(db.session.get(User, o.id), today)
        title, body = lines_pair(head, parts + ([blank(), *stalled] if stalled else []))
        chs = tuple(c for c, _ in channels_of(o))  # the county digest is itself a digest: never held
        fields = _county_digest_fields(
            o.county_id, period, f"u{o.id}", o.id, title, body, "/notifications", now
        )
        rows.append((fields, chs))
    return rows


def _robot_rows(counties: dict, texts: dict, period: str, now) -> list:
    """An outbox row per county robot that gets this frequency's digest."""
    rows = []
    for cid, county in counties.items():
        if county.hook and cid in texts:
            title, body = lines_pair(*texts[cid])
            fields = _county_digest_fields(cid, period, f"c{cid}", None, title, body, "/", now)
            rows.append((fields, ("webhook",)))
    return rows


def run_digest(today: date, frequency: str = "weekly") -> dict:
    """Write this period's county digest reminders; returns counts. Deliveries go out with the next ``deliver``.

    ``weekly``: every county officer (on each channel they receive on) and the county robots set to a
    weekly digest; ``daily``: only the robots set to a daily digest (an officer's own daily digest is
    ``run_user_digests``).
    """
    now = utcnow()
    with db.engine.connect() as conn:
        counties = _digest_counties(conn, frequency)
        officers = _county_officers(conn) if frequency == "weekly" else []  # daily: the robots only
        overdue, soon = _due_items(conn, today)
    period = digest_period(today, frequency)
    wanted = {o.county_id for o in officers} | {cid for cid, c in counties.items() if c.hook}
    texts = _county_texts(counties, wanted, overdue, soon, today, frequency)
    rows = _officer_rows(officers, texts, period, today, now) + _robot_rows(counties, texts, period, now)
    created, deliveries, _ = write_outbox(rows, now)
    return {"period": period, "officers": len(officers), "created": created, "deliveries": deliveries}


# ------------------------------------------------------------------ issue 17: the user's own digest

# Event notifications whose subject the worklist section shows in its current state (a submission
# already reviewed needs nothing any more), so the digest does not list them a second time.
REVIEW_RULES = ("submission", "progress_report")
REVIEW_KINDS = {"officer": ("submission", "progress"), "firm": ("returned",)}


def _held_rows(user_ids: list[int]):
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
            Reminder.msg_code,
            Reminder.msg_params,
        )
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .where(Delivery.status == HELD, Reminder.user_id.in_(user_ids))
        .order_by(Reminder.due_on.is_(None), Reminder.due_on, Reminder.id)
    ).all()


def _review_section(user: User, today: date) -> tuple[int, list]:
    """What waits for this user's action, from the inbox's read model (scoped to the user)."""
    from pipeline.services import worklist
    from pipeline.vocabulary import INBOX_KINDS, INBOX_KINDS_FIRM

    kinds = REVIEW_KINDS.get(user.role, ())
    if not kinds:
        return 0, []
    labels = INBOX_KINDS_FIRM if permissions.has_role(user, ROLE_FIRM) else INBOX_KINDS
    counts = worklist.counts(user, today, kinds=kinds)
    total = sum(counts.values())
    if not total:
        return 0, []
    found = worklist.items(user, today)
    lines = [line("user_digest.todo")]
    for kind in kinds:
        if not counts.get(kind):
            continue
        lines.append(line("user_digest.kind", kind=label(labels[kind]), n=counts[kind]))
        for it in found.get(kind, [])[:MAX_LINES]:
            what = msg("w.year_figures", year=it.year) if it.year else loc(it.title)
            lines.append(line("digest.item", firm=it.firm_name, what=what))
        lines += _more(counts[kind])
    return total, lines


def compose_user_digest(
    frequency: str, today: date, review_total: int, review: list[str], held: list, stalled: list[str]
) -> tuple[str, str]:
    """The personal digest's title and body (stored in Chinese, with a message per line). ``held``:
    (stored title, due, message code, params) of each reminder it gathers."""
    head = line("user_digest.title", word=_word(frequency), n=len(held), todo=review_total)
    parts = [line("user_digest.head", today_on=today)]
    if review:
        parts += [blank(), *review]
    if held:
        parts += [blank(), line("user_digest.held", n=len(held))]
        for title_, due, *code in held[:MAX_LINES]:
            t = reminder_title(*(code or (None, None)), title_)
            item = (
                line("user_digest.held.due", title=t, due_on=due)
                if due
                else line("user_digest.held.item", title=t)
            )
            parts.append(item)
        parts += _more(len(held), "w.more_reminders")
    if stalled:
        parts += [blank(), *stalled]
    return lines_pair(head, parts)


def _digest_users(frequency: str) -> list[User]:
    col_in, col_em = User.inapp_digest, User.email_digest
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                permissions.role_is(ROLE_OFFICER, ROLE_FIRM),
                ((User.notify_inapp.is_(True)) & (col_in == frequency))
                | ((User.notify_email.is_(True)) & (col_em == frequency)),
            )
            .order_by(User.id)
        )
    )


def _users_to_digest(frequency: str) -> dict[int, User]:
    """id → user for everyone who chose this digest; daily also catches up held rows of users who have
    since turned their digest off."""
    users = {u.id: u for u in _digest_users(frequency)}
    if frequency == "daily":
        for u in db.session.scalars(
            select(User)
            .join(Reminder, Reminder.user_id == User.id)
            .join(Delivery)
            .where(Delivery.status == HELD)
        ).unique():
            users.setdefault(u.id, u)
    return users


class HeldItem(NamedTuple):
    """A held reminder a personal digest gathers: its stored title, due day, message code and params."""

    title: str
    due: date | None
    msg_code: str | None
    msg_params: dict | None


def _held_items(mine: list, officer: bool) -> list[HeldItem]:
    """Each held reminder once; an officer's review notifications are left to the worklist section."""
    seen, held = set(), []
    for r in mine:
        if r.reminder_id in seen or (r.rule in REVIEW_RULES and officer):
            continue
        seen.add(r.reminder_id)
        held.append(HeldItem(r.title, r.due_on, r.msg_code, r.msg_params))
    return held


def _mark_digested(delivery_ids: list[int], **values) -> None:
    db.session.execute(
        update(Delivery).where(Delivery.id.in_(delivery_ids)).values(status=DIGESTED, **values)
    )


def _write_user_digest(
    u: User, period: str, title: str, body: str, send_on: list, consumed: list, now
) -> bool:
    """The digest's outbox row, its deliveries and the held deliveries it consumes; False when a
    concurrent run wrote this period's digest first (only this digest is undone)."""
    rem = Reminder(
        **_digest_fields(
            "user_digest",
            "user",
            u.id,
            period,
            f"u{u.id}",
            firm_id=u.firm_id if permissions.has_role(u, ROLE_FIRM) else None,
            county_id=u.county_id,
            user_id=u.id,
            title=title[:300],
            body=body,
            link="/inbox/",
            created_at=now,
        )
    )
    try:
        with db.session.begin_nested():
            db.session.add(rem)
            db.session.flush()
    except IntegrityError:
        return False
    for c in send_on:
        db.session.add(
            Delivery(reminder_id=rem.id, channel=c, status="pending", attempts=0, next_attempt_at=now)
        )
    if consumed:
        _mark_digested(consumed, sent_at=now)
    db.session.flush()
    return True


def _user_digest(u: User, rows: list, frequency: str, period: str, today: date, now) -> int | None:
    """One user's digest: the number of deliveries written, or None when none was written."""
    on = dict(channels_of(u))
    chans = [c for c, d in on.items() if d == frequency or (frequency == "daily" and d not in DIGEST_KINDS)]
    mine = [r for r in rows if r.channel in chans]
    dropped = [r.id for r in rows if r.channel not in on]  # channel since turned off
    key = dedupe_key("user_digest", "user", u.id, period, f"u{u.id}")
    if db.session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key)):
        return None
    send_on = [c for c in chans if on[c] == frequency or any(r.channel == c for r in mine)]
    review_total, review = _review_section(u, today)
    officer = permissions.has_role(u, ROLE_OFFICER)
    stalled = stalled_lines(u, today) if officer else []
    held = _held_items(mine, officer)
    consumed = [r.id for r in mine] + (dropped if frequency == "daily" else [])
    if not send_on or not (held or review_total or stalled):
        if consumed and not send_on:
            _mark_digested(consumed)
        return None
    title, body = compose_user_digest(frequency, today, review_total, review, held, stalled)
    if not _write_user_digest(u, period, title, body, send_on, consumed, now):
        return None
    return len(send_on)


def run_user_digests(today: date, frequency: str) -> dict:
    """Each user who chose a ``frequency`` ("daily" / "weekly") digest on a channel gets one message on
    those channels: what waits for their action (submissions to review and progress reports to confirm;
    a firm user: returned submissions), the reminders held for the digest since the last one, and (issue
    18 hook) stalled firms. Held deliveries included are marked ``digested`` in the same transaction as
    the digest's outbox row; the dedupe key (user, period) makes a second run in a period a no-op.
    Held deliveries on a channel the user has since switched to instant go out with the daily run.
    """
    if frequency not in DIGEST_KINDS:
        raise ValueError(frequency)
    period = digest_period(today, frequency)
    now = utcnow()
    users = _users_to_digest(frequency)
    held_by_user: dict[int, list] = defaultdict(list)
    for r in _held_rows(list(users)):
        held_by_user[r.user_id].append(r)
    created = deliveries = 0
    for uid, u in users.items():
        sent = _user_digest(u, held_by_user.get(uid, []), frequency, period, today, now)
        if sent is not None:
            created += 1
            deliveries += sent
    return {"period": period, "users": len(users), "created": created, "deliveries": deliveries}


def run_digests(today: date) -> dict:
    """The scheduler's digest job (every morning): daily digests each day, weekly ones on Mondays."""
    out = {"daily": run_user_digests(today, "daily"), "robots_daily": run_digest(today, "daily")}
    if today.isoweekday() == 1:
        out["weekly"] = run_digest(today, "weekly")
        out["weekly_users"] = run_user_digests(today, "weekly")
    return out
