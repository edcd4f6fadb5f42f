"""Leaders' briefing, delivered (issue 16): the admin schedules the city or a county pack to named
recipients; the scheduler job ``briefing-delivery`` sends each due period once, by e-mail with the
PDF attached, and logs each delivery with the pack's data date; any delivery can be re-sent.

Cadences (``vocabulary.BRIEFING_CADENCES``) are due on the first working day of the month or of the
ISO week, China's working-day calendar (``chinese_calendar``, make-up workdays included). A period
is sent at most once per schedule (unique ``(schedule_id, period)``); a scheduler that was down on
the day sends on its next run within the same period. A re-send mails the same PDF again (the pack
as of its data date) and is logged as its own row (``period#rN``, ``resend_of``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pipeline import permissions, runtime
from pipeline.errors import Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import BriefingDelivery, BriefingSchedule, County
from pipeline.models.base import utcnow
from pipeline.services.audit import record, snapshot
from pipeline.vocabulary import BRIEFING_CADENCES

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SCHEDULE_FIELDS = ("county_id", "cadence", "recipients", "active")


class BriefingError(Invalid):
    """A schedule that cannot be saved; the message names the field and line (UI language)."""


DELIVERIES_SHOWN = 100


@dataclass(frozen=True)
class SchedulesPage:
    """The admin's briefing page: every schedule (oldest first) and the latest deliveries (newest first)."""

    schedules: list[BriefingSchedule]
    deliveries: list[BriefingDelivery]


def schedules_page(user, limit: int = DELIVERIES_SHOWN) -> SchedulesPage:
    permissions.require(user, "briefings.admin")
    return SchedulesPage(
        list(db.session.scalars(select(BriefingSchedule).order_by(BriefingSchedule.id))),
        list(db.session.scalars(select(BriefingDelivery).order_by(BriefingDelivery.id.desc()).limit(limit))),
    )


def parse_recipients(text: str) -> list[tuple[str, str]]:
    """``张三 <a@b.cn>`` or ``a@b.cn``, one a line (commas and semicolons also split); (name, address)."""
    out = []
    for i, line in enumerate(re.split(r"[\n,;，；]+", text or ""), 1):
        line = line.strip()
        if not line:
            continue
        name, addr = parseaddr(line)
        if not _EMAIL.match(addr or ""):
            raise BriefingError(
                gettext("Recipients, entry %(n)s (“%(text)s”): not an e-mail address", n=i, text=line)
            )
        out.append((name.strip(), addr))
    if not out:
        raise BriefingError(gettext("Recipients: enter at least one e-mail address"))
    return out


def save_schedule(
    user,
    county_id: int | None,
    cadence: str,
    recipients: str,
    active: bool = True,
    schedule: BriefingSchedule | None = None,
) -> BriefingSchedule:
    if cadence not in BRIEFING_CADENCES:
        raise BriefingError(gettext("Cadence: choose one of the listed cadences"))
    if county_id is not None and db.session.get(County, county_id) is None:
        raise BriefingError(gettext("Scope: county %(id)s does not exist", id=county_id))
    parsed = parse_recipients(recipients)
    text = "\n".join(f"{n} <{a}>" if n else a for n, a in parsed)
    before = snapshot(schedule, SCHEDULE_FIELDS) if schedule else None
    if schedule is None:
        schedule = BriefingSchedule(created_by_id=getattr(user, "id", None))
        db.session.add(schedule)
    schedule.county_id, schedule.cadence, schedule.recipients, schedule.active = (
        county_id,
        cadence,
        text,
        bool(active),
    )
    db.session.flush()
    record(
        user,
        "update" if before else "create",
        "briefing_schedule",
        schedule.id,
        None,
        before,
        snapshot(schedule, SCHEDULE_FIELDS),
    )
    return schedule


# ------------------------------------------------------------------ when


def first_workday(d: date) -> date:
    from pipeline.reminders.rules import next_workday

    return next_workday(d)


def due_period(cadence: str, today: date) -> str | None:
    """The period due on ``today`` (None before the period's first working day)."""
    if cadence == "monthly_workday1":
        if today >= first_workday(today.replace(day=1)):
            return f"{today.year}-{today.month:02d}"
        return None
    if cadence == "weekly_workday1":
        monday = today - timedelta(days=today.weekday())
        first = first_workday(monday)
        if first - monday < timedelta(days=7) and today >= first:
            y, w, _ = monday.isocalendar()
            return f"{y}-W{w:02d}"
        return None
    return None


# ------------------------------------------------------------------ sending


def _pdf_dir() -> Path:
    path = Path(runtime.settings()["EXPORT_DIR"]) / "briefings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _message(delivery: BriefingDelivery, pdf: bytes, n: int, name: str, addr: str, scope: str):
    """The pack's mail to the ``n``-th recipient, built by the reminders' one mail builder; its
    Message-ID is fixed by the delivery and the recipient (a re-send is a new delivery, a new mail)."""
    from pipeline.reminders.channels import Attachment, build_email

    data_date = delivery.data_date
    greeting = f"{name}：" if name else "您好："
    return build_email(
        runtime.settings(),
        to_addr=addr,
        to_name=name,
        subject=f"【简报】{scope}高新技术企业培育工作简报（数据截至{data_date.year}年{data_date.month}月{data_date.day}日）",
        text=f"{greeting}\n\n附件是{scope}高新技术企业培育工作简报，数据截至{data_date.isoformat()}。"
        f"\n\n本邮件由小升高培育平台按计划自动发送。",
        message_key=f"xsg-briefing-{delivery.id}-{n}",
        attachments=(Attachment(pdf, "pdf", f"简报-{scope}-{data_date.isoformat()}.pdf"),),
    )


def _send(delivery: BriefingDelivery, schedule: BriefingSchedule, pdf: bytes) -> None:
    """Each recipient on the reminders' SMTP sender (its timeouts and its Chinese failure reasons)."""
    from pipeline.reminders.channels import Mailer, failure_reason

    scope = schedule.county.name if schedule.county else "全市"
    if not runtime.settings().get("MAIL_ENABLED", True):
        delivery.status, delivery.error = "failed", "邮件发送未开启（MAIL_ENABLED）"
        return
    mailer = Mailer(runtime.settings())
    errors = []
    try:
        for n, (name, addr) in enumerate(parse_recipients(delivery.recipients), 1):
            try:
                mailer.send(_message(delivery, pdf, n, name, addr, scope), addr)
            except Exception as exc:  # one recipient's failure is logged, the others still get it
                errors.append(f"{addr}：{failure_reason(exc)}")  # issue 17: a Chinese reason
    finally:
        mailer.close()
    delivery.status = "failed" if errors else "sent"
    delivery.error = "；".join(errors)[:2000] or None
    delivery.sent_at = utcnow() if not errors else None


def _deliver(schedule: BriefingSchedule, period: str, today: date, resend_of: BriefingDelivery | None = None):
    from pipeline.reports.documents import render_briefing

    delivery = BriefingDelivery(
        schedule_id=schedule.id,
        period=period,
        recipients=schedule.recipients,
        data_date=resend_of.data_date if resend_of else today,
        status="pending",
        resend_of=resend_of.id if resend_of else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
            db.session.flush()
    except IntegrityError:
        return None  # another run took this period
    if resend_of is not None and resend_of.pdf_path and Path(resend_of.pdf_path).exists():
        pdf = Path(resend_of.pdf_path).read_bytes()
        delivery.pdf_path = resend_of.pdf_path
    else:
        pdf = bytes(render_briefing(schedule.county, delivery.data_date, record=resend_of is None))
        path = _pdf_dir() / f"briefing-{schedule.id}-{delivery.id}.pdf"
        path.write_bytes(pdf)
        delivery.pdf_path = str(path)
    _send(delivery, schedule, pdf)
    db.session.flush()
    return delivery


def send_due(today: date) -> dict:
    """Send every active schedule's due period not sent yet; commits each delivery. Returns counts."""
    out = {"due": 0, "sent": 0, "failed": 0}
    for schedule in list(
        db.session.scalars(
            select(BriefingSchedule).where(BriefingSchedule.active.is_(True)).order_by(BriefingSchedule.id)
        )
    ):
        period = due_period(schedule.cadence, today)
        if period is None or db.session.scalar(
            select(BriefingDelivery.id).where(
                BriefingDelivery.schedule_id == schedule.id, BriefingDelivery.period == period
            )
        ):
            continue
        out["due"] += 1
        d = _deliver(schedule, period, today)
        db.session.commit()  # issue 13, allowed: a mailed pack is recorded at once, never mailed twice
        if d is not None:
            out["sent" if d.status == "sent" else "failed"] += 1
    return out


def resend(user, delivery: BriefingDelivery) -> BriefingDelivery:
    """Mail a logged delivery's pack again to the schedule's current recipients; a new log row."""
    original = delivery.period.split("#")[0]
    n = db.session.scalar(
        select(func.count())
        .select_from(BriefingDelivery)
        .where(
            BriefingDelivery.schedule_id == delivery.schedule_id,
            BriefingDelivery.period.like(f"{original}#r%"),
        )
    )
    new = _deliver(delivery.schedule, f"{original}#r{n + 1}", delivery.data_date, resend_of=delivery)
    record(
        user,
        "create",
        "briefing_delivery",
        new.id,
        None,
        None,
        {"resend_of": delivery.id, "period": new.period, "status": new.status},
    )
    return new
