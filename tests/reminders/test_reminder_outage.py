"""Issue 12, item 4: a mail outage loses nothing; given-up deliveries come back in bulk."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from pipeline.models import Delivery
from pipeline.models.base import utcnow
from pipeline.reminders.deliver import deliver_pending, requeue_given_up
from tests.reminders.test_reminder_delivery import _one_overdue, free_port, smtp  # noqa: F401 (fixture)


def test_a_three_hour_outage_loses_no_email(app, db, city, smtp, monkeypatch):
    """The clock is moved through a 3-hour outage (nothing listens), then the server is back: all sent."""
    good_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    _one_overdue(db, city)
    t0 = utcnow()
    now = t0
    while now < t0 + timedelta(hours=3):
        r = deliver_pending(now=now, channels_only=("email",))
        assert r.gave_up == 0
        d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
        db.session.refresh(d)
        assert d.status == "failed"
        now = max(now + timedelta(minutes=1), d.next_attempt_at)
    monkeypatch.setitem(app.config, "MAIL_PORT", good_port)
    r = deliver_pending(now=now, channels_only=("email",))
    assert r.sent == 1 and len(smtp.messages) == 1


def test_past_the_horizon_it_gives_up_and_the_health_page_retries_all(app, db, city, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    monkeypatch.setitem(app.config, "REMINDER_RETRY_HOURS", 1)
    _one_overdue(db, city)
    now = utcnow()
    for _ in range(30):
        deliver_pending(now=now, channels_only=("email",))
        d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
        db.session.refresh(d)
        if d.status == "gave_up":
            break
        now = d.next_attempt_at
    assert d.status == "gave_up" and now - utcnow() < timedelta(hours=1, minutes=1)
    assert requeue_given_up(None) == 1
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "gave_up")) == 0
    )
