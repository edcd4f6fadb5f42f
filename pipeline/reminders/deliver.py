"""Send what is pending: claim a delivery, try its channel, log the attempt, retry with back-off.

A delivery is claimed by a conditional UPDATE (attempts = attempts + 1 where attempts is still what
we read), so two senders never both try the same row; the claim pushes ``next_attempt_at`` out so a
sender that dies mid-send is retried later instead of lost. A transient failure is retried with
back-off until the retry horizon; then the delivery is ``gave_up`` with its last error, and the
health page shows it. Each channel has its own loop (issue 12): in-app never waits on SMTP or a
robot, and a channel that keeps failing stops for this run instead of timing out row after row.
E-mail and webhook are at least once: every attempt of one delivery carries the same key
(``Message-ID`` / ``Idempotency-Key``) so a receiver can drop a repeat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from pipeline.extensions import db
from pipeline.models import County, Delivery, DeliveryAttempt, Reminder, User
from pipeline.models.base import utcnow
from pipeline.reminders import channels
from pipeline.reminders.settings import delivery_value, load_values

log = logging.getLogger(__name__)
CLAIM_TTL = timedelta(minutes=10)
RETRYABLE = ("pending", "failed")


@dataclass
class DeliverResult:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)


def backoff(attempts: int, base_minutes: int, max_minutes: int) -> timedelta:
    """Wait before try ``attempts + 1``: base, 2×base, 4×base, ... capped."""
    return timedelta(minutes=min(base_minutes * 2 ** max(attempts - 1, 0), max_minutes))


def _claim(delivery_id: int, seen_attempts: int, now: datetime) -> bool:
    res = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.attempts == seen_attempts, Delivery.status.in_(RETRYABLE))
        .values(attempts=seen_attempts + 1, next_attempt_at=now + CLAIM_TTL)
    )
    db.session.commit()  # issue 13, allowed: the claim is seen by other senders before the network call
    return res.rowcount == 1


def _record(
    delivery_id: int,
    channel: str,
    attempts: int,
    now: datetime,
    error: str | None,
    permanent: bool,
    max_attempts: int,
    base: int,
    cap: int,
    created_at: datetime | None = None,
    horizon: timedelta = timedelta(hours=48),
) -> str:
    """Issue 12: a transient failure is retried with back-off until the retry horizon (default two days
    after the reminder was made) has passed; only then, or on a permanent error, "gave_up"."""
    past_horizon = created_at is not None and now + backoff(attempts, base, cap) - created_at > horizon
    if error is None:
        values = dict(status="sent", sent_at=now, last_error=None, next_attempt_at=None)
    elif permanent or attempts >= max_attempts or past_horizon:
        values = dict(status="gave_up", last_error=error, next_attempt_at=None)
    else:
        values = dict(status="failed", last_error=error, next_attempt_at=now + backoff(attempts, base, cap))
    db.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery_id,
            at=now,
            channel=channel,
            result="ok" if error is None else "error",
            error=error,
        )
    )
    db.session.commit()  # issue 13, allowed: a sent message is recorded at once, so it is never sent twice
    return values["status"]


CHANNEL_ORDER = ("inapp", "email", "webhook")
MAX_CONSECUTIVE_ERRORS = 3  # a channel that failed this many times in a row is left for its next run


def _wanted_channels(cfg, channels_only: tuple[str, ...] | None) -> tuple[str, ...]:
    if channels_only:
        return tuple(c for c in CHANNEL_ORDER if c in channels_only) + tuple(
            c for c in channels_only if c not in CHANNEL_ORDER
        )
    return tuple(c for c in CHANNEL_ORDER if c != "email" or cfg.get("MAIL_ENABLED", True))


def deliver_pending(
    now: datetime | None = None, limit: int = 1000, channels_only: tuple[str, ...] | None = None
) -> DeliverResult:
    """Try every delivery whose time has come (pending, or failed and due for a retry), channel by channel.

    In-app goes first and never waits on the network. The scheduler runs one loop per channel
    (:func:`deliver_channel` in its own thread), so a hung mail server delays only e-mail.
    """
    result = DeliverResult()
    for channel in _wanted_channels(current_app.config, channels_only):
        r = deliver_channel(channel, now=now, limit=limit)
        result.sent += r.sent
        result.failed += r.failed
        result.gave_up += r.gave_up
        result.skipped += r.skipped
        result.errors += r.errors
    return result


def _due_rows(channel: str, now: datetime, limit: int):
    return db.session.execute(
        select(
            Delivery.id,
            Delivery.channel,
            Delivery.attempts,
            Reminder.title,
            Reminder.body,
            Reminder.msg_code,
            Reminder.msg_params,
            Reminder.due_on,
            Reminder.link,
            Reminder.county_id,
            Reminder.created_at,
            User.email,
            User.display_name,
            User.active,
            User.locale,
            County.webhook_url,
        )
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .outerjoin(User, User.id == Reminder.user_id)
        .outerjoin(County, County.id == Reminder.county_id)
        .where(
            Delivery.status.in_(RETRYABLE),
            Delivery.channel == channel,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    ).all()


def idempotency_key(delivery_id: int) -> str:
    """The same for every attempt of one delivery: a receiver can drop a repeat after a crash or retry."""
    return f"xsg-delivery-{delivery_id}"


def _in_locale(r) -> tuple[str, str, str]:
    """(language, title, body) of a due row for its recipient: English from the message code when the
    user saved English (labels through the English catalogue), else the stored Chinese text."""
    from pipeline.reminders.texts import render_row

    lang = "en" if (r.locale or "").startswith("en") else "zh"
    if lang == "zh":
        return lang, r.title, r.body
    from flask_babel import force_locale

    from pipeline.i18n import tl

    with force_locale(lang):
        return lang, render_row(r, "title", lang, tl), render_row(r, "body", lang, tl)


def _send_one(r, mailer: channels.Mailer, cfg, base_url: str, settings_link: str) -> None:
    """Send one delivery on its channel; raises PermanentError or any retryable exception."""
    link = channels.full_link(base_url, r.link)
    if r.channel == "inapp":
        if r.active is False:
            raise channels.PermanentError("账号已停用")
    elif r.channel == "email":
        lang, title, body = _in_locale(r)  # issue 17: the recipient's saved language
        text = channels.message_text(
            greeting=r.display_name,
            title=title,
            body=body,
            due_on=r.due_on,
            link=link,
            settings_link=settings_link,
            lang=lang,
        )
        msg = channels.build_email(
            cfg,
            to_addr=r.email or "",
            to_name=r.display_name,
            subject=channels.mail_subject(title, lang),
            text=text,
            message_key=idempotency_key(r.id),
        )
        if r.active is False:
            raise channels.PermanentError("账号已停用")
        mailer.send(msg, r.email or "")
    elif r.channel == "webhook":
        text = f"{r.title}\n{r.body}\n详情：{link}"
        channels.post_webhook(
            r.webhook_url,
            text,
            timeout=cfg.get("WEBHOOK_TIMEOUT", 5),
            idempotency_key=idempotency_key(r.id),
            rules=channels.robot_url.Rules.from_config(cfg),
        )
    else:
        raise channels.PermanentError(f"未知渠道：{r.channel}")


def deliver_channel(channel: str, now: datetime | None = None, limit: int = 1000) -> DeliverResult:
    """One channel's loop: claim, send, record. Stops early after MAX_CONSECUTIVE_ERRORS transient
    failures in a row (the server is down or hung): the rest stay pending, unclaimed, for the next run."""
    cfg = current_app.config
    now = now or utcnow()
    settings = load_values(db.session)
    base = delivery_value(settings, "reminders.backoff_minutes")
    cap = delivery_value(settings, "reminders.backoff_max_minutes")
    max_attempts = int(cfg.get("REMINDER_MAX_ATTEMPTS", 1000))  # the horizon decides, not a count
    horizon = timedelta(hours=float(cfg.get("REMINDER_RETRY_HOURS", 48)))
    rows = _due_rows(channel, now, limit)
    db.session.commit()  # issue 13, allowed: end the read transaction before talking to the network
    result = DeliverResult()
    mailer = channels.Mailer(cfg)
    base_url = cfg.get("BASE_URL", "")
    settings_link = channels.full_link(base_url, "/notifications/settings")
    in_a_row = 0
    try:
        for r in rows:
            if in_a_row >= MAX_CONSECUTIVE_ERRORS:
                break
            if not _claim(r.id, r.attempts, now):
                result.skipped += 1
                continue
            error, permanent = None, False
            try:
                _send_one(r, mailer, cfg, base_url, settings_link)
            except channels.PermanentError as exc:
                error, permanent = str(exc), True
            except Exception as exc:  # network, SMTP, HTTP: retried
                log.warning("delivery %s (%s) failed: %r", r.id, r.channel, exc)
                error = channels.failure_reason(exc)[:1000]  # issue 17: a Chinese reason, no class name
            in_a_row = in_a_row + 1 if error and not permanent else 0
            status = _record(
                r.id,
                r.channel,
                r.attempts + 1,
                now,
                error,
                permanent,
                max_attempts,
                base,
                cap,
                created_at=r.created_at,
                horizon=horizon,
            )
            if status == "sent":
                result.sent += 1
            elif status == "failed":
                result.failed += 1
            else:
                result.gave_up += 1
            if error:
                result.errors.append((r.id, r.channel, error))
    finally:
        mailer.close()
    return result


def requeue(d: Delivery, user, now: datetime | None = None) -> bool:
    """An admin sends a given-up (or failing) delivery again from scratch; audited. False if it is
    neither given up nor failing."""
    from pipeline.services.audit import record

    now = now or utcnow()
    if d.status not in ("gave_up", "failed"):
        return False
    before = {"status": d.status, "attempts": d.attempts, "last_error": d.last_error}
    d.status, d.attempts, d.next_attempt_at = "pending", 0, now
    record(user, "requeue", "delivery", d.id, None, before, {"status": "pending", "attempts": 0})
    db.session.flush()
    return True


def requeue_given_up(user, channel: str | None = None, now: datetime | None = None) -> int:
    """Issue 12: the health page's bulk retry: every given-up delivery (of one channel) starts again; audited."""
    from pipeline.services.audit import record

    now = now or utcnow()
    q = update(Delivery).where(Delivery.status == "gave_up")
    if channel:
        q = q.where(Delivery.channel == channel)
    n = db.session.execute(q.values(status="pending", attempts=0, next_attempt_at=now)).rowcount
    record(
        user,
        "requeue",
        "delivery",
        None,
        None,
        {"status": "gave_up"},
        {"status": "pending", "count": n, "channel": channel},
    )
    db.session.flush()
    return n
