"""One clock: between 00:00 and 08:00 Beijing time the pages and the reminder scan see the same date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from pipeline import clock
from pipeline.models import Milestone, Reminder, Roadmap, ScanRun
from tests.conftest import login
from tests.web.conftest import fresh


@pytest.fixture
def early_morning_in_beijing():
    # 18:30 UTC on 1 Dec is 02:30 on 2 Dec in Asia/Shanghai: the server's UTC date is still the 1st.
    clock.set_today(None)  # the date follows the pinned instant, not the run's pinned date
    clock.set_now_utc(datetime(2026, 12, 1, 18, 30))
    yield date(2026, 12, 2)
    clock.set_now_utc(None)


def test_page_and_scan_agree_on_the_beijing_date(app, world, db, early_morning_in_beijing):
    beijing = early_morning_in_beijing
    assert clock.today() == beijing
    roadmap = db.session.scalar(select(Roadmap).where(Roadmap.firm_id == world.own.id))
    ms = Milestone(
        roadmap_id=roadmap.id,
        firm_id=world.own.id,
        code="test.clock",
        title="钟表测试里程碑",
        due=beijing + timedelta(days=14),
        owner="firm",
        status="todo",
    )
    db.session.add(ms)
    db.session.commit()

    c = app.test_client()
    login(c, world.admin)
    html = fresh(app, c, "get", "/dashboard/").get_data(as_text=True)
    assert "2026-12-02" in html and "2026-12-01" not in html

    from pipeline.reminders.scan import run_scan

    run_scan(clock.today())
    assert db.session.scalar(select(ScanRun.today).order_by(ScanRun.id.desc())) == beijing
    titles = db.session.scalars(
        select(Reminder.title).where(Reminder.subject_id == ms.id, Reminder.subject_type == "milestone")
    ).all()
    assert titles and all("14天后到期" in t for t in titles)


def test_stored_times_are_utc(app, db, early_morning_in_beijing):
    from pipeline.models.base import utcnow

    assert utcnow() == datetime(2026, 12, 1, 18, 30)
    assert clock.to_shanghai(utcnow()).hour == 2
