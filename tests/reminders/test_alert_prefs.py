"""Issue 17: per-channel alert choice (instant, or critical at once + daily/weekly digest) and the digest,
through the account form and against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pipeline.models import AuditLog, Delivery, Reminder
from pipeline.reminders.deliver import deliver_pending
from pipeline.reminders.digest import run_digests, run_user_digests
from pipeline.reminders.scan import run_scan
from tests.conftest import login
from tests.reminders.helpers import milestone
from tests.reminders.test_reminder_delivery import smtp  # noqa: F401 (the real SMTP server fixture)
from tests.web.formdata import form_data

TODAY = date(2026, 6, 10)  # a Wednesday


def _log_in(client, user):
    from flask import g

    g.pop("_login_user", None)
    login(client, user)


def _choose(client, user, **modes):
    """Open the account page, change only the given selects, post the form as the browser would."""
    _log_in(client, user)
    data = form_data(client.get("/account/").get_data(as_text=True), "/account/alerts")
    for channel, mode in modes.items():
        data[f"al-{channel}"] = mode
    return client.post("/account/alerts", data=data, follow_redirects=True)


def _deliveries(db, user):
    return sorted(
        db.session.execute(
            select(Reminder.rule, Delivery.channel, Delivery.status)
            .join(Delivery, Delivery.reminder_id == Reminder.id)
            .where(Reminder.user_id == user.id)
        ).all()
    )


def test_account_form_is_prefilled_saves_only_what_changed_and_refuses_a_stale_page(client, db, city):
    _log_in(client, city.user_a1)
    html = client.get("/account/").get_data(as_text=True)
    assert "仅紧急提醒即时发送，其余每日汇总" in html
    data = form_data(html, "/account/alerts")
    assert (data["al-inapp"], data["al-email"]) == ("instant", "instant")
    # posted back as pre-filled: nothing changes, nothing audited
    resp = client.post("/account/alerts", data=data, follow_redirects=True)
    assert "没有修改任何内容" in resp.get_data(as_text=True)
    assert db.session.scalars(select(AuditLog)).all() == []
    stale = dict(data)
    data["al-email"] = "daily"
    resp = client.post("/account/alerts", data=data, follow_redirects=True)
    assert "提醒方式已保存" in resp.get_data(as_text=True)
    db.session.refresh(city.user_a1)
    u = city.user_a1
    assert (u.notify_inapp, u.inapp_digest, u.notify_email, u.email_digest) == (True, "off", True, "daily")
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user")).one()
    assert audit.before == {"email_digest": "off"} and audit.after == {"email_digest": "daily"}
    # the page now shows the saved choice
    again = form_data(client.get("/account/").get_data(as_text=True), "/account/alerts")
    assert (again["al-inapp"], again["al-email"]) == ("instant", "daily")
    # the page opened before that save cannot overwrite it
    stale["al-inapp"] = "none"
    resp = client.post("/account/alerts", data=stale)
    assert resp.status_code == 409 and "已在别处" in resp.get_data(as_text=True)
    db.session.refresh(u)
    assert (u.notify_inapp, u.email_digest) == (True, "daily")
    # a value that is not a choice is refused with the field named
    bad = dict(again, **{"al-email": "hourly"})
    resp = client.post("/account/alerts", data=bad)
    assert resp.status_code == 422 and "电子邮件" in resp.get_data(as_text=True)
    # turning a channel off keeps its digest choice for when it is turned on again
    _choose(client, u, email="none")
    db.session.refresh(u)
    assert (u.notify_email, u.email_digest) == (False, "daily")


def test_daily_digest_holds_non_critical_mail_sends_critical_at_once_and_digests_by_smtp(
    client,
    db,
    city,
    smtp,  # noqa: F811
):
    city.officer_a.notify_email = False
    db.session.commit()
    resp = _choose(client, city.user_a1, email="daily")
    assert resp.status_code == 200
    soon = milestone(city.firm_a1, TODAY + timedelta(days=14), title="提交软件著作权登记")  # first mark
    milestone(city.firm_a1, TODAY - timedelta(days=2), title="完善研发辅助账")  # overdue: critical
    db.session.commit()
    run_scan(TODAY)
    got = _deliveries(db, city.user_a1)
    assert ("milestone_due", "email", "held") in got and ("milestone_overdue", "email", "pending") in got
    assert ("milestone_due", "inapp", "pending") in got  # the bell stays instant: chosen per channel
    deliver_pending()
    assert [m["Subject"] for _, m in smtp.messages] == [
        f"【小升高提醒】【已逾期】{city.firm_a1.name}：完善研发辅助账"
    ]
    # the weekly run leaves a daily user's held mail alone
    assert run_user_digests(TODAY, "weekly")["created"] == 0
    r = run_user_digests(TODAY, "daily")
    assert r["created"] == 1 and r["deliveries"] == 1
    assert run_user_digests(TODAY, "daily")["created"] == 0  # once a day
    deliver_pending()
    assert len(smtp.messages) == 2
    rcpts, msg = smtp.messages[1]
    assert rcpts == ["firm_a1@example.test"]
    assert msg["Subject"] == "【小升高提醒】【每日汇总】1条提醒，0项待处理"
    body = msg.get_content()
    assert f"【14天后到期】{city.firm_a1.name}：提交软件著作权登记" in body and "2026年6月24日到期" in body
    assert "完善研发辅助账" not in body  # already sent at once
    assert "https://kj.lyg.example.cn/inbox/" in body
    held = db.session.scalar(
        select(Delivery.status)
        .join(Reminder)
        .where(
            Reminder.subject_id == soon.id, Reminder.user_id == city.user_a1.id, Delivery.channel == "email"
        )
    )
    assert held == "digested"
    # next day: nothing new held, nothing to say -> no digest
    assert run_user_digests(TODAY + timedelta(days=1), "daily")["created"] == 0


def test_officer_weekly_digest_lists_submissions_to_review_and_progress_reports(client, db, city):
    from pipeline.services.firms import report_progress, submit_figures

    _choose(client, city.officer_a, inapp="weekly")
    ms = milestone(city.firm_a1, TODAY + timedelta(days=40), title="申请发明专利")
    db.session.commit()
    submit_figures(city.user_a1, city.firm_a1, {"year": "2025", "rd_total": "321"})
    report_progress(city.user_a1, city.firm_a1, ms, "已提交申请材料")
    db.session.commit()
    # the events wait for the officer's weekly digest in the bell (their e-mail stays instant)
    got = _deliveries(db, city.officer_a)
    assert ("submission", "inapp", "held") in got and ("submission", "email", "pending") in got
    monday = TODAY + timedelta(days=5)
    out = run_digests(monday)
    assert out["weekly_users"]["created"] == 1
    rem = db.session.scalars(
        select(Reminder).where(Reminder.rule == "user_digest", Reminder.user_id == city.officer_a.id)
    ).one()
    assert rem.title == "【每周汇总】0条提醒，2项待处理"
    assert "待审核的企业报送（1项）：" in rem.body and f"· {city.firm_a1.name}：2025年度数据" in rem.body
    assert "待确认的进展报告（1项）：" in rem.body and "申请发明专利" in rem.body
    assert [d.channel for d in rem.deliveries] == ["inapp"]
    # the county's weekly overview lists them too (issue 11), for every officer of the county
    county = db.session.scalar(
        select(Reminder.body).where(Reminder.rule == "digest", Reminder.user_id == city.officer_a2.id)
    )
    assert "待审核的企业报送（1项）：" in county and "待确认的进展报告（1项）：" in county
    # the other county's officer sees none of it
    other = db.session.scalar(
        select(Reminder.body).where(Reminder.rule == "digest", Reminder.user_id == city.officer_b.id)
    )
    assert city.firm_a1.name not in other
    assert run_digests(monday)["weekly_users"]["created"] == 0
    # a non-Monday run makes no weekly digest
    assert "weekly_users" not in run_digests(monday + timedelta(days=1))


def test_switching_back_to_instant_releases_what_was_held_in_the_next_daily_run(client, db, city):
    _choose(client, city.user_a1, inapp="weekly")
    milestone(city.firm_a1, TODAY + timedelta(days=14), title="提交软件著作权登记")
    db.session.commit()
    run_scan(TODAY)
    assert ("milestone_due", "inapp", "held") in _deliveries(db, city.user_a1)
    _choose(client, city.user_a1, inapp="instant")
    assert run_user_digests(TODAY, "daily")["created"] == 1
    got = _deliveries(db, city.user_a1)
    assert ("milestone_due", "inapp", "digested") in got and ("user_digest", "inapp", "pending") in got


def test_digests_are_in_each_readers_language_by_mail_and_on_the_page(
    client,
    db,
    city,
    smtp,  # noqa: F811
):
    """Issue 17: a digest is stored in Chinese with a message per line; an English user's digest e-mail
    and an English officer's county digest on the notifications page read in English."""
    import re

    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    names = [city.firm_a1.name, city.firm_a2.name, city.a.name, "甲公司联系人"]

    def clean(text):
        for n in names:
            text = text.replace(n, "")
        return text

    city.officer_a.notify_email = False
    city.user_a1.locale = "en"
    city.officer_a.locale = "en"
    db.session.commit()
    _choose(client, city.user_a1, email="daily")
    m = milestone(city.firm_a1, TODAY + timedelta(days=14), title="在高新技术企业认定管理工作网注册企业账号")
    m.title_msg = {"code": "ms.platform.title", "params": {}}
    late = milestone(
        city.firm_a2, TODAY - timedelta(days=3), title="在高新技术企业认定管理工作网注册企业账号"
    )
    late.title_msg = {"code": "ms.platform.title", "params": {}}
    db.session.commit()
    run_scan(TODAY)
    deliver_pending()
    assert run_user_digests(TODAY, "daily")["created"] == 1
    deliver_pending()
    msg = [x for r, x in smtp.messages if r == ["firm_a1@example.test"]][-1]
    assert msg["Subject"] == "[HNTE pipeline reminder] [Daily digest] 1 reminders, 0 to do"
    body = msg.get_content()
    assert "As of 2026-06-10, your non-urgent reminders and to-dos" in body
    assert f"· [Due in 14 days] {city.firm_a1.name}: Register the firm's account" in body
    assert "(due 2026-06-24)" in body and not cjk.search(clean(body)), body
    stored = db.session.scalars(select(Reminder).where(Reminder.rule == "user_digest")).one()
    assert stored.title == "【每日汇总】1条提醒，0项待处理"  # stored in Chinese, as before
    assert (
        f"· 【14天后到期】{city.firm_a1.name}：在高新技术企业认定管理工作网注册企业账号（2026年6月24日到期）"
        in stored.body
    )

    from pipeline.reminders.digest import run_digest

    assert run_digest(TODAY)["created"] >= 1
    deliver_pending(channels_only=("inapp",))
    _log_in(client, city.officer_a)
    page = client.get("/notifications/").get_data(as_text=True)
    texts = [
        t for t in re.findall(r'class="notice-(?:title|body)">(.*?)</', page, re.S) if "Weekly digest" in t
    ]
    assert texts == [f"[Weekly digest] {city.a.name}: 1 overdue, 0 due within 7 days"]
    body = re.search(r"Weekly digest.*?notice-body\">(.*?)</div>", page, re.S).group(1)
    assert f"· {city.firm_a2.name}: Register the firm&#39;s account" in body and "3 days overdue" in body
    assert not cjk.search(clean(body)), body
