"""Benchmark: goal dashboard and pool list p95 latency at 20,000 firms, 20 concurrent clients, gunicorn.

Seeds a fresh database (SQLite file in a temp dir, or a dedicated ``pipeline_bench`` database on the
PostgreSQL server of BENCH_DATABASE_URL / TEST_DATABASE_URL), assesses and plans every firm
(``seed-demo``), stores a few daily snapshots, starts gunicorn (2 sync workers, loopback, free
port) for the app and for ``bench/bare_app.py`` (one ``SELECT count(*)``), logs in as the city
admin and as a county officer, and measures each endpoint with 20 client threads (bounded by a
request count and a time limit). Prints p50/p95/p99 and the ratio of each p95 to the bare p95.

    .venv/bin/python bench/bench_web.py [--firms 20000] [--clients 20] [--requests 400] [--seconds 90]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "Demo@2345"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, label) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{label} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return time.perf_counter() - started, out.stdout.strip()


def database_url(tmp: str) -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp}/bench.db"
    import psycopg

    server = base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS pipeline_bench")
        conn.execute("CREATE DATABASE pipeline_bench")
    return server.replace("postgresql://", "postgresql+psycopg://") + "/pipeline_bench"


def start(cmd, env, port) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit("gunicorn exited:\n" + proc.stderr.read().decode()[-3000:])
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not start within 30 s")


def login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    resp = s.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
        timeout=30,
    )
    if resp.status_code >= 400 or "/login" in resp.url:
        sys.exit(f"login as {username} failed ({resp.status_code})")
    return s


def measure(url: str, cookies, clients: int, total: int, seconds: float, expect: str | None) -> dict:
    """``clients`` threads share ``total`` requests (or stop after ``seconds``); latency of each."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    remaining = [total]
    stop_at = time.perf_counter() + seconds

    def worker():
        s = requests.Session()
        if cookies is not None:
            s.cookies.update(cookies)
        while True:
            with lock:
                if remaining[0] <= 0 or time.perf_counter() > stop_at:
                    return
                remaining[0] -= 1
            t0 = time.perf_counter()
            try:
                r = s.get(url, timeout=60)
                ok = r.status_code == 200 and (expect is None or expect in r.text)
            except requests.RequestException:
                ok = False
            dt = time.perf_counter() - t0
            with lock:
                if ok:
                    latencies.append(dt)
                else:
                    errors[0] += 1

    # warm-up: every worker process renders the page once or twice
    warm = requests.Session()
    if cookies is not None:
        warm.cookies.update(cookies)
    for _ in range(4):
        warm.get(url, timeout=120)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    lat = sorted(latencies)
    if not lat:
        return {"n": 0, "errors": errors[0]}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {
        "n": len(lat),
        "errors": errors[0],
        "p50": statistics.median(lat),
        "p95": q[94],
        "p99": q[98],
        "rps": len(lat) / wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=400, help="requests per endpoint (all clients together)")
    ap.add_argument("--seconds", type=float, default=90, help="time limit per endpoint")
    ap.add_argument("--today", default=date.today().isoformat())
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    ap.add_argument(
        "--reuse", default=None, help="database URL already seeded by an earlier run (skips seeding)"
    )
    args = ap.parse_args()
    if shutil.which("gunicorn", path=str(Path(PY).parent)) is None:
        sys.exit("gunicorn is not installed in this environment")
    tmp = tempfile.mkdtemp(prefix="bench-web-")
    url = args.reuse or database_url(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_APP": "app.py",
        "SECRET_KEY": "bench-" + "x" * 40,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    flask = [PY, "-m", "flask", "--app", "app.py"]
    print(f"database: {url.split('@')[-1]}  firms: {args.firms}  clients: {args.clients}")
    if not args.reuse:
        run(flask + ["db", "upgrade"], env, "db upgrade")
        t, out = run(
            flask + ["seed-demo", "--firms", str(args.firms), "--today", args.today], env, "seed-demo"
        )
        print(f"seed-demo (with assess-all and roadmaps): {t:.0f} s")
    today = date.fromisoformat(args.today)
    for d in range(7, -1, -1):
        run(
            flask + ["goals", "snapshot", "--today", (today - timedelta(days=d)).isoformat()], env, "snapshot"
        )

    gunicorn = str(Path(PY).parent / "gunicorn")
    app_port, bare_port = free_port(), free_port()
    common = ["-w", "2", "-k", "sync", "--timeout", "120", "--log-level", "warning"]
    app_proc = start([gunicorn, *common, "-b", f"127.0.0.1:{app_port}", "app:app"], env, app_port)
    bare_proc = start(
        [gunicorn, *common, "-b", f"127.0.0.1:{bare_port}", "--chdir", str(ROOT / "bench"), "bare_app:app"],
        {**env, "PYTHONPATH": str(ROOT)},
        bare_port,
    )
    try:
        base = f"http://127.0.0.1:{app_port}"
        admin = login(base, "admin").cookies
        officer = login(base, "officer_haizhou").cookies
        cases = [
            ("bare one-query endpoint", f"http://127.0.0.1:{bare_port}/count", None, "firms"),
            ("dashboard, city admin (全市)", f"{base}/dashboard/", admin, "目标进展"),
            ("dashboard, county officer", f"{base}/dashboard/", officer, "目标进展"),
            ("pool list, city admin", f"{base}/pool/", admin, "培育库"),
            ("pool list, county officer", f"{base}/pool/", officer, "培育库"),
        ]
        results = {}
        print(f"{'endpoint':32} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
        for label, u, cookies, expect in cases:
            r = measure(u, cookies, args.clients, args.requests, args.seconds, expect)
            results[label] = r
            if not r["n"]:
                print(f"{label:32} no successful requests ({r['errors']} errors)")
                continue
            print(
                f"{label:32} {r['n']:5d} {r['errors']:4d} {r['p50'] * 1000:8.1f} {r['p95'] * 1000:8.1f} "
                f"{r['p99'] * 1000:8.1f} {r['rps']:7.1f}"
            )
        bare = results["bare one-query endpoint"].get("p95")
        if bare:
            for label, r in results.items():
                if r.get("p95") and label != "bare one-query endpoint":
                    print(f"ratio p95 {label} / bare: {r['p95'] / bare:.1f}")
    finally:
        for p in (app_proc, bare_proc):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
