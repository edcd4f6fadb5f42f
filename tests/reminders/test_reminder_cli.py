"""``flask reminders scan|deliver|digest`` print what they did; a malformed --today is refused."""

from __future__ import annotations

from datetime import date, timedelta

from tests.reminders.helpers import milestone

TODAY = date(2026, 6, 10)


def test_scan_prints_what_it_created_then_nothing_on_a_rerun(runner, db, city):
    milestone(city.firm_a1, TODAY - timedelta(days=1))
    milestone(city.firm_a1, TODAY + timedelta(days=3))
    db.session.commit()
    out = runner.invoke(args=["reminders", "scan", "--today", TODAY.isoformat()])
    assert out.exit_code == 0, out.output
    assert "扫描日期 2026-06-10" in out.output and "新建提醒 3 条" in out.output
    assert (
        "里程碑已逾期（milestone_overdue）：2" in out.output
        and "里程碑即将到期（milestone_due）：1" in out.output
    )
    again = runner.invoke(args=["reminders", "scan", "--today", TODAY.isoformat()])
    assert "新建提醒 0 条" in again.output


def test_deliver_and_digest_commands(runner, db, city):
    milestone(city.firm_a1, TODAY - timedelta(days=1))
    db.session.commit()
    runner.invoke(args=["reminders", "scan", "--today", TODAY.isoformat()])
    out = runner.invoke(args=["reminders", "deliver", "--channel", "inapp"])
    assert out.exit_code == 0 and "已发送 2" in out.output
    out = runner.invoke(args=["reminders", "digest", "--today", TODAY.isoformat()])
    assert out.exit_code == 0 and "2026-W24" in out.output and "新建汇总 3 条" in out.output


def test_bad_today_is_refused(runner, db):
    out = runner.invoke(args=["reminders", "scan", "--today", "2026-13-01"])
    assert out.exit_code != 0 and "--today" in out.output
