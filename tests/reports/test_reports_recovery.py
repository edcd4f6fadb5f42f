"""Issue 12, item 5: a PDF batch whose process is killed (kill -9) leaves no render process, no partial
folder and no job stuck in "running": its pid is gone, so it is queued again at the next look."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from pipeline.models import Job, ScanRun
from pipeline.models.base import utcnow
from tests import factories as f
from tests.reminders.test_reminder_processes import FLASK, ROOT, _count, _env, _wait
from tests.reports.conftest import TODAY


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z"


def test_killed_batch_render_processes_die_partial_folder_removed_job_requeued(
    world, db, app, tmp_path, monkeypatch
):
    from pipeline.reports import jobs

    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("worker processes need a database file or server")
    for i in range(6):
        f.firm(world["hz"], name=f"批量测试企业{i}", stage="pool")
    db.session.commit()
    job = jobs.queue_job(world["officer"], "roadmaps_county", world["hz"], TODAY)
    db.session.commit()  # the worker process reads it (issue 13: the caller commits)
    export_dir = tmp_path / "exports"
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(export_dir))
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    log = open(tmp_path / "run-jobs.log", "wb")  # not a pipe: an orphaned worker would hold it open
    proc = subprocess.Popen(
        FLASK + ["export", "run-jobs", "--workers", "2"],
        cwd=ROOT,
        env=_env(app, EXPORT_DIR=str(export_dir), PIPELINE_TEST_RENDER_PAUSE="3"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers = []
    try:
        _wait(lambda: any(export_dir.glob(f"job-{job.id}-*/*.pdf")), 240, "the first rendered PDF")
        workers = _children(proc.pid)
        assert len([w for w in workers if _alive(w)]) >= 2  # the pool's render processes
        assert _count(engine, f"SELECT status FROM job WHERE id = {job.id}") == "running"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed = time.monotonic()
        _wait(lambda: not any(_alive(w) for w in workers), 10, "the render processes to die")
        assert time.monotonic() - killed < 3  # PR_SET_PDEATHSIG: at once, not after their 3 s pause
    finally:
        for pid in [proc.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(10)
        log.close()
        engine.dispose()
    assert any(export_dir.glob(f"job-{job.id}-*"))  # what the killed process left behind

    assert jobs.requeue_stale(utcnow()) == 1  # its pid is gone: queued again now, not in an hour
    assert not any(export_dir.glob(f"job-{job.id}-*"))  # partial folder removed
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "queued"
    assert jobs.run_pending_jobs(workers=1) == 1
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert done.status == "done" and len(zipfile.ZipFile(done.result_path).namelist()) == done.total == 8
    assert not list(export_dir.glob("*.part"))


def test_a_scan_or_job_of_another_host_is_taken_as_dead_once_its_heartbeat_stops(world, db):
    from pipeline.reminders.scan import SCAN_TTL, mark_interrupted
    from pipeline.reports.jobs import JOB_TTL, claim_next, queue_job, requeue_stale

    now = utcnow()
    db.session.add(
        ScanRun(started_at=now, today=TODAY, status="running", owner="elsewhere:12", heartbeat_at=now)
    )
    queue_job(world["admin"], "briefing_city", None, TODAY)
    db.session.commit()  # the worker process reads it (issue 13: the caller commits)
    claim_next("elsewhere:13")
    db.session.commit()
    assert mark_interrupted(now + SCAN_TTL - timedelta(seconds=5)) == []
    assert requeue_stale(now + JOB_TTL - timedelta(seconds=5)) == 0
    assert mark_interrupted(now + SCAN_TTL + timedelta(seconds=5)) == [TODAY]
    assert requeue_stale(now + JOB_TTL + timedelta(seconds=5)) == 1
    assert SCAN_TTL <= timedelta(minutes=5) and JOB_TTL <= timedelta(minutes=5)


def test_heartbeat_keeps_a_live_owner_alive(world, db):
    from pipeline.services.liveness import Heartbeat, owner_alive, owner_dead, owner_name

    assert owner_alive(owner_name()) is True
    assert owner_alive("elsewhere:1") is None
    now = utcnow()
    run = ScanRun(
        started_at=now,
        today=TODAY,
        status="running",
        owner="elsewhere:12",
        heartbeat_at=now - timedelta(hours=1),
    )
    db.session.add(run)
    db.session.commit()
    with Heartbeat(db.engine, ScanRun.__table__, run.id, every=0.05):
        time.sleep(0.3)
    db.session.refresh(run)
    assert not owner_dead(run.owner, run.heartbeat_at, utcnow(), timedelta(minutes=2))


def test_a_batch_is_split_so_both_render_workers_finish_together():
    """Issue 15: 20 roadmaps in tasks of 4 gave one worker 12 and the other 8; each worker now gets at
    least eight tasks, a task never holds more than CHUNK firms (one batched read each), and the last
    two tasks per worker are single firms, so the workers finish within one document of each other."""
    from pipeline.reports.jobs import CHUNK, plan_chunks

    for n in (1, 3, 20, 167, 1000, 5000):
        ids = list(range(100, 100 + n))
        chunks = plan_chunks(ids, 2)
        assert [i for c in chunks for i in c] == ids  # every firm once, in order
        assert all(1 <= len(c) <= CHUNK for c in chunks)
        assert len(chunks) >= min(n, 16)
        assert [len(c) for c in chunks[-min(n, 4) :]] == [1] * min(n, 4)
    assert max(len(c) for c in plan_chunks(list(range(1000)), 2)) == CHUNK
    assert [len(c) for c in plan_chunks(list(range(10)), 1)] == [4, 4, 2]  # one worker: batched reads


def _collector_state() -> tuple[bool, int]:
    import gc

    return gc.isenabled(), gc.get_freeze_count()


def test_a_render_worker_starts_with_the_collector_off_and_renders_with_it_on(app):
    """Issue 15: a worker imports the app with garbage collection off (faster start-up); it must render
    with the collector on again, the app's objects frozen out of its generations."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from pipeline.reports.jobs import _worker_config
    from pipeline.reports.workers import boot

    with app.app_context():
        cfg = _worker_config()
    with ProcessPoolExecutor(
        1, mp_context=get_context("spawn"), initializer=boot, initargs=(cfg, os.getpid())
    ) as pool:
        enabled, frozen = pool.submit(_collector_state).result(timeout=120)
    assert enabled and frozen > 10_000
