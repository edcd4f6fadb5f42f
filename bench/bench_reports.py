"""Benchmark of the PDF documents on a temporary demo city (never run as a timed test).

    .venv/bin/python bench/bench_reports.py [--firms 1000] [--samples 15] [--workers 2] [--skip-batch]

1. per-firm roadmap: median wall and CPU seconds over ``--samples`` firms (goal ≤ 0.5 s);
2. county pack for a county of ``--firms`` firms (goal ≤ 15 s);
3. ``--firms`` roadmaps as a background job on ``--workers`` processes (goal ≤ 3 min),
with peak memory (max RSS of this process and of the worker processes).
The database is a temporary SQLite file seeded with ``seed-demo``; one county is then given
``--firms`` firms so that the county figures match the goals.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--today", default=None)
    args = ap.parse_args()
    from pipeline import clock

    today = date.fromisoformat(args.today) if args.today else clock.today()

    tmp = tempfile.mkdtemp(prefix="bench-reports-")
    from flask_migrate import upgrade

    from pipeline import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "EXPORT_DIR": f"{tmp}/exports"})
    with app.app_context():
        from sqlalchemy import select, update

        from pipeline.extensions import db
        from pipeline.models import County, Firm
        from pipeline.services.demo import seed_demo

        t = time.perf_counter()
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo(today, firms=max(1450, args.firms + 200))
        county, other = db.session.scalars(select(County).order_by(County.id)).all()[:2]
        ids = list(db.session.scalars(select(Firm.id).order_by(Firm.id).limit(args.firms)))
        db.session.execute(
            update(Firm).where(Firm.county_id == county.id, Firm.id.not_in(ids)).values(county_id=other.id)
        )  # exactly --firms firms in the county
        db.session.execute(update(Firm).where(Firm.id.in_(ids)).values(county_id=county.id))
        db.session.execute(
            update(Firm).where(Firm.id.in_(ids), Firm.stage.in_(("certified", "exited"))).values(stage="pool")
        )
        db.session.commit()
        _plan(db, today)
        print(f"setup: demo city + {args.firms} firms in {county.name}: {time.perf_counter() - t:.1f} s")

        from pipeline.reports.documents import render_briefing, render_roadmap

        render_roadmap(ids[0], today)  # fonts and templates warm, as in a running web worker
        walls, cpus, pages = [], [], []
        step = max(1, len(ids) // args.samples)
        for fid in ids[::step][: args.samples]:
            w, c = time.perf_counter(), time.process_time()
            pdf = render_roadmap(fid, today)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
            pages.append(pdf.pages)
        print(
            f"roadmap PDF: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
            f"(min {min(walls):.2f}, max {max(walls):.2f}; {statistics.median(pages):.0f} pages median, "
            f"n={len(walls)}) goal ≤ 0.5 s"
        )

        w, c = time.perf_counter(), time.process_time()
        pdf = render_briefing(county, today)
        print(
            f"county pack ({args.firms} firms): {time.perf_counter() - w:.2f} s wall, "
            f"{time.process_time() - c:.2f} s CPU, {pdf.pages} pages, {len(pdf) / 1024:.0f} KiB; goal ≤ 15 s"
        )
        w = time.perf_counter()
        pdf = render_briefing(None, today)
        print(f"city pack: {time.perf_counter() - w:.2f} s, {pdf.pages} pages")
        print(f"peak RSS of this process so far: {rss_mb():.0f} MiB")

        if not args.skip_batch:
            from pipeline.models import Job, User
            from pipeline.reports.jobs import queue_job, run_pending_jobs

            admin = db.session.scalars(select(User).where(User.role == "admin")).first()
            job = queue_job(admin, "roadmaps_county", county, today)
            w = time.perf_counter()
            run_pending_jobs(workers=args.workers)
            took = time.perf_counter() - w
            db.session.expire_all()
            job = db.session.get(Job, job.id)
            size = os.path.getsize(job.result_path) / 1024 / 1024 if job.result_path else 0
            print(
                f"background job: {job.progress}/{job.total} roadmaps on {args.workers} processes in {took:.1f} s "
                f"({job.progress / took:.1f} docs/s), status {job.status}, zip {size:.0f} MiB; goal ≤ 180 s"
            )
            print(
                f"peak RSS: parent {rss_mb():.0f} MiB, largest worker {rss_mb(resource.RUSAGE_CHILDREN):.0f} MiB"
            )
            print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")
    print(f"(temporary files in {tmp})")


def _plan(db, today: date) -> None:
    """Assessments and roadmaps for every firm, through the services when they are installed."""
    from sqlalchemy import select

    from pipeline.models import Firm

    try:
        from pipeline.services.assessments import assess_all

        assess_all(today)
    except ImportError:
        pass
    try:
        from pipeline.services.roadmaps import regenerate

        regenerate(list(db.session.scalars(select(Firm.id))), today)
    except ImportError:
        print("(roadmap service missing: documents show no milestones)")
    db.session.commit()


if __name__ == "__main__":
    main()
