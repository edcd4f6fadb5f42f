"""Benchmark: one reminder scan over 20,000 firms and 200,000 milestones (goal: at most 5 s).

Seeds a temporary database with ``flask seed-demo --firms 20000 --no-assess``, then adds by Core one
roadmap per firm, ten milestones per firm (due from four months ago to a year ahead, mixed status
and owner), target batches for a third of the firms and a firm user for one firm in ten. Then it
times ``run_scan(today)`` in-process (the scan itself: reading, rules, writing the outbox), and a
second scan of the same day (the idempotent re-run: everything conflicts, nothing is written).

    .venv/bin/python bench/bench_reminders.py [--firms 20000] [--milestones-per-firm 10]
                                              [--today YYYY-MM-DD] [--database-url URL]

``--today`` defaults to 20 May of the current year (inside the 年报 and stale-data windows, so every
rule has work). With ``--database-url`` (e.g. a throwaway PostgreSQL) that database is wiped first.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sh(args, env):
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return time.perf_counter() - started, out.stdout


def generate(a, db) -> tuple[int, int]:
    """One roadmap and ten milestones per seeded firm, target batches, extra firm users; by Core."""
    from sqlalchemy import func, insert, select
    from werkzeug.security import generate_password_hash

    from pipeline.models import ApplicationBatch, Firm, Milestone, Roadmap, User

    started = time.perf_counter()
    rng = random.Random(6)
    firms = db.session.execute(select(Firm.id, Firm.county_id)).all()
    batches = list(
        db.session.scalars(select(ApplicationBatch.code).where(ApplicationBatch.cutoff >= a.today))
    )
    roadmaps = [
        dict(
            firm_id=fid,
            generated_for=a.today,
            rules_version="bench",
            calendar_version="bench",
            plan={},
            target_batch=(rng.choice(batches) if batches and rng.random() < 1 / 3 else None),
        )
        for fid, _ in firms
    ]
    for s in range(0, len(roadmaps), 5000):
        db.session.execute(insert(Roadmap), roadmaps[s : s + 5000])
    rm_ids = dict(db.session.execute(select(Roadmap.firm_id, Roadmap.id)).all())
    statuses = ["todo"] * 60 + ["doing"] * 10 + ["done"] * 25 + ["waived"] * 5
    rows = []
    for fid, _ in firms:
        for k in range(a.milestones_per_firm):
            rows.append(
                dict(
                    roadmap_id=rm_ids[fid],
                    firm_id=fid,
                    code=f"b{k}",
                    title=f"里程碑{k + 1}：补齐条件",
                    addresses=[],
                    due=a.today + timedelta(days=rng.randint(-120, 365)),
                    owner="officer" if rng.random() < 0.3 else "firm",
                    status=rng.choice(statuses),
                    manual=False,
                    progress_pending=False,
                )
            )
    for s in range(0, len(rows), 10000):
        db.session.execute(insert(Milestone), rows[s : s + 10000])
    pw = generate_password_hash("Bench@2345", method="scrypt")
    have = set(db.session.scalars(select(User.firm_id).where(User.firm_id.isnot(None))))
    users = [
        dict(
            username=f"bench_firm_{fid}",
            display_name=f"企业联系人{fid}",
            role="firm",
            county_id=cid,
            firm_id=fid,
            password_hash=pw,
            email=f"f{fid}@bench.local",
            active=True,
            notify_inapp=True,
            notify_email=True,
            failed_logins=0,
        )
        for fid, cid in firms[::10]
        if fid not in have
    ]
    db.session.execute(insert(User), users)
    db.session.commit()
    n_ms = db.session.scalar(select(func.count()).select_from(Milestone))
    print(
        f"data: {len(firms)} firms, {n_ms} milestones, {len(users)} extra firm users "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return len(firms), n_ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--milestones-per-firm", type=int, default=10)
    ap.add_argument(
        "--today", type=date.fromisoformat, default=None, help="default: 20 May of the clock's year"
    )
    ap.add_argument("--database-url", default=None)
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url of an earlier run: keep its data, empty the outbox, time the scans again",
    )
    a = ap.parse_args()
    if a.today is None:
        from pipeline import clock

        a.today = clock.today().replace(month=5, day=20)
    if a.reuse and not a.database_url:
        sys.exit("--reuse needs --database-url (printed at the start of an earlier run)")

    tmp = tempfile.mkdtemp(prefix="bench-reminders-")
    url = a.database_url or f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "DATABASE_URL": url}
    print(f"database: {url}")
    if not a.reuse:
        if url.startswith("postgresql"):
            import sqlalchemy as sa

            eng = sa.create_engine(url)
            with eng.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            eng.dispose()
        t, _ = sh(["db", "upgrade"], env)
        print(f"migrations: {t:.1f} s")
        t, out = sh(
            ["seed-demo", "--firms", str(a.firms), "--no-assess", "--today", a.today.isoformat()], env
        )
        print(f"seed-demo --firms {a.firms}: {t:.1f} s  ({out.splitlines()[0] if out else ''})")

    os.environ["DATABASE_URL"] = url
    from sqlalchemy import func, select

    from pipeline import create_app
    from pipeline.extensions import db
    from pipeline.models import Firm, Milestone, Reminder
    from pipeline.reminders.scan import run_scan

    app = create_app()
    with app.app_context():
        if a.reuse:
            with db.engine.begin() as conn:
                for table in ("delivery_attempt", "delivery", "reminder", "scan_run"):
                    conn.exec_driver_sql(f"DELETE FROM {table}")
            n_firms = db.session.scalar(select(func.count()).select_from(Firm))
            n_ms = db.session.scalar(select(func.count()).select_from(Milestone))
        else:
            n_firms, n_ms = generate(a, db)
        gc.collect()  # a real scan process starts clean: none of the generator's objects
        cpu = time.process_time()
        r1 = run_scan(a.today)
        cpu1 = time.process_time() - cpu
        print(
            f"scan 1 ({a.today}): {r1.seconds:.2f} s wall, {cpu1:.2f} s CPU of this process — {r1.hits} hits, "
            f"{r1.created} reminders, {r1.deliveries} deliveries created; {r1.timings}"
        )
        for rule, n in r1.by_rule.items():
            print(f"    {rule:<18} {n}")
        r2 = run_scan(a.today)
        print(f"scan 2 (same day, idempotent): {r2.seconds:.2f} s — {r2.created} created; {r2.timings}")
        total = db.session.scalar(select(func.count()).select_from(Reminder))
        assert total == r1.created and r2.created == 0, "a re-run must create nothing"
        load = os.getloadavg()[0]
        t, out = sh(["reminders", "scan", "--today", (a.today + timedelta(days=1)).isoformat()], env)
        print(
            f"next day as its own process (flask reminders scan): {t:.2f} s wall, including start-up; "
            f"{out.splitlines()[0]}"
        )
        verdict = "OK" if r1.seconds <= 5 else "SLOWER THAN GOAL"
        print(
            f"RESULT: scan over {n_firms} firms / {n_ms} milestones took {r1.seconds:.2f} s "
            f"({cpu1:.2f} s CPU in Python; goal <= 5 s: {verdict}); same-day re-run {r2.seconds:.2f} s; "
            f"load average {load:.1f} on {os.cpu_count()} CPUs"
        )


if __name__ == "__main__":
    main()
