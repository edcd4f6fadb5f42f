"""Issue 16: scheduled briefing packs by e-mail — first working day, once per period, logged, re-sendable."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from pipeline.models import AuditLog, BriefingDelivery, BriefingSchedule
from tests import factories as f
from tests.conftest import login
from tests.reminders.helpers import local_smtp  # the same local SMTP server


@pytest.fixture
def smtp(app, monkeypatch, tmp_path):
    yield from local_smtp(app, monkeypatch, EXPORT_DIR=str(tmp_path))


def test_first_working_day_of_the_month():
    from pipeline.services.briefings import due_period

    # 2026-02: 1 Feb is a Sunday → Monday 2 Feb. 2026-10: National Day holiday 1–7 October, first working day 8 October.
    assert due_period("monthly_workday1", date(2026, 2, 1)) is None
    assert due_period("monthly_workday1", date(2026, 2, 2)) == "2026-02"
    assert due_period("monthly_workday1", date(2026, 10, 7)) is None
    assert due_period("monthly_workday1", date(2026, 10, 8)) == "2026-10"
    assert due_period("monthly_workday1", date(2026, 10, 20)) == "2026-10"  # a missed day catches up


def test_recipients_are_checked_line_by_line():
    from pipeline.services.briefings import BriefingError, parse_recipients

    assert parse_recipients("张局长 <zhang@lyg.example.cn>\nli@lyg.example.cn") == [
        ("张局长", "zhang@lyg.example.cn"),
        ("", "li@lyg.example.cn"),
    ]
    with pytest.raises(BriefingError, match="2"):
        parse_recipients("a@b.cn\nnot-an-email")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_scheduled_pack_is_sent_once_logged_and_resent(app, db, smtp):
    from pipeline.services import briefings

    county = f.county("320706", "海州区")
    admin = f.user("admin", "admin")
    db.session.commit()
    c = app.test_client()
    login(c, admin)
    with app.app_context():
        html = c.get("/admin/briefings/").get_data(as_text=True)
    assert "New schedule" in html or "新建定时发送" in html
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = m.group(1) if m else ""  # the test config turns CSRF checking off
    with app.app_context():
        resp = c.post(
            "/admin/briefings/",
            data={
                "csrf_token": token,
                "county": str(county.id),
                "cadence": "monthly_workday1",
                "active": "y",
                "recipients": "张局长 <zhang@lyg.example.cn>\nli@lyg.example.cn",
            },
        )
    assert resp.status_code == 302
    schedule = db.session.scalars(select(BriefingSchedule)).one()
    assert schedule.county_id == county.id and schedule.recipients.splitlines() == [
        "张局长 <zhang@lyg.example.cn>",
        "li@lyg.example.cn",
    ]
    with app.app_context():  # a bad address is refused with its line, nothing saved
        bad = c.post(
            "/admin/briefings/",
            data={"csrf_token": token, "county": "", "cadence": "monthly_workday1", "recipients": "nobody"},
        )
    assert (
        bad.status_code == 400 and db.session.scalar(select(func.count()).select_from(BriefingSchedule)) == 1
    )

    day = date(2026, 12, 1)  # Tuesday, a working day
    assert briefings.send_due(day) == {"due": 1, "sent": 1, "failed": 0}
    assert briefings.send_due(day) == {"due": 0, "sent": 0, "failed": 0}  # once per period
    assert len(smtp.messages) == 2  # one per recipient
    rcpts, msg = smtp.messages[0]
    assert (
        rcpts == ["zhang@lyg.example.cn"] and "海州区" in msg["Subject"] and "2026年12月1日" in msg["Subject"]
    )
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    d = db.session.scalars(select(BriefingDelivery)).one()
    assert (d.period, d.data_date, d.status) == ("2026-12", day, "sent")
    # the reminders' one mail builder: sender, UTF-8 name, a Message-ID fixed by delivery and recipient
    assert msg["From"].addresses[0].addr_spec == "noreply@lyg.example.cn"
    assert str(msg["To"]) == "张局长 <zhang@lyg.example.cn>"
    assert [m["Message-ID"] for _, m in smtp.messages] == [
        f"<xsg-briefing-{d.id}-1@lyg.example.cn>",
        f"<xsg-briefing-{d.id}-2@lyg.example.cn>",
    ]

    with app.app_context():
        html = c.get("/admin/briefings/").get_data(as_text=True)
        assert "2026-12" in html and "2026-12-01" in html
        c.post(f"/admin/briefings/deliveries/{d.id}/resend", data={"csrf_token": token})
    again = db.session.scalars(select(BriefingDelivery).where(BriefingDelivery.resend_of == d.id)).one()
    assert (again.period, again.data_date, again.status) == ("2026-12#r1", day, "sent")
    assert len(smtp.messages) == 4
    assert smtp.messages[2][1]["Message-ID"] == f"<xsg-briefing-{again.id}-1@lyg.example.cn>"  # a new mail
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "briefing_delivery")
        )
        == 1
    )
