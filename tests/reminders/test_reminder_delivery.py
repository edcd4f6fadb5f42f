"""Delivery against real local servers: SMTP (aiosmtpd) and a group-robot webhook (http.server)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pipeline.models import Delivery, DeliveryAttempt, Reminder
from pipeline.models.base import utcnow
from pipeline.reminders.deliver import backoff, deliver_pending
from pipeline.reminders.scan import run_scan
from tests.reminders.helpers import Robot, free_port, local_robot, local_smtp, milestone

TODAY = date(2026, 6, 10)


@pytest.fixture
def smtp(app, monkeypatch):
    yield from local_smtp(app, monkeypatch, BASE_URL="https://kj.lyg.example.cn")


def _one_overdue(db, city):
    m = milestone(city.firm_a1, TODAY - timedelta(days=2), title="提交研发费用专项审计报告")
    city.officer_a.notify_email = False  # only the firm user's e-mail in these tests
    db.session.commit()
    run_scan(TODAY)
    return m


def test_email_arrives_with_chinese_subject_body_and_link(db, city, smtp):
    m = _one_overdue(db, city)
    r = deliver_pending()
    assert (r.sent, r.failed, r.gave_up) == (3, 0, 0)  # firm user in-app + e-mail, officer in-app
    assert len(smtp.messages) == 1
    rcpts, msg = smtp.messages[0]
    assert rcpts == ["firm_a1@example.test"]
    assert msg["Subject"] == f"【小升高提醒】【已逾期】{city.firm_a1.name}：提交研发费用专项审计报告"
    assert "甲公司联系人" in str(msg["To"]) and "noreply@lyg.example.cn" in str(msg["From"])
    body = msg.get_content()
    assert "甲公司联系人，您好" in body and "已逾期2天" in body
    assert f"https://kj.lyg.example.cn/portal/#ms-{m.id}" in body  # a firm user opens the portal
    assert "截止日期：2026年6月8日" in body
    log = db.session.execute(select(DeliveryAttempt.channel, DeliveryAttempt.result)).all()
    assert sorted(log) == [("email", "ok"), ("inapp", "ok"), ("inapp", "ok")]
    assert deliver_pending().sent == 0  # nothing is sent twice


def test_smtp_down_retries_with_back_off_then_gives_up_visibly_and_keeps_the_reminder(
    app, db, city, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    monkeypatch.setitem(app.config, "REMINDER_MAX_ATTEMPTS", 4)
    _one_overdue(db, city)
    t0 = utcnow()
    waits = []
    now = t0
    for attempt in range(1, 5):
        r = deliver_pending(now=now, channels_only=("email",))
        assert r.sent == 0 and (r.failed, r.gave_up) == ((1, 0) if attempt < 4 else (0, 1))
        d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
        db.session.refresh(d)
        assert d.attempts == attempt and d.last_error.startswith("连接被拒绝")
        if attempt < 4:
            waits.append(d.next_attempt_at - now)
            # not before its time
            assert (
                deliver_pending(now=d.next_attempt_at - timedelta(seconds=1), channels_only=("email",)).failed
                == 0
            )
            now = d.next_attempt_at
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
    assert d.status == "gave_up" and d.next_attempt_at is None
    assert db.session.scalar(select(Reminder.title).where(Reminder.id == d.reminder_id))  # nothing lost
    assert (
        len(db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id)).all()) == 4
    )
    assert (
        deliver_pending(now=now + timedelta(days=1), channels_only=("email",)).failed == 0
    )  # given up: left alone


def test_server_answering_550_is_retried_and_succeeds_once_it_recovers(db, city, smtp):
    smtp.reject = True
    _one_overdue(db, city)
    now = utcnow()
    r = deliver_pending(now=now, channels_only=("email",))
    assert r.failed == 1 and "550" in r.errors[0][2]
    smtp.reject = False
    r = deliver_pending(now=now + timedelta(minutes=5), channels_only=("email",))
    assert r.sent == 1 and len(smtp.messages) == 1
    d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
    assert (d.status, d.attempts) == ("sent", 2)


def test_user_without_address_is_given_up_at_once(db, city, smtp):
    _one_overdue(db, city)
    d = db.session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
    city.user_a1.email = None
    db.session.commit()
    deliver_pending(channels_only=("email",))
    db.session.refresh(d)
    assert d.status == "gave_up" and "邮箱" in d.last_error and d.attempts == 1


@pytest.fixture
def robot(app, monkeypatch):
    yield from local_robot(app, monkeypatch)


def test_webhook_posts_wecom_dingtalk_text_and_logs_robot_errors(app, db, city, robot, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://kj.lyg.example.cn")
    city.a.webhook_url = robot
    _one_overdue(db, city)
    Robot.reply = {"errcode": 93000, "errmsg": "invalid webhook url"}
    now = utcnow()
    r = deliver_pending(now=now, channels_only=("webhook",))
    assert r.failed == 1 and "93000" in r.errors[0][2]
    Robot.reply = {"errcode": 0, "errmsg": "ok"}
    assert deliver_pending(now=now + timedelta(minutes=5), channels_only=("webhook",)).sent == 1
    msg = Robot.received[-1]
    assert msg["msgtype"] == "text" and city.firm_a1.name in msg["text"]["content"]
    assert f"https://kj.lyg.example.cn/firms/{city.firm_a1.id}#ms-" in msg["text"]["content"]


def test_a_delivery_is_claimed_by_one_sender_only(db, city):
    from pipeline.reminders.deliver import _claim

    _one_overdue(db, city)
    d = db.session.scalars(select(Delivery).where(Delivery.channel == "inapp")).first()
    now = utcnow()
    assert _claim(d.id, 0, now) is True
    assert _claim(d.id, 0, now) is False


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 5, 60).total_seconds() / 60 for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_weekly_digest_lists_the_county_and_runs_once_a_week(db, city):
    from pipeline.reminders.digest import run_digest

    milestone(city.firm_a1, TODAY - timedelta(days=3), title="完善研发辅助账")
    milestone(city.firm_a2, TODAY + timedelta(days=5), title="提交软件著作权登记")
    milestone(city.firm_b, TODAY + timedelta(days=5), title="连云区的事")
    milestone(city.firm_a1, TODAY + timedelta(days=30), title="以后的事")
    db.session.commit()
    first = run_digest(TODAY)
    assert first["created"] == 3 and run_digest(TODAY + timedelta(days=2))["created"] == 0  # same ISO week
    body = db.session.scalar(select(Reminder.body).where(Reminder.user_id == city.officer_a.id))
    title = db.session.scalar(select(Reminder.title).where(Reminder.user_id == city.officer_a.id))
    assert title == "【每周汇总】海州区：逾期1项，7天内到期1项"
    assert "完善研发辅助账" in body and "逾期3天" in body and "提交软件著作权登记" in body
    assert "连云区的事" not in body and "以后的事" not in body
    assert run_digest(TODAY + timedelta(days=7))["created"] == 3  # next week


def test_english_user_gets_the_reminder_in_english_and_the_chinese_one_is_unchanged(db, city, smtp):
    """Issue 17: the e-mail is rendered from the reminder's message code in the recipient's saved locale."""
    import re

    city.user_a1.locale = "en"
    m = milestone(city.firm_a1, TODAY - timedelta(days=2), title="在高新技术企业认定管理工作网注册企业账号")
    m.title_msg = {"code": "ms.platform.title", "params": {}}
    city.user_a1.notify_email = True
    db.session.commit()
    run_scan(TODAY)
    deliver_pending()
    _, msg = next((r, x) for r, x in smtp.messages if r == ["firm_a1@example.test"])
    name = city.firm_a1.name
    assert msg["Subject"] == (
        f"[HNTE pipeline reminder] [Overdue] {name}: Register the firm's account on the HNTE recognition "
        "platform (www.innocom.gov.cn) and have it activated by the local recognition office"
    )
    body = msg.get_content()
    assert "Dear 甲公司联系人," in body
    assert "was due on 2026-06-08 and is 2 days overdue" in body and "Due: 2026-06-08" in body
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    assert not cjk.search(body.replace(name, "").replace("甲公司联系人", "")), body
    # the stored text (what the robot and a Chinese reader get) is the Chinese sentence, unchanged
    r = db.session.scalars(select(Reminder).where(Reminder.user_id == city.user_a1.id)).one()
    assert r.title == f"【已逾期】{name}：在高新技术企业认定管理工作网注册企业账号"
    assert r.msg_code == "milestone_overdue" and r.msg_params["days"] == 2
