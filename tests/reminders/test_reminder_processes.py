"""Real processes: a scan killed with SIGKILL mid-way then rerun; two schedulers started, one works."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from pipeline.models import Delivery, Reminder, ScanRun
from tests.reminders.helpers import milestone

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app.py"]
TODAY = date(2026, 6, 10)


def _env(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIPELINE_TEST_", "PIPELINE_SCAN_"))}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PYTHONUNBUFFERED="1", **extra)
    return env


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def watcher(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_scan_killed_mid_way_then_rerun_loses_nothing_and_doubles_nothing(app, db, city, watcher):
    for i in range(60):
        milestone(city.firm_a1, TODAY - timedelta(days=i + 1), title=f"逾期任务{i}")
    db.session.commit()
    expected = 120  # 60 overdue milestones × (firm user + firm's officer)

    proc = subprocess.Popen(
        FLASK + ["reminders", "scan", "--today", TODAY.isoformat()],
        cwd=ROOT,
        env=_env(app, PIPELINE_SCAN_CHUNK="10", PIPELINE_TEST_SCAN_PAUSE="0.4"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait(lambda: _count(watcher, "SELECT count(*) FROM reminder") >= 20, 30, "the first chunks")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    partial = _count(watcher, "SELECT count(*) FROM reminder")
    assert 0 < partial < expected
    # whole chunks only: every reminder written has both its deliveries
    assert _count(watcher, "SELECT count(*) FROM delivery") == partial * 2

    done = subprocess.run(
        FLASK + ["reminders", "scan", "--today", TODAY.isoformat()],
        cwd=ROOT,
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"新建提醒 {expected - partial} 条" in done.stdout
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == expected
    assert db.session.scalar(select(func.count(func.distinct(Reminder.dedupe_key)))) == expected
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == expected * 2
    runs = db.session.execute(select(ScanRun.status, ScanRun.error).order_by(ScanRun.id)).all()
    # the killed run never claimed success, and it no longer shows "running" (issue 12: its pid is gone)
    assert [r.status for r in runs] == ["error", "ok"] and "中断" in runs[0].error


def _holder(engine) -> str:
    return _count(engine, "SELECT holder FROM scheduler_lease WHERE name = 'reminders'") or ""


def _stop(proc) -> str:
    """SIGTERM, then after 30 s SIGKILL to the process and its group (a child left holding the output
    pipe would make ``communicate`` wait for ever)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            out = ""
    return out or ""


def test_second_scheduler_waits_as_standby_and_takes_over_within_seconds_of_a_kill_9(
    app, db, watcher, tmp_path
):
    def start(name):
        return subprocess.Popen(
            FLASK + ["reminders", "run", "--max-seconds", "90"],
            cwd=ROOT,
            env=_env(app),
            stdout=open(tmp_path / name, "w"),
            stderr=subprocess.STDOUT,
            text=True,
        )

    def said(name, text):
        return text in (tmp_path / name).read_text()

    first = start("first.log")
    second = None
    try:
        _wait(
            lambda: _count(watcher, "SELECT count(*) FROM scan_run WHERE status = 'ok'") == 1,
            30,
            "the first scheduler's catch-up scan",
        )
        assert f":{first.pid}:" in _holder(watcher)
        second = start("second.log")
        _wait(lambda: said("second.log", "本进程待命"), 60, "the second to find the lease held")
        time.sleep(1)
        assert second.poll() is None  # waiting, not exited
        assert _count(watcher, "SELECT count(*) FROM scan_run") == 1  # and it ran nothing
        assert f":{first.pid}:" in _holder(watcher)

        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        killed = time.monotonic()
        _wait(lambda: f":{second.pid}:" in _holder(watcher), 15, "the standby to take the lease")
        took = time.monotonic() - killed
    finally:
        if first.poll() is None:
            first.kill()
        first.wait()
        if second:
            _stop(second)
        out = (tmp_path / "second.log").read_text()
    assert "本进程待命" in out and "已取得调度锁" in out, out
    assert took < 5, took  # same host: the dead pid is seen at once, not after LEASE_TTL

    # --no-wait: a second process that must not wait says so and exits
    lone = subprocess.run(
        FLASK + ["reminders", "run", "--no-wait", "--max-seconds", "1"],
        cwd=ROOT,
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "已取得调度锁" in lone.stdout, lone.stdout + lone.stderr  # the lease was released: it ran


def test_make_run_supervisor_restarts_a_killed_scheduler(app, db, watcher):
    makefile = (ROOT / "Makefile").read_text()
    assert "./scripts/supervise.sh $(FLASK) reminders run" in makefile
    sup = subprocess.Popen(
        [str(ROOT / "scripts" / "supervise.sh"), *FLASK, "reminders", "run"],
        cwd=ROOT,
        env=_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        _wait(lambda: _holder(watcher).count(":") == 2, 30, "the supervised scheduler")
        pid = int(_holder(watcher).split(":")[1])
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        _wait(lambda: _holder(watcher) and f":{pid}:" not in _holder(watcher), 20, "a new scheduler")
        took = time.monotonic() - killed
        new_pid = int(_holder(watcher).split(":")[1])
    finally:
        out = _stop(sup)
        try:
            os.killpg(sup.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert new_pid != pid and took < 20, took  # 2 s pause + start-up (≈ 12 s at load 10 on 2 cores)
    assert "restarting in 2 s" in out
    with pytest.raises(ProcessLookupError):
        os.kill(new_pid, 0)  # stopping the supervisor stopped its scheduler


def test_lease_is_taken_over_only_when_stale(db):
    from pipeline.models.base import utcnow
    from pipeline.reminders.scheduler import LEASE_TTL, acquire_lease, renew_lease

    now = utcnow()
    assert acquire_lease("host:1:a", now)
    assert acquire_lease("host:1:a", now + timedelta(seconds=5))  # re-entrant for its holder
    assert not acquire_lease("host:2:b", now + timedelta(seconds=5))
    assert not acquire_lease("host:2:b", now + LEASE_TTL - timedelta(seconds=1))
    assert acquire_lease("host:2:b", now + LEASE_TTL + timedelta(seconds=6))  # holder died: heartbeat stale
    assert not renew_lease("host:1:a")  # the old holder learns it lost the lease


def test_scheduler_jobs_are_defined_in_code(app, db):
    from pipeline.reminders.scheduler import build_scheduler

    sched = build_scheduler(app, "test-holder", echo=lambda m: None)
    jobs = {j.id: j for j in sched.get_jobs()}
    assert {"lease-heartbeat", "reminders-scan", "reminders-digest"} <= set(jobs)
    # one delivery loop per channel (issue 12): a hung mail server never holds up in-app delivery
    assert {"reminders-deliver-inapp", "reminders-deliver-email", "reminders-deliver-webhook"} <= set(jobs)
    assert str(sched.timezone) == "Asia/Shanghai"
    assert sched._job_defaults["coalesce"] is True and sched._job_defaults["max_instances"] == 1
    assert sched._job_defaults["misfire_grace_time"] >= 3600
    assert "hour='6'" in str(jobs["reminders-scan"].trigger)
    assert "catch-up-scan" in jobs  # no scan yet: the scheduler scans at start-up
