"""The bell, the notification pages, channel choices and the admins' health page."""

from __future__ import annotations

import socket
from datetime import date, timedelta

from sqlalchemy import func, select

from pipeline import clock
from pipeline.models import AuditLog, Delivery, Reminder, ScanRun
from pipeline.models.base import utcnow
from pipeline.reminders.deliver import deliver_pending
from pipeline.reminders.scan import run_scan
from tests.conftest import login
from tests.reminders.helpers import milestone

TODAY = date(2026, 6, 10)


def _log_in(client, user):
    """Log in as ``user``; requests share the test's app context, so drop Flask-Login's cached user too."""
    from flask import g

    g.pop("_login_user", None)
    login(client, user)


def _overdue_for_a1(db, city, title="提交研发费用专项审计报告"):
    m = milestone(city.firm_a1, TODAY - timedelta(days=2), title=title)
    db.session.commit()
    run_scan(TODAY)
    deliver_pending(channels_only=("inapp",))
    return m


def _inapp(db, user):
    return db.session.scalars(
        select(Delivery).join(Reminder).where(Reminder.user_id == user.id, Delivery.channel == "inapp")
    ).one()


def test_bell_shows_unread_count_and_the_list_shows_the_reminder(client, db, city):
    _overdue_for_a1(db, city)
    _log_in(client, city.user_a1)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "提交研发费用专项审计报告" in page and "已逾期2天" in page
    assert 'class="bell-count">1<' in page


def test_english_reader_sees_the_reminder_in_english_and_older_rows_as_stored(client, db, city):
    """Issue 17: the page renders the row's message code in the UI language; a row without a code
    (written before codes existed) shows its stored text."""
    import re

    m = milestone(city.firm_a1, TODAY + timedelta(days=3), title="在高新技术企业认定管理工作网注册企业账号")
    m.title_msg = {"code": "ms.platform.title", "params": {}}
    db.session.commit()
    run_scan(TODAY)
    old = Reminder(
        dedupe_key="old|row",
        rule="stale_data",
        subject_type="firm",
        subject_id=city.firm_a1.id,
        period="x",
        firm_id=city.firm_a1.id,
        user_id=city.user_a1.id,
        title="旧提醒标题",
        body="旧提醒正文",
        created_at=utcnow(),
    )
    db.session.add(old)
    db.session.flush()
    db.session.add(Delivery(reminder_id=old.id, channel="inapp", status="pending", next_attempt_at=utcnow()))
    db.session.commit()
    deliver_pending(channels_only=("inapp",))
    _log_in(client, city.user_a1)
    zh = client.get("/notifications/").get_data(as_text=True)
    from flask import current_app

    with current_app.app_context():  # a request of its own (no locale left over in ``g``)
        en = client.get("/notifications/?lang=en").get_data(as_text=True)
    name = city.firm_a1.name
    assert f"【3天后到期】{name}：在高新技术企业认定管理工作网注册企业账号" in zh
    assert "将于2026年6月13日到期（3天后），负责方：企业。" in zh
    texts = re.findall(r'class="notice-(?:title|body)">(.*?)</', en, re.S)
    new = [t for t in texts if "旧提醒" not in t]
    assert len(new) == 2 and len(texts) == 4
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    for t in new:
        assert not cjk.search(t.replace(name, "")), t
    assert f"[Due in 3 days] {name}: Register the firm&#39;s account" in en
    assert "is due on 2026-06-13 (in 3 days); responsible: the firm." in en
    assert "旧提醒标题" in en and "旧提醒正文" in en


def test_firm_users_see_only_their_own_firms_reminders(client, db, city):
    _overdue_for_a1(db, city)
    d = _inapp(db, city.user_a1)
    _log_in(client, city.user_a2)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "提交研发费用专项审计报告" not in page and "bell-count" not in page
    assert client.post(f"/notifications/{d.id}/read").status_code == 404  # not theirs: 404
    db.session.refresh(d)
    assert d.read_at is None
    # a firm user moved to another firm no longer sees the old firm's reminders
    city.user_a1.firm_id = city.firm_a2.id
    db.session.commit()
    _log_in(client, city.user_a1)
    assert "提交研发费用专项审计报告" not in client.get("/notifications/").get_data(as_text=True)


def test_mark_read_open_and_read_all(client, db, city):
    m = _overdue_for_a1(db, city)
    milestone(city.firm_a1, TODAY - timedelta(days=1), title="第二件事")
    db.session.commit()
    run_scan(TODAY)
    deliver_pending(channels_only=("inapp",))
    _log_in(client, city.user_a1)
    first = db.session.scalars(
        select(Delivery)
        .join(Reminder)
        .where(Reminder.user_id == city.user_a1.id, Reminder.subject_id == m.id, Delivery.channel == "inapp")
    ).one()
    resp = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/portal/#ms-{m.id}")
    db.session.refresh(first)
    assert first.read_at is not None
    assert 'class="bell-count">1<' in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert "bell-count" not in client.get("/notifications/").get_data(as_text=True)


def test_channel_choices_are_saved_audited_and_honoured_by_the_next_scan(client, db, city):
    from tests.web.formdata import form_data

    _log_in(client, city.user_a1)
    # the old settings address (e-mails link to it) opens the account page's alert form
    resp = client.get("/notifications/settings")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/#alerts")
    html = client.get("/account/").get_data(as_text=True)
    data = form_data(html, "/account/alerts")
    assert (data["al-inapp"], data["al-email"]) == ("instant", "instant")  # pre-filled
    data["al-email"] = "none"
    resp = client.post("/account/alerts", data=data, follow_redirects=True)
    assert "提醒方式已保存" in resp.get_data(as_text=True)
    db.session.refresh(city.user_a1)
    assert (city.user_a1.notify_inapp, city.user_a1.notify_email) == (True, False)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user")).one()
    assert audit.before == {"notify_email": True} and audit.after == {"notify_email": False}
    milestone(city.firm_a1, TODAY - timedelta(days=2))
    db.session.commit()
    run_scan(TODAY)
    assert db.session.scalars(
        select(Delivery.channel).join(Reminder).where(Reminder.user_id == city.user_a1.id)
    ).all() == ["inapp"]


def test_post_without_csrf_token_is_refused(app, client, db, city, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _overdue_for_a1(db, city)
    d = _inapp(db, city.user_a1)
    _log_in(client, city.user_a1)
    assert client.post(f"/notifications/{d.id}/read").status_code == 400
    assert client.post("/account/alerts", data={"al-inapp": "instant", "al-email": "none"}).status_code == 400
    db.session.refresh(d)
    assert d.read_at is None


def test_health_page_is_for_admins_only(client, db, city):
    for user in (city.officer_a, city.user_a1):
        _log_in(client, user)
        assert client.get("/admin/reminders/").status_code == 404
    _log_in(client, city.admin)
    assert client.get("/admin/reminders/").status_code == 200


def test_health_page_shows_gave_up_deliveries_with_their_errors(app, client, db, city, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", dead_port)
    monkeypatch.setitem(app.config, "REMINDER_MAX_ATTEMPTS", 2)
    _overdue_for_a1(db, city)
    now = utcnow()
    deliver_pending(now=now, channels_only=("email",))
    deliver_pending(now=now + timedelta(hours=1), channels_only=("email",))
    _log_in(client, city.admin)
    page = client.get("/admin/reminders/?status=gave_up").get_data(as_text=True)
    assert (
        "已放弃" in page
        and "连接被拒绝" in page
        and "ConnectionRefusedError" not in page
        and "甲公司联系人" in page
    )
    assert page.count("重新发送") == 2  # the firm user's and the officer's e-mail
    email_only = client.get("/admin/reminders/?channel=inapp&status=gave_up").get_data(as_text=True)
    assert "没有符合条件的发送记录" in email_only
    future = (clock.today() + timedelta(days=2)).isoformat()
    assert "没有符合条件的发送记录" in client.get(f"/admin/reminders/?from={future}").get_data(as_text=True)
    assert "格式不对" in client.get("/admin/reminders/?from=2026-13-45", follow_redirects=True).get_data(
        as_text=True
    )
    # an admin sends one again
    d = db.session.scalars(select(Delivery).where(Delivery.status == "gave_up")).first()
    assert client.post(f"/admin/reminders/deliveries/{d.id}/retry").status_code == 302
    db.session.refresh(d)
    assert (d.status, d.attempts) == ("pending", 0)


def test_red_warning_when_no_scan_in_26_hours_for_admins_only(client, db, city):
    _log_in(client, city.admin)
    # never scanned and no scheduler ever ran: no red banner (issue 17), the reminder centre says why
    assert "超过 26 小时" not in client.get("/notifications/").get_data(as_text=True)
    assert "最近 26 小时内没有成功的提醒扫描" in client.get("/admin/reminders/").get_data(as_text=True)
    db.session.add(
        ScanRun(
            started_at=utcnow() - timedelta(hours=27),
            finished_at=utcnow() - timedelta(hours=27),
            today=TODAY,
            status="ok",
            created=0,
        )
    )
    db.session.add(
        ScanRun(
            started_at=utcnow() - timedelta(hours=1),
            finished_at=utcnow() - timedelta(hours=1),
            today=TODAY,
            status="error",
            error="boom",
        )
    )
    db.session.commit()
    assert "超过 26 小时" in client.get("/notifications/").get_data(as_text=True)  # an error does not count
    _log_in(client, city.officer_a)
    assert "超过 26 小时" not in client.get("/notifications/").get_data(as_text=True)
    run_scan(TODAY)
    _log_in(client, city.admin)
    page = client.get("/admin/reminders/").get_data(as_text=True)
    assert "26 小时" not in page and "成功" in page


def test_admin_sets_thresholds_and_the_next_scan_uses_them(client, db, city):
    from pipeline.models import Setting

    _log_in(client, city.admin)
    page = client.get("/admin/reminders/").get_data(as_text=True)
    assert 'name="milestone_days" value="14, 3"' in page and 'name="annual_report_due" value="5-31"' in page
    form = {
        "milestone_days": "21，3",
        "batch_days": "30, 7",
        "annual_report_due": "5-31",
        "annual_report_from": "5-1",
        "expiry_months": "12, 6, 3",
        "tsme_due": "3-31",
        "tsme_from": "3-1",
        "stale_from": "4-1",
        "stage_stuck_days": "abc",
    }
    page = client.post("/admin/reminders/settings", data=form, follow_redirects=True).get_data(as_text=True)
    assert "“阶段停留超过（天）提醒”填写为“abc”，格式不对" in page and "没有保存" in page
    assert db.session.scalar(select(Setting).where(Setting.key == "reminders.milestone_days")) is None
    form["stage_stuck_days"] = "90"
    assert "已保存" in client.post("/admin/reminders/settings", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert db.session.get(Setting, "reminders.milestone_days").value == [21, 3]
    assert db.session.get(Setting, "reminders.stage_stuck_days").value == 90
    assert db.session.scalars(select(AuditLog).where(AuditLog.entity == "setting")).one().after[
        "reminders.milestone_days"
    ] == [21, 3]
    milestone(city.firm_a1, TODAY + timedelta(days=20))
    db.session.commit()
    assert run_scan(TODAY).created == 1  # 20 days ahead: inside the new 21-day window


def test_admin_scan_now_queues_a_job_that_the_scheduler_runs(client, db, city):
    """Issue 13: "scan now" queues the scan (no inline scan in the request); the job page says it is
    queued and that no background process runs; the job runner then scans and delivers in-app."""
    from pipeline.models import Job
    from pipeline.reports.jobs import run_pending_jobs

    milestone(city.firm_a1, clock.today() - timedelta(days=1), title="立即扫描测试")
    db.session.commit()
    _log_in(client, city.officer_a)
    assert client.post("/admin/reminders/scan").status_code == 404
    assert db.session.scalar(select(Job.id)) is None
    _log_in(client, city.admin)
    resp = client.post("/admin/reminders/scan")
    job = db.session.scalars(select(Job)).one()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/jobs/{job.id}")
    assert (job.kind, job.status) == ("reminder_scan", "queued")
    assert db.session.scalar(select(ScanRun.id)) is None  # nothing scanned in the request
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "提醒扫描已排队" in page and "立即扫描提醒" in page and "排队中" in page
    assert 'id="no-scheduler"' in page  # no scheduler is running in the test: the page says so
    client.post("/admin/reminders/scan")  # a second click while queued reuses the queued job
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert run_pending_jobs() == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.params["result"] == {"created": 2, "sent": 2}
    assert db.session.scalar(select(ScanRun.id)) is not None
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "已完成" in page and 'id="job-download" hidden' in page  # nothing to download
    _log_in(client, city.user_a1)
    assert "立即扫描测试" in client.get("/notifications/").get_data(as_text=True)


def test_the_cached_list_shows_a_read_mark_and_a_new_reminder_on_the_next_page(client, db, city):
    """Issue 15: the list is rendered once per user, page and locale until a write; marking read and a
    new reminder are writes, so each shows on the very next page (English: tests/web/test_speed.py)."""
    m = _overdue_for_a1(db, city)
    run_scan(TODAY)
    deliver_pending(channels_only=("inapp",))
    _log_in(client, city.user_a1)
    page = client.get("/notifications/").get_data(as_text=True)
    assert client.get("/notifications/").get_data(as_text=True).count("/read") == page.count("/read")
    d = db.session.scalars(
        select(Delivery)
        .join(Reminder)
        .where(Reminder.user_id == city.user_a1.id, Reminder.subject_id == m.id, Delivery.channel == "inapp")
    ).one()
    assert page.count(f"/notifications/{d.id}/read") == 2  # open + mark as read
    assert client.post(f"/notifications/{d.id}/read").status_code == 302
    assert client.get("/notifications/").get_data(as_text=True).count(f"/notifications/{d.id}/read") == 1
    milestone(city.firm_a1, TODAY - timedelta(days=1), title="第二件事")
    db.session.commit()
    run_scan(TODAY)
    deliver_pending(channels_only=("inapp",))
    assert "第二件事" in client.get("/notifications/").get_data(as_text=True)
