"""PDF batch jobs: queued as ``Job`` rows by the web page, run by the scheduler process.

``run_pending_jobs()`` claims queued jobs one at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
an atomic ``UPDATE ... WHERE status='queued'`` on SQLite), so several scheduler processes never run
a job twice. A county's roadmaps render in a pool of worker processes (both cores), each building
its own app; progress goes to the row after every chunk, the zip (or the PDF) under ``EXPORT_DIR``.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Row, Select, bindparam, false, select, update

from pipeline import clock, permissions
from pipeline.errors import Invalid, NotFound
from pipeline.extensions import db
from pipeline.models import County, Firm, Job, User
from pipeline.models.base import utcnow
from pipeline.reports.workers import boot as boot_worker
from pipeline.services import scope
from pipeline.vocabulary import CULTIVATION_STAGES, JOB_KINDS, JOB_LABELS, REPLAN_JOB, SCAN_JOB

log = logging.getLogger(__name__)

KINDS = JOB_KINDS
CHUNK = 4
JOB_TTL = timedelta(minutes=2)  # a running job whose heartbeat is older than this lost its process (issue 12)
JOB_HEARTBEAT = 15.0  # seconds
PARTIAL = re.compile(r"^job-(\d+)-")  # a job's temporary folder (job-<id>-xxxx) and half-written zip (.part)


class JobError(Invalid):
    """A job request the user may not make; ``str`` is a Chinese sentence."""


# ----------------------------------------------------------------------------- queue and scope


def _job_scope(user: User) -> tuple[str, dict]:
    """Which jobs the user may see: admins all, officers their county's (never the city pack), firms
    and town officers (issue 18: county batches are county-level) none; with the statement's values."""
    if permissions.can(user, "city.view"):
        return "city", {}
    if user.county_id is not None and permissions.can(user, "county.view", user.county_id):
        return "county", {"county": user.county_id}
    return "none", {}


def _scoped(stmt: Select) -> dict[str, Select]:
    """``stmt`` for each scope of ``_job_scope``, built once (issue 15: not per request)."""
    return {
        "city": stmt,
        "county": stmt.where(Job.county_id == bindparam("county"), Job.kind != "briefing_city"),
        "none": stmt.where(false()),
    }


_VISIBLE = _scoped(select(Job).order_by(Job.id.desc()))


def visible_jobs(user: User) -> Select:
    """The jobs the user may see, newest first."""
    scope_name, values = _job_scope(user)
    stmt = _VISIBLE[scope_name]
    return stmt.params(**values) if values else stmt


def get_job_or_404(user: User, job_id: int) -> Job:
    job = db.session.scalars(visible_jobs(user).where(Job.id == job_id)).first()
    if job is None:
        raise NotFound()
    return job


JOBS_SHOWN = 30


class ReportsPage(NamedTuple):
    """The reports page's live part: the user's latest jobs with their state, and every county's name
    (for the jobs' county column)."""

    jobs: list[tuple[Row, dict]]  # a row has the ``_LISTED`` columns as attributes
    county_names: dict[int, str]


def briefing_counties(user: User) -> list[scope.CountyRow]:
    """The counties the user may brief (and export the roadmaps of): an admin every one, an officer
    their own, anyone else none."""
    scope_name, values = _job_scope(user)  # the same decision as which jobs the user sees
    if scope_name == "city":
        return scope.county_rows()
    if scope_name == "county":
        return [r for r in scope.county_rows() if r.id == values["county"]]
    return []


_LISTED = (Job.id, Job.kind, Job.status, Job.progress, Job.total, Job.error, Job.county_id, Job.created_at)
_LISTED_JOBS = _scoped(select(*_LISTED).order_by(Job.id.desc()).limit(JOBS_SHOWN))


def reports_page(user: User) -> ReportsPage:
    """Jobs are not stamped (read live, one Core statement built once: only what the table shows);
    the county names are."""
    scope_name, values = _job_scope(user)
    jobs = db.session.connection().execute(_LISTED_JOBS[scope_name], values).all()
    return ReportsPage([(j, job_to_dict(j)) for j in jobs], scope.county_names())


def job_county(user: User, county_id: int) -> County:
    """The county a job form names (not the URL: the loader does those), if the user may see it."""
    county = db.session.get(County, county_id)
    if county is None:
        raise NotFound()
    permissions.require(user, "county.view", county)
    return county


def queue_job(user: User, kind: str, county: County | None, today: date) -> Job:
    """Queue a batch for the background process (flushed: the request commits); raises JobError when not allowed."""
    if kind not in KINDS:
        raise JobError("未知的导出类型。")
    if kind == "briefing_city":
        from pipeline import permissions

        if not permissions.can(user, "city.view"):
            raise JobError("只有市级管理员可以生成全市简报。")
        county = None
    else:
        if county is None:
            raise JobError("请选择县区。")
        from pipeline.services.scope import can_see_county

        if not can_see_county(user, county.id):
            raise JobError("只能为本县区生成导出。")
    total = 1
    if kind == "roadmaps_county":
        total = len(_county_firm_ids(county.id))
        if total == 0:
            raise JobError(f"{county.name}没有在培企业，无需导出路线图。")
    job = Job(
        kind=kind,
        params={"today": today.isoformat()},
        status="queued",
        progress=0,
        total=total,
        created_by_id=user.id,
        county_id=county.id if county else None,
    )
    db.session.add(job)
    db.session.flush()
    return job


def queue_scan(user: User, today: date) -> Job:
    """Issue 13: the admin's "scan now" queues the reminder scan for the background process (flushed;
    the request commits). A scan still waiting in the queue is reused: it reads the data when it runs."""
    if not permissions.can(user, "reminders.admin"):
        raise JobError("只有市级管理员可以立即扫描提醒。")
    job = db.session.scalars(select(Job).where(Job.kind == SCAN_JOB, Job.status == "queued")).first()
    if job is None:
        job = Job(kind=SCAN_JOB, status="queued", progress=0, total=1, created_by_id=user.id, county_id=None)
        db.session.add(job)
    job.params = {"today": today.isoformat()}
    db.session.flush()
    return job


def _run_scan(job: Job, today: date) -> None:
    """The queued "scan now": scan, then deliver the in-app notifications (e-mail and robots go out
    with the scheduler's own delivery runs); the counts stay on the row."""
    from pipeline.reminders.deliver import deliver_pending
    from pipeline.reminders.scan import run_scan

    r = run_scan(today)
    d = deliver_pending(channels_only=("inapp",))
    job = db.session.get(Job, job.id)  # the delivery run ended this session's transactions
    job.params = {**(job.params or {}), "result": {"created": r.created, "sent": d.sent}}
    job.progress = 1


def _county_firm_ids(county_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Firm.id)
            .where(Firm.county_id == county_id, Firm.stage.in_(CULTIVATION_STAGES))
            .order_by(Firm.id)
        )
    )


def job_to_dict(job: Job) -> dict:
    from pipeline.vocabulary import JOB_STATUSES

    return {
        "id": job.id,
        "kind": job.kind,
        "kind_label": JOB_LABELS.get(job.kind, job.kind),
        "status": job.status,
        "status_label": JOB_STATUSES.get(job.status, job.status),
        "progress": job.progress,
        "total": job.total,
        "percent": int(100 * job.progress / job.total) if job.total else 0,
        "error": job.error,
        "done": job.status == "done" and job.kind not in (REPLAN_JOB, SCAN_JOB),  # nothing to download
        "finished": job.status in ("done", "failed"),
    }


# ----------------------------------------------------------------------------- claiming


def worker_name() -> str:
    from pipeline.services.liveness import owner_name

    return owner_name()


def claim_next(holder: str | None = None) -> Job | None:
    """Take the oldest queued job for this process; None when there is none (or another took it)."""
    holder = holder or worker_name()
    s = db.session
    if s.get_bind().dialect.name == "postgresql":
        job = s.scalars(
            select(Job)
            .where(Job.status == "queued")
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        # Issue 13, allowed mid-way commit and rollback, a claim is its own short transaction (the row
        # lock of SKIP LOCKED is released at once; the job's own work runs in later transactions).
        if job is None:
            s.rollback()
            return None
        job.status, job.claimed_by, job.started_at = "running", holder, utcnow()
        s.commit()  # issue 13, allowed (the claim, above)
        return job
    while True:
        job_id = s.scalar(select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1))
        if job_id is None:
            s.rollback()  # issue 13, allowed: the claim's own transaction (above)
            return None
        taken = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", claimed_by=holder, started_at=utcnow())
        ).rowcount
        s.commit()  # issue 13, allowed: the claim's own transaction (above)
        if taken == 1:
            return s.get(Job, job_id)


def requeue_stale(now=None) -> int:
    """Queue again the jobs whose process died mid-run (its pid is gone on this host, or its heartbeat
    stopped JOB_TTL ago), and remove the partial output of every job that is not running (issue 12)."""
    from pipeline.services.liveness import owner_dead

    now = now or utcnow()
    rows = db.session.execute(
        select(Job.id, Job.claimed_by, Job.heartbeat_at, Job.started_at).where(Job.status == "running")
    ).all()
    dead = [r.id for r in rows if owner_dead(r.claimed_by, r.heartbeat_at or r.started_at, now, JOB_TTL)]
    n = 0
    if dead:
        n = db.session.execute(
            update(Job)
            .where(Job.id.in_(dead), Job.status == "running")
            .values(status="queued", claimed_by=None, progress=0, heartbeat_at=None)
        ).rowcount
    db.session.commit()  # issue 13, allowed: re-queued jobs are claimable before the sweep below
    if n:
        log.warning("re-queued %s report jobs whose process died", n)
    sweep_partials()
    return n


def sweep_partials() -> int:
    """Delete temporary folders and ``.part`` files of jobs that are not running; returns how many."""
    export_dir = Path(current_app.config["EXPORT_DIR"])
    if not export_dir.is_dir():
        return 0
    running = set(db.session.scalars(select(Job.id).where(Job.status == "running")))
    db.session.commit()  # issue 13, allowed: no transaction stays open over the file-system sweep
    removed = 0
    for entry in export_dir.iterdir():
        m = PARTIAL.match(entry.name)
        if not m or int(m.group(1)) in running or not (entry.is_dir() or entry.name.endswith(".part")):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def run_pending_jobs(max_jobs: int | None = None, workers: int | None = None) -> int:
    """Claim and run queued jobs until none is left (or ``max_jobs``); returns how many ran.

    Called every ~15 s by the scheduler process (``flask reminders run``) and by ``flask export run-jobs``.
    """
    requeue_stale()
    ran = 0
    while max_jobs is None or ran < max_jobs:
        job = claim_next()
        if job is None:
            break
        run_job(job, workers=workers)
        ran += 1
    return ran


# ----------------------------------------------------------------------------- running


def _export_dir() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _set_progress(job: Job, progress: int) -> None:
    db.session.execute(update(Job).where(Job.id == job.id).values(progress=progress))
    db.session.commit()  # issue 13, allowed: a long job's progress is seen while it runs


def _run_kind(job: Job, today: date, workers: int | None) -> Path | None:
    from pipeline.reports.documents import briefing_filename, render_briefing

    county = db.session.get(County, job.county_id) if job.county_id else None
    if job.kind == "roadmaps_county":
        return _run_roadmaps(job, county, today, workers)
    if job.kind == SCAN_JOB:
        _run_scan(job, today)
        return None
    if job.kind == REPLAN_JOB:  # issue 11: a calendar edit re-plans the roadmaps it affects
        from pipeline.services.replan import run_replan

        run_replan(job, today)
        return None
    if job.kind in ("briefing_county", "briefing_city"):
        pdf = render_briefing(county, today, record=True)
        path = _export_dir() / f"job-{job.id}-{briefing_filename(county, today)}"
        part = path.with_name(path.name + ".part")
        part.write_bytes(pdf)
        os.replace(part, path)
        job.progress = 1
        return path
    raise JobError("未知的导出类型。")


def run_job(job: Job, workers: int | None = None) -> Job:
    """Run one claimed job to done or failed; the row says which, and why. Its heartbeat is renewed
    while it runs, so a job whose process is killed is queued again within minutes (issue 12)."""
    from pipeline.services.liveness import Heartbeat

    today = date.fromisoformat((job.params or {}).get("today") or clock.today().isoformat())
    try:
        with Heartbeat(db.engine, Job.__table__, job.id, JOB_HEARTBEAT) as hb:
            hb.beat()
            path = _run_kind(job, today, workers)
        job.result_path = str(path) if path is not None else None
        job.status = "done"
    except Exception as exc:  # the row must say that the job failed, whatever happened
        log.exception("job %s failed", job.id)
        db.session.rollback()  # issue 13, allowed: the job's work is undone, its row then says "failed"
        job = db.session.get(Job, job.id)
        job.status = "failed"
        # issue 17: a reader's sentence, never an exception class name (the log has the traceback)
        job.error = (
            str(exc)
            if isinstance(exc, JobError)
            else f"导出失败：程序出错（任务 {job.id}），详情见服务器日志"
        )
    job.finished_at = utcnow()
    db.session.commit()  # issue 13, allowed: each job is its own transaction within the runner job
    return job


def safe_filename(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff（）()-]+", "_", text)[:60] or "firm"


def _run_roadmaps(job: Job, county: County, today: date, workers: int | None) -> Path:
    """Render the county's roadmaps into one zip. Each finished chunk goes into the zip at once (the
    parent deflates while the workers render), so nothing serial is left at the end but closing it."""
    ids = _county_firm_ids(county.id)
    job.total = len(ids)
    db.session.commit()  # issue 13, allowed: progress (the total) is seen while it runs
    tmp = Path(tempfile.mkdtemp(prefix=f"job-{job.id}-", dir=_export_dir()))
    out = _export_dir() / f"job-{job.id}-roadmaps-{county.code}-{today.isoformat()}.zip"
    part = out.with_name(out.name + ".part")  # a kill mid-zip leaves a .part, swept on requeue
    try:
        workers = workers or min(2, os.cpu_count() or 1)
        if len(ids) <= CHUNK:  # a few firms: rendered here sooner than worker processes start
            workers = 1
        done = 0
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for names in _rendered_chunks(plan_chunks(ids, workers), today.isoformat(), tmp, workers):
                for name in names:
                    zf.write(tmp / name, arcname=name)
                    (tmp / name).unlink()
                done += len(names)
                _set_progress(job, done)
        os.replace(part, out)
        return out
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rendered_chunks(chunks: list[list[int]], today_iso: str, tmp: Path, workers: int):
    """Yield each chunk's file names as soon as it is rendered: in this process for one worker, else in a
    pool of ``workers`` spawned processes, in the order they finish."""
    if workers <= 1:
        for chunk in chunks:
            yield render_chunk(chunk, today_iso, str(tmp))
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=boot_worker,
        initargs=(_worker_config(), os.getpid()),
    ) as pool:
        futures = [pool.submit(_render_chunk_in_worker, chunk, today_iso, str(tmp)) for chunk in chunks]
        for fut in as_completed(futures):
            yield fut.result()


def plan_chunks(ids: list[int], workers: int) -> list[list[int]]:
    """The firms of each task, in order. One worker: chunks of ``CHUNK`` (one batched read each). Several:
    every worker gets at least eight tasks, and the last two per worker are single firms, so the
    workers finish within one document of each other (issue 15: 20 firms in chunks of 4 left one worker
    idle for a whole chunk; a trailing chunk of 4 still left a core idle for up to 3 documents)."""
    if workers <= 1:
        return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    tail = min(len(ids), 2 * workers)
    head = ids[: len(ids) - tail]
    size = max(1, min(CHUNK, len(ids) // (workers * 8)))
    return [head[i : i + size] for i in range(0, len(head), size)] + [[i] for i in ids[len(head) :]]


def render_chunk(firm_ids: list[int], today_iso: str, out_dir: str) -> list[str]:
    """Render the roadmaps of ``firm_ids`` into ``out_dir``; returns the names of the files written."""
    from pipeline.reports.documents import render_roadmaps

    names = []
    pause = float(os.environ.get("PIPELINE_TEST_RENDER_PAUSE", "0"))  # tests: time to kill a job mid-way
    for firm, pdf in render_roadmaps(firm_ids, date.fromisoformat(today_iso)):
        name = f"{firm.credit_code}-{safe_filename(firm.name)}.pdf"
        Path(out_dir, name).write_bytes(pdf)
        names.append(name)
        if pause:
            time.sleep(pause)
    return names


def _worker_config() -> dict:
    keys = (
        "SQLALCHEMY_DATABASE_URI",
        "PDF_MAX_PAGES",
        "EXPORT_DIR",
        "PDF_CACHE_DIR",
        "TESTING",
        "SECRET_KEY",
    )
    return {k: current_app.config.get(k) for k in keys}


_worker_app = None


def die_with_parent(parent_pid: int) -> None:
    """Linux: this process gets SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so render workers
    never outlive a killed job runner; if the parent is already gone, exit now (issue 12)."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except OSError:
            log.warning("prctl(PR_SET_PDEATHSIG) unavailable")
    if os.getppid() != parent_pid:
        os._exit(1)


def _init_worker(cfg: dict, parent_pid: int | None = None) -> None:
    """Each worker process builds its own app (and its own database connections and fonts)."""
    global _worker_app
    from pipeline import create_app

    if parent_pid is not None:
        die_with_parent(parent_pid)

    _worker_app = create_app(cfg)
    import weasyprint  # noqa: F401  (imported now, with the app: frozen below with it)

    from pipeline.reports import documents  # noqa: F401

    # the app's start-up objects leave the collector's generations (as gunicorn.conf.py does for web
    # workers): WeasyPrint allocates heavily and each full collection would rescan the whole app
    gc.collect()
    gc.freeze()


def _render_chunk_in_worker(firm_ids: list[int], today_iso: str, out_dir: str) -> list[str]:
    with _worker_app.app_context():
        try:
            return render_chunk(firm_ids, today_iso, out_dir)
        finally:
            db.session.remove()
