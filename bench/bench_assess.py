"""Benchmark: `flask assess-all` over 20,000 firms against a bare process that reads every row.

Both are measured as whole processes (interpreter start, imports, reading, and for assess-all the
engine and the writes), in the same run on the same database. Prints seconds and the ratio
(goal: assess-all within 3x of the bare read).

    .venv/bin/python bench/bench_assess.py [--firms 20000] [--database-url URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TODAY = "2026-11-27"  # fixed so runs compare; the data is generated relative to it

BARE_READ = r'''
import os, sys
url = os.environ["DATABASE_URL"]
tables = ["firm", "fiscal_year", "ip_asset", "conversion", "rd_evidence", "incident"]
if url.startswith("sqlite"):
    import sqlite3
    conn = sqlite3.connect(url.split("sqlite:///", 1)[1])
else:
    import psycopg
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
cur = conn.cursor()
n = 0
for t in tables:
    cur.execute(f"SELECT * FROM {t}")
    n += len(cur.fetchall())
print(n)
'''


def run(cmd, env, label):
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"{label} failed:\n{out.stdout}\n{out.stderr}")
    return seconds, out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-assess-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app.py"}
    flask = [PY, "-m", "flask", "--app", "app.py"]
    print(f"database: {url.split('@')[-1]}")
    t, _ = run(flask + ["db", "upgrade"], env, "db upgrade")
    t, out = run(
        flask + ["seed-demo", "--firms", str(args.firms), "--today", TODAY, "--no-assess"], env, "seed"
    )
    print(f"seed-demo --firms {args.firms}: {t:.1f} s")
    bare, assess = [], []
    for _ in range(args.repeat):
        t, rows = run([PY, "-c", BARE_READ], env, "bare read")
        bare.append(t)
        t, out = run(flask + ["assess-all", "--today", TODAY], env, "assess-all")
        assess.append(t)
    print(f"rows read by the bare process: {rows}")
    print(out)
    b, a = statistics.median(bare), statistics.median(assess)
    print(f"bare read (whole process), median of {args.repeat}: {b:.2f} s")
    print(f"flask assess-all (whole process), median of {args.repeat}: {a:.2f} s")
    print(f"ratio assess-all / bare read: {a / b:.2f}  (goal <= 3)")


if __name__ == "__main__":
    main()
