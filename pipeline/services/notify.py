"""Event notifications through the reminder outbox (issue 11): a new submission or progress report
to the firm's officer, a decision to the firm's users.

Rows are written in the caller's transaction (the submission and its notification commit together)
with the outbox's unique dedupe key, so the same event never notifies anyone twice. The scheduler's
``deliver`` sends them on the user's channels (in-app, and e-mail when the user asked for it).
Texts come from ``pipeline.reminders.texts`` (``pair(code, ...)``): stored in Chinese with their code
and params, rendered in each reader's language (issue 17).
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import Delivery, Firm, Reminder, User
from pipeline.models.base import utcnow
from pipeline.reminders.prefs import channels_of, route, split
from pipeline.reminders.scan import message_of
from pipeline.vocabulary import ROLE_FIRM, ROLE_OFFICER


def _channels(u: User) -> tuple[str, ...]:
    """The user's channels; an event is not critical, so it waits for the digest where the user chose one."""
    return route(channels_of(u), urgent=False)


def _officers(firm: Firm) -> list[User]:
    users = list(
        db.session.scalars(
            select(User).where(permissions.active_with_role(ROLE_OFFICER), User.county_id == firm.county_id)
        )
    )
    own = [u for u in users if u.id == firm.officer_id]
    return own or users


def _write(
    firm: Firm, users: list[User], rule: str, subject_id: int, title: str, body: str, link: str
) -> int:
    now = utcnow()
    n = 0
    for u in users:
        key = f"{rule}|event:{subject_id}|{now.isoformat()}|u{u.id}"[:200]
        if rule != "progress_report":
            key = f"{rule}|event:{subject_id}|once|u{u.id}"
        if db.session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key)):
            continue
        r = Reminder(
            dedupe_key=key,
            rule=rule,
            subject_type="event",
            subject_id=subject_id,
            period="once",
            firm_id=firm.id,
            county_id=firm.county_id,
            user_id=u.id,
            title=title[:300],
            body=body,
            link=link,
            created_at=now,
            **message_of(body),  # issue 17: shown in each reader's language
        )
        db.session.add(r)
        db.session.flush()
        for entry in _channels(u):
            ch, status = split(entry)
            db.session.add(
                Delivery(
                    reminder_id=r.id,
                    channel=ch,
                    status=status,
                    attempts=0,
                    next_attempt_at=now if status == "pending" else None,
                )
            )
        n += 1
    return n


def notify_officers(firm: Firm, rule: str, subject_id: int, title: str, body: str, link: str) -> int:
    return _write(firm, _officers(firm), rule, subject_id, title, body, link)


def notify_firm(firm: Firm, rule: str, subject_id: int, title: str, body: str, link: str) -> int:
    users = list(
        db.session.scalars(
            select(User).where(permissions.active_with_role(ROLE_FIRM), User.firm_id == firm.id)
        )
    )
    return _write(firm, users, rule, subject_id, title, body, link)
