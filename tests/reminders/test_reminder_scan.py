"""The outbox scan: right recipients, channel choices, idempotent when run twice or at once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pipeline.models import ApplicationBatch, Delivery, Reminder, ScanRun, Setting
from pipeline.reminders.scan import run_scan
from tests import factories as f
from tests.reminders.helpers import milestone

TODAY = date(2026, 6, 10)


def reminders(db):
    return db.session.execute(
        select(Reminder.rule, Reminder.firm_id, Reminder.user_id, Reminder.county_id).order_by(Reminder.id)
    ).all()


def channels_of(db, user_id):
    return sorted(
        db.session.scalars(select(Delivery.channel).join(Reminder).where(Reminder.user_id == user_id))
    )


def test_firm_owned_milestone_reaches_only_that_firms_users(db, city):
    milestone(city.firm_a1, TODAY + timedelta(days=3), owner="firm")
    db.session.commit()
    r = run_scan(TODAY)
    assert r.created == 1
    assert reminders(db) == [("milestone_due", city.firm_a1.id, city.user_a1.id, city.a.id)]
    assert channels_of(db, city.user_a1.id) == ["email", "inapp"]


def test_officer_owned_milestone_goes_to_the_firms_officer_and_overdue_goes_to_both(db, city):
    milestone(city.firm_a1, TODAY + timedelta(days=14), owner="officer", title="上门辅导")
    milestone(city.firm_a1, TODAY - timedelta(days=1), owner="firm", title="补充研发辅助账")
    db.session.commit()
    run_scan(TODAY)
    got = sorted((rule, uid) for rule, _, uid, _ in reminders(db))
    assert got == sorted(
        [
            ("milestone_due", city.officer_a.id),
            ("milestone_overdue", city.officer_a.id),
            ("milestone_overdue", city.user_a1.id),
        ]
    )


def test_firm_without_its_own_officer_reaches_every_officer_of_its_county_and_no_one_else(db, city):
    milestone(city.firm_a2, TODAY - timedelta(days=5))
    db.session.commit()
    run_scan(TODAY)
    uids = {uid for _, _, uid, _ in reminders(db)}
    assert uids == {city.officer_a.id, city.officer_a2.id, city.user_a2.id}
    assert not uids & {city.officer_b.id, city.user_b.id, city.user_a1.id, city.admin.id}


def test_channel_choices_are_honoured(db, city):
    city.user_a1.notify_email = False
    city.officer_a.notify_inapp = False
    milestone(city.firm_a1, TODAY - timedelta(days=2))
    db.session.commit()
    run_scan(TODAY)
    assert channels_of(db, city.user_a1.id) == ["inapp"]
    assert channels_of(db, city.officer_a.id) == ["email"]


def test_scan_twice_gives_the_same_rows(db, city):
    milestone(city.firm_a1, TODAY + timedelta(days=2))
    milestone(city.firm_b, TODAY - timedelta(days=9), owner="officer")
    db.session.commit()
    first = run_scan(TODAY)
    rows = db.session.execute(select(Reminder.id, Reminder.dedupe_key).order_by(Reminder.id)).all()
    dels = db.session.scalar(select(func.count()).select_from(Delivery))
    again = run_scan(TODAY)
    later = run_scan(TODAY + timedelta(days=1))  # same windows the next day: still nothing new
    assert first.created == 3 and again.created == 0 and later.created == 0
    assert db.session.execute(select(Reminder.id, Reminder.dedupe_key).order_by(Reminder.id)).all() == rows
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == dels == 6
    runs = db.session.execute(select(ScanRun.status, ScanRun.created).order_by(ScanRun.id)).all()
    assert runs == [("ok", 3), ("ok", 0), ("ok", 0)]


def test_two_scans_at_once_create_nothing_twice(app, db, city):
    for i in range(40):
        milestone(city.firm_a1, TODAY - timedelta(days=i + 1), title=f"任务{i}")
    db.session.commit()
    results, errors = [], []

    def scan():
        with app.app_context():
            try:
                results.append(run_scan(TODAY, chunk=7))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.created for r in results) == 80  # 40 overdue × (firm user + officer)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 80
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 160


def test_batch_cutoff_reaches_firms_targeting_that_batch(db, city):
    db.session.add(ApplicationBatch(code="2026-3", year=2026, cutoff=TODAY + timedelta(days=7)))
    milestone(city.firm_a1, TODAY + timedelta(days=200), target_batch="2026-3")
    f.roadmap(city.firm_b, TODAY, target_batch="2027-1")
    db.session.commit()
    run_scan(TODAY)
    got = db.session.execute(select(Reminder.rule, Reminder.firm_id, Reminder.title)).all()
    assert {(r, fid) for r, fid, _ in got} == {("batch_cutoff", city.firm_a1.id)}
    assert all("2026-3" in t for *_, t in got) and len(got) == 2  # firm user + officer


def test_urgent_reminders_go_to_the_county_group_robot_once(db, city):
    city.a.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test"
    milestone(city.firm_a1, TODAY - timedelta(days=1))
    milestone(city.firm_a1, TODAY + timedelta(days=10))  # not urgent: no robot
    db.session.commit()
    run_scan(TODAY)
    run_scan(TODAY)
    robot = db.session.execute(
        select(Reminder.rule, Reminder.user_id, Delivery.channel)
        .join(Delivery)
        .where(Delivery.channel == "webhook")
    ).all()
    assert robot == [("milestone_overdue", None, "webhook")]


@pytest.mark.parametrize(
    "mode, rules",
    [
        ("instant", {"milestone_overdue", "milestone_due"}),  # every reminder of the county at once
        ("daily", {"milestone_overdue"}),  # urgent at once, the rest in the daily county digest
        ("none", set()),  # the group receives nothing
    ],
)
def test_the_robots_choice_decides_what_goes_to_the_group_at_once(db, city, mode, rules):
    city.a.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test"
    city.a.webhook_digest = mode
    milestone(city.firm_a1, TODAY - timedelta(days=1))
    milestone(city.firm_a1, TODAY + timedelta(days=14))  # the 14-day mark: not urgent
    db.session.commit()
    run_scan(TODAY)
    robot = db.session.execute(
        select(Reminder.rule).join(Delivery).where(Delivery.channel == "webhook")
    ).scalars()
    assert set(robot) == rules
    users = db.session.execute(select(Reminder.rule).where(Reminder.user_id.isnot(None))).scalars()
    assert set(users) == {
        "milestone_overdue",
        "milestone_due",
    }  # people get theirs whatever the robot's choice


def test_thresholds_are_settings(db, city):
    milestone(city.firm_a1, TODAY + timedelta(days=20))
    db.session.commit()
    assert run_scan(TODAY).created == 0
    db.session.add(Setting(key="reminders.milestone_days", value=[21, 3]))
    db.session.commit()
    assert run_scan(TODAY).created == 1


def test_stale_data_and_certified_firms(db, city):
    from tests import factories as f

    nf = f.firm(
        city.a,
        "连云港丁科技有限公司",
        stage="certified",
        hnte_cert_date=date(2024, 11, 20),
        hnte_cert_expiry=date(2027, 11, 19),
    )
    db.session.commit()
    r = run_scan(date(2026, 5, 20))
    by_rule = dict(r.by_rule)
    assert by_rule.pop("tsme_window") > 0  # issue 16: the 2026 科小 window opens on 1 June
    assert by_rule == {"annual_report": 2, "stale_data": 2}  # two county officers each (no firm user)
    titles = db.session.scalars(select(Reminder.title).where(Reminder.firm_id == nf.id)).all()
    assert any("2025年度" in t for t in titles)


def test_a_failing_scan_is_recorded(db, city, monkeypatch):
    import pytest

    from pipeline.reminders import scan as scan_mod

    def boom(*a, **k):
        raise RuntimeError("数据读取失败")

    monkeypatch.setattr(scan_mod, "load_inputs", boom)
    with pytest.raises(RuntimeError):
        run_scan(TODAY)
    run = db.session.scalars(select(ScanRun)).one()
    assert run.status == "error" and "数据读取失败" in run.error and run.finished_at is not None


def test_a_firm_without_an_account_has_its_reminders_sent_to_its_officer(db, city):
    from tests import factories as f

    lonely = f.firm(city.a, "连云港无账号科技有限公司", officer_id=city.officer_a2.id)
    f.year(lonely, 2025)
    milestone(lonely, TODAY + timedelta(days=3), owner="firm")
    db.session.commit()
    run_scan(TODAY)
    assert reminders(db) == [("milestone_due", lonely.id, city.officer_a2.id, city.a.id)]
    link, body = db.session.execute(select(Reminder.link, Reminder.body)).one()
    assert link.startswith(f"/firms/{lonely.id}#ms-")  # the officer opens the firm page, not a portal
    assert "还没有平台账号" in body
