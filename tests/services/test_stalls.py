"""Issue 18: time in stage, the stalled rule, the 退库 suggestion and re-entry, on constructed data
with a fixed ``today`` (never the machine's date)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import true

from pipeline.models import AuditLog, Setting, StageChange
from pipeline.services import stalls
from tests import factories as f

TODAY = date(2026, 6, 15)


def utc(day: date, hour: int = 2) -> datetime:
    """A stored (naive UTC) moment on ``day`` in Asia/Shanghai (02:00 UTC = 10:00 Beijing)."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


def ago(days: int, hour: int = 2) -> datetime:
    return utc(TODAY - timedelta(days=days), hour)


@pytest.fixture
def hz(db):
    return f.county("320706", "海州区")


@pytest.fixture
def officer(db, hz):
    return f.user("off_hz", "officer", county=hz)


def _touch(db, firm, user, days, entity="fiscal_year"):
    db.session.add(AuditLog(firm_id=firm.id, user_id=user.id, action="update", entity=entity, at=ago(days)))


def _moves(db, firm, user, *moves):
    """(from, to, days ago) stage moves; the firm ends at the last ``to``."""
    for frm, to, days in moves:
        db.session.add(
            StageChange(firm_id=firm.id, from_stage=frm, to_stage=to, user_id=user.id, at=ago(days))
        )
        firm.stage, firm.stage_changed_at = to, ago(days)


def _stalled(db, days=None):
    return {s.name: s for s in stalls.stalled_firms(true(), TODAY, days)[1]}


def test_stalled_rule_on_constructed_data(db, hz, officer):
    # moved 91 days ago, nothing since: stalled (N = 90)
    old = f.firm(hz, "老企业", stage="pool", created_at=ago(400), stage_changed_at=ago(91))
    # moved 91 days ago but its figures were updated by an officer 10 days ago: not stalled
    updated = f.firm(hz, "有更新", stage="pool", created_at=ago(400), stage_changed_at=ago(91))
    # moved 91 days ago; a milestone was updated 30 days ago: not stalled
    progress = f.firm(hz, "有进展", stage="coaching", created_at=ago(400), stage_changed_at=ago(91))
    # moved exactly 90 days ago: not more than N days, not stalled
    edge = f.firm(hz, "刚好90天", stage="pool", created_at=ago(400), stage_changed_at=ago(90))
    # only the nightly job touched it (no user): still stalled
    job = f.firm(hz, "只有任务", stage="to_apply", created_at=ago(400), stage_changed_at=ago(200))
    # waiting for the result of its application: never stalled
    applied = f.firm(hz, "已申报", stage="applied", created_at=ago(400), stage_changed_at=ago(200))
    # never moved, entered 100 days ago: counts from entry
    fresh = f.firm(hz, "从未推进", stage="candidate", created_at=ago(100))
    # a roadmap regeneration by a person is not progress on the firm
    regen = f.firm(hz, "仅重排", stage="pool", created_at=ago(400), stage_changed_at=ago(120))
    db.session.flush()
    _touch(db, updated, officer, 10)
    _touch(db, progress, officer, 30, "milestone")
    db.session.add(AuditLog(firm_id=job.id, user_id=None, action="update", entity="firm", at=ago(1)))
    _touch(db, regen, officer, 5, "roadmap")
    _touch(db, old, officer, 95)  # before the window: does not count
    db.session.commit()

    got = _stalled(db)
    assert set(got) == {"老企业", "只有任务", "从未推进", "仅重排"}
    assert got["老企业"].days == 91 and got["老企业"].last_activity == TODAY - timedelta(days=91)
    assert got["只有任务"].in_stage_days == 200
    assert got["从未推进"].days == 100
    total, rows = stalls.stalled_firms(true(), TODAY)
    assert total == 4 and rows[0].name == "只有任务"  # longest silence first
    # N is the setting
    db.session.add(Setting(key="reminders.stalled_days", value=150))
    db.session.commit()
    assert stalls.stalled_days() == 150
    assert set(_stalled(db)) == {"只有任务"}
    assert set(_stalled(db, days=60)) == {"老企业", "只有任务", "从未推进", "仅重排", "刚好90天"}
    assert stalls.stalled_ids([old.id, edge.id, applied.id, fresh.id], TODAY, 90) == {old.id, fresh.id}


def test_stalled_day_boundary_is_the_shanghai_date(db, hz):
    # 91 days ago at 17:00 UTC is already 92 days ago + 1 in Beijing (01:00 next day): 90 days → not stalled
    late = f.firm(hz, "北京次日", stage="pool", created_at=ago(400), stage_changed_at=ago(91, hour=17))
    db.session.commit()
    assert stalls.stalled_ids([late.id], TODAY, 90) == set()
    assert stalls.stalled_ids([late.id], TODAY + timedelta(days=1), 90) == {late.id}


def test_time_in_stage_and_average_per_stage(db, hz, officer):
    a = f.firm(hz, "甲", stage="candidate", created_at=ago(100))
    b = f.firm(hz, "乙", stage="candidate", created_at=ago(60))
    db.session.flush()
    # 甲: candidate for 40 days, pool for 30 days, now coaching for 30 days
    _moves(db, a, officer, ("candidate", "pool", 60), ("pool", "coaching", 30))
    # 乙: candidate for 20 days, now pool for 40 days
    _moves(db, b, officer, ("candidate", "pool", 40))
    db.session.commit()
    assert stalls.days_in_stage(a, TODAY) == 30 and stalls.stage_since(a) == TODAY - timedelta(days=30)
    rows = {r["stage"]: r for r in stalls.stage_durations(true(), TODAY)}
    assert rows["candidate"]["left"] == 2 and rows["candidate"]["avg_days_left"] == 30  # (40 + 20) / 2
    assert rows["pool"]["left"] == 1 and rows["pool"]["avg_days_left"] == 30
    assert rows["pool"]["now"] == 1 and rows["pool"]["avg_days_now"] == 40
    assert rows["coaching"]["now"] == 1 and rows["coaching"]["avg_days_now"] == 30
    assert rows["certified"]["now"] == 0 and rows["certified"]["avg_days_now"] is None


def test_exit_suggested_after_two_failed_applications_in_a_row(db, hz, officer):
    two = f.firm(hz, "连续两次未通过", created_at=ago(900))
    apart = f.firm(hz, "中间认定过", created_at=ago(900))
    once = f.firm(hz, "一次未通过", created_at=ago(900))
    back = f.firm(hz, "退库后重新入库", created_at=ago(900))
    db.session.flush()
    _moves(db, two, officer, ("pool", "applied", 700), ("applied", "failed", 600), ("failed", "applied", 300),
           ("applied", "failed", 200))  # fmt: skip
    _moves(db, apart, officer, ("pool", "applied", 700), ("applied", "failed", 600), ("failed", "certified", 400),
           ("certified", "applied", 300), ("applied", "failed", 200))  # fmt: skip
    _moves(db, once, officer, ("pool", "applied", 300), ("applied", "failed", 200))
    # two failures, then 退库, then back in the pool: the old failures no longer count
    _moves(db, back, officer, ("pool", "applied", 800), ("applied", "failed", 700), ("failed", "applied", 500),
           ("applied", "failed", 450), ("failed", "exited", 400), ("exited", "pool", 100))  # fmt: skip
    db.session.commit()
    assert stalls.exit_suggestion(two) == [TODAY - timedelta(days=600), TODAY - timedelta(days=200)]
    assert stalls.exit_suggestion(apart) is None
    assert stalls.exit_suggestion(once) is None
    assert stalls.exit_suggestion(back) is None
    ids = [two.id, apart.id, once.id, back.id]
    assert stalls.exit_suggested_ids(ids) == {two.id}  # the SQL rule agrees with the per-firm one
    # once it has left, nothing is suggested any more
    _moves(db, two, officer, ("failed", "exited", 1))
    db.session.commit()
    assert stalls.exit_suggestion(two) is None and stalls.exit_suggested_ids(ids) == set()


def test_re_entry_allowed_from_the_next_year(db, hz, officer):
    firm = f.firm(hz, "退库企业", created_at=ago(900))
    db.session.flush()
    _moves(db, firm, officer, ("failed", "exited", 30))  # 2026-05-16
    db.session.commit()
    message = stalls.re_entry_error(firm, "pool", TODAY)
    assert message and "2027" in message and "退库企业" in message
    assert stalls.re_entry_error(firm, "pool", date(2026, 12, 31)) is not None
    assert stalls.re_entry_error(firm, "pool", date(2027, 1, 1)) is None
    assert stalls.exited_on(firm) == TODAY - timedelta(days=30)


def test_re_entry_rule_in_the_stage_move(db, hz, officer):
    from pipeline.services.firms import FirmError, move_stage

    firm = f.firm(hz, "退库企业", created_at=ago(900))
    db.session.flush()
    _moves(db, firm, officer, ("failed", "exited", 30))
    db.session.commit()
    with pytest.raises(FirmError, match="2027"):
        move_stage(officer, firm, "pool", "重新入库", TODAY)
    db.session.rollback()
    assert firm.stage == "exited"
    assert move_stage(officer, firm, "pool", "重新入库", date(2027, 1, 4)) is True
    assert firm.stage == "pool"


def test_digest_lists_the_officers_stalled_firms_in_their_scope(db, hz, officer):
    from pipeline.reminders.digest import stalled_lines

    gy = f.county("320723", "灌云县")
    f.firm(hz, "海州停滞", stage="pool", created_at=ago(400), stage_changed_at=ago(120))
    f.firm(gy, "灌云停滞", stage="pool", created_at=ago(400), stage_changed_at=ago(120))
    f.firm(hz, "海州活跃", stage="pool", created_at=ago(400), stage_changed_at=ago(3))
    db.session.commit()
    items = stalls.digest_items(officer, TODAY)
    assert [name for name, _ in items] == ["海州停滞"]
    assert "120天" in items[0][1] and "入库培育" in items[0][1]
    lines = stalled_lines(officer, TODAY)
    assert lines[0] == "停滞企业（1家）：" and lines[1].startswith("· 海州停滞：")
