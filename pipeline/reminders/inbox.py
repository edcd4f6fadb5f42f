"""A user's in-app notifications and channel choices (the service behind the bell and its pages).

A user sees only reminders addressed to them; a firm user, in addition, only those of their own
firm (so a user moved to another firm stops seeing the old firm's reminders).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import Delivery, Reminder, User
from pipeline.services.audit import record, snapshot
from pipeline.vocabulary import ROLE_FIRM


def _mine(user: User):
    cond = [Reminder.user_id == user.id, Delivery.channel == "inapp", Delivery.status == "sent"]
    if permissions.has_role(user, ROLE_FIRM):
        cond.append(Reminder.firm_id == user.firm_id)
    return and_(*cond)


def unread_count(user: User) -> int:
    """One query; used by the bell on every page."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(Reminder, Reminder.id == Delivery.reminder_id)
            .where(_mine(user), Delivery.read_at.is_(None))
        )
        or 0
    )


def inbox(user: User, unread_only: bool = False):
    """A Select of (Delivery, Reminder) newest first; the view paginates it."""
    q = select(Delivery, Reminder).join(Reminder, Reminder.id == Delivery.reminder_id).where(_mine(user))
    if unread_only:
        q = q.where(Delivery.read_at.is_(None))
    return q.order_by(Delivery.sent_at.desc(), Delivery.id.desc())


def find(user: User, delivery_id: int) -> Delivery | None:
    """One of the user's own notifications (the scoped loader's ``notification_id``), or None."""
    return db.session.scalars(
        select(Delivery)
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .where(_mine(user), Delivery.id == delivery_id)
    ).first()


def mark_read(delivery: Delivery, now: datetime) -> Reminder:
    """Mark one of the user's notifications read (the loader found it among the user's own)."""
    if delivery.read_at is None:
        delivery.read_at = now
        db.session.flush()
    return delivery.reminder


def mark_all_read(user: User, now: datetime) -> int:
    ids = (
        select(Delivery.id)
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .where(_mine(user), Delivery.read_at.is_(None))
    )
    n = db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(read_at=now)).rowcount
    db.session.flush()
    return n


ALERT_FIELDS = ["notify_inapp", "inapp_digest", "notify_email", "email_digest"]


def alert_modes(user: User) -> dict[str, str]:
    """The account form's values: ``{"inapp": mode, "email": mode}`` (keys of ``ALERT_MODES``)."""
    from pipeline.reminders.prefs import mode_of

    return {
        "inapp": mode_of(user.notify_inapp, user.inapp_digest),
        "email": mode_of(user.notify_email, user.email_digest),
    }


def set_alert_modes(user: User, inapp: str, email: str) -> bool:
    """Issue 17: store the per-channel choice (audited: only what changed). False if nothing changed."""
    from pipeline.reminders.prefs import from_mode

    before = snapshot(user, ALERT_FIELDS)
    user.notify_inapp, user.inapp_digest = from_mode(inapp, user.inapp_digest)
    user.notify_email, user.email_digest = from_mode(email, user.email_digest)
    after = snapshot(user, ALERT_FIELDS)
    if after == before:
        return False
    record(user, "update", "user", user.id, None, before, after)  # the audit keeps only what changed
    db.session.flush()
    return True
