"""Benchmark: every page's server CPU and latency against the floor, at city scale (never a timed test).

For SQLite and/or PostgreSQL: seeds ``--firms`` firms with ``seed-demo`` (or reuses a seeded database),
starts gunicorn (2 sync workers, loopback) for the app (``bench/bench_wsgi.py``: the app plus a
logged-in page with no content, the fixed-cost line) and for the floor (``bench/bare_app.py``: one
indexed driver query, a 50-row table from a template compiled once), then for each page runs
``--clients`` concurrent clients (bounded by ``--requests`` and ``--seconds``) and prints

* server CPU per request: utime+stime of the gunicorn workers (``/proc/<pid>/stat``) before/after,
  divided by the requests served; its ratio to the floor's, measured in the same run just before and
  just after that page (their mean: columns ``flr ms`` / ``flr p95``; the machine drifts over minutes);
* p50/p95 latency and the p95 ratio to that floor's p95;
* the Excel export of every firm (time, workers' peak RSS) against a floor (driver read + write-only
  workbook of the same rows);
* PDFs: first after start vs warm (a fresh 1-worker gunicorn), the roadmap PDF vs WeasyPrint alone on
  the same HTML, a batch job vs two processes running WeasyPrint alone (alternating rounds, best of
  each), zip compression, peak memory.

    .venv/bin/python bench/bench_pages.py [--db sqlite,pg] [--firms 20000] [--clients 20]
        [--requests 300] [--seconds 30] [--sqlite-file PATH] [--pg-url URL] [--reseed]
        [--only pool,kanban] [--skip-pdf] [--skip-export] [--batch-firms 60] [--batch-rounds 2]

``--sqlite-file`` / ``--pg-url`` name a database to reuse; it is seeded when empty (or ``--reseed``).
PostgreSQL defaults to the dedicated database ``pipeline_bench_pages`` on the TEST_DATABASE_URL server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "Demo@2345"
TICK = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, label, timeout=3600) -> str:
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        sys.exit(f"{label} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return out.stdout


class Gunicorn:
    def __init__(self, target: str, env: dict, workers: int = 2, chdir: Path | None = None):
        self.port = free_port()
        cmd = [
            str(Path(PY).parent / "gunicorn"),
            "-w",
            str(workers),
            "-k",
            "sync",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "-b",
            f"127.0.0.1:{self.port}",
        ]
        if chdir:
            cmd += ["--chdir", str(chdir)]
        self.proc = subprocess.Popen(
            cmd + [target], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            if len(self.workers()) == workers:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return
                except OSError:
                    pass
            if self.proc.poll() is not None:
                sys.exit("gunicorn exited:\n" + self.proc.stderr.read().decode()[-3000:])
            time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not start within 60 s")

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu(self) -> float:
        """Seconds of CPU (user + system) used so far by the worker processes."""
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / TICK

    def peak_rss_mb(self) -> list[float]:
        out = []
        for pid in self.workers():
            try:
                m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
            except OSError:
                continue
            out.append(int(m.group(1)) / 1024 if m else 0)
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ----------------------------------------------------------------------------- clients


def login(base: str, username: str) -> dict:
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=300).text  # a loaded machine: workers may need a minute to start
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    resp = s.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
        timeout=300,
    )
    if resp.status_code >= 400 or "/login" in resp.url:
        sys.exit(f"login as {username} failed ({resp.status_code})")
    return dict(s.cookies)


WARM_PARALLEL = 6  # parallel warm-up requests per URL: more than the 2 workers


def warm_session(cookies: dict) -> requests.Session:
    s = requests.Session()
    s.cookies.update(cookies)
    return s


def measure(
    server: Gunicorn,
    urls: list[str],
    auth: dict,
    clients: int,
    total: int,
    seconds: float,
    warm_each: int = 0,
    prewarm: bool = True,
) -> dict:
    """``clients`` threads share ``total`` GETs of ``urls`` (in turn), or stop after ``seconds``.

    ``warm_each``: every URL is fetched that many times first (so each worker has most likely rendered
    each one: a page cached per URL is measured in its steady state; its first view is its own line)."""
    lock = threading.Lock()
    lat: list[float] = []
    errors = [0]
    counter = [0]
    headers = auth.get("headers") or {}
    cookies = auth.get("cookies") or {}

    def get(s, url):
        r = s.get(url, timeout=120, allow_redirects=False, headers=headers)
        return r.status_code == 200, len(r.content)

    warm = requests.Session()
    warm.cookies.update(cookies)
    size = 0
    for url in urls:
        for _ in range(warm_each):
            get(warm, url)
    # Each worker renders each URL before the clock starts. Sequential requests may all reach the same
    # sync worker (the other would then pay its cold render inside the measurement): send them in
    # parallel, more at once than there are workers, so every worker is busy with one.
    for url in urls if prewarm else urls[:1]:  # a first-view line renders only its first URL first
        with ThreadPoolExecutor(WARM_PARALLEL) as pool:
            oks = list(pool.map(lambda u: get(warm_session(cookies), u), [url] * WARM_PARALLEL))
        if not all(ok for ok, _ in oks):
            return {"n": 0, "errors": 1, "skip": True}
        size = oks[0][1]

    def worker():
        s = requests.Session()
        s.cookies.update(cookies)
        while True:
            with lock:
                if counter[0] >= total or time.perf_counter() > stop_at:
                    return
                i = counter[0]
                counter[0] += 1
            t0 = time.perf_counter()
            try:
                ok, _ = get(s, urls[i % len(urls)])
            except requests.RequestException:
                ok = False
            dt = time.perf_counter() - t0
            with lock:
                (lat.append(dt) if ok else errors.__setitem__(0, errors[0] + 1))

    stop_at = time.perf_counter() + seconds  # after the warm-up (a first dashboard may take longer)
    cpu0, t0 = server.cpu(), time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = server.cpu() - cpu0
    n = len(lat) + errors[0]
    if not lat:
        return {"n": 0, "errors": errors[0]}
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {
        "n": len(lat),
        "errors": errors[0],
        "cpu_ms": cpu / n * 1000,
        "p50": lat[len(lat) // 2] * 1000,
        "p95": q[94] * 1000,
        "rps": len(lat) / wall,
        "kib": size / 1024,
    }


# ----------------------------------------------------------------------------- databases


def pg_url(args) -> str:
    if args.pg_url:
        return args.pg_url
    base = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:55432/pipeline_test"
    )
    return base.rsplit("/", 1)[0] + "/pipeline_bench_pages"


def ensure_seeded(url: str, firms: int, reseed: bool, env: dict) -> None:
    flask = [PY, "-m", "flask", "--app", "app.py"]
    if url.startswith("postgresql"):
        import psycopg

        server, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if reseed and exists:
                conn.execute(f'DROP DATABASE "{name}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    elif reseed:
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    run(flask + ["db", "upgrade"], env, "db upgrade")
    have = int(run([PY, "-c", COUNT_SNIPPET], env, "count").strip() or 0)
    if have < firms:
        t = time.perf_counter()
        run(flask + ["seed-demo", "--firms", str(firms - have)], env, "seed-demo")
        print(f"  seed-demo --firms {firms - have}: {time.perf_counter() - t:.0f} s")


COUNT_SNIPPET = """
from app import app
from sqlalchemy import text
from pipeline.extensions import db
with app.app_context():
    print(db.session.execute(text('SELECT count(*) FROM firm')).scalar())
"""

FIXTURE_SNIPPET = """
import json
from app import app
from sqlalchemy import select, func
from pipeline.extensions import db
from pipeline.models import County, Firm, User
from pipeline.services.tokens import issue_token
with app.app_context():
    officer = db.session.scalars(select(User).where(User.username == 'officer_haizhou')).one()
    ids = list(db.session.scalars(select(Firm.id).where(Firm.county_id == officer.county_id)
                                  .order_by(Firm.id).limit(2000)))
    firms = ids[:400][::20]
    first_view = [i for i in ids if i not in firms][:300]  # pages no worker has rendered yet
    token = issue_token(officer, 'bench_pages')
    db.session.commit()  # services flush, the caller commits (one transaction boundary)
    print(json.dumps({"county": officer.county_id, "firms": firms, "first_view": first_view,
                      "token": token}))
"""


# ----------------------------------------------------------------------------- one database


def pages(base: str, fx: dict) -> list[tuple[str, str, list[str]]]:
    """(label, who, urls): who is officer | admin | firm | token."""
    b = base
    firms = [f"{b}/firms/{i}" for i in fx["firms"]]
    return [
        ("fixed cost (empty page)", "officer", [f"{b}/_bench/empty"]),
        ("pool list", "officer", [f"{b}/pool/"]),
        ("pool search", "officer", [f"{b}/pool/?q=科技", f"{b}/pool/?q=电子", f"{b}/pool/?q=信息"]),
        ("pool list, sort by score", "officer", [f"{b}/pool/?sort=score&dir=desc"]),
        ("firm page", "officer", firms),
        # i15b: each firm once (its content not rendered yet in any worker): the cost of a firm page
        # after a write, or of an officer going through many firms
        ("firm page, first view", "officer", [f"{b}/firms/{i}" for i in fx.get("first_view", [])]),
        ("kanban", "officer", [f"{b}/pool/kanban"]),
        (
            "kanban column",
            "officer",
            [f"{b}/pool/kanban/column/pool", f"{b}/pool/kanban/column/coaching?page=2"],
        ),
        ("dashboard (officer)", "officer", [f"{b}/dashboard/"]),
        ("dashboard (city admin)", "admin", [f"{b}/dashboard/"]),
        ("portal (firm user)", "firm", [f"{b}/portal/"]),
        ("notifications", "officer", [f"{b}/notifications/"]),
        ("officer inbox", "officer", [f"{b}/inbox/"]),
        ("reports page", "officer", [f"{b}/reports/"]),
        ("targets page (admin)", "admin", [f"{b}/dashboard/targets"]),
        ("/api/v1/firms", "token", [f"{b}/api/v1/firms", f"{b}/api/v1/firms?page=3"]),
        # the first request after a write (every cached fragment and count misses): bench_wsgi's ?_cold
        ("cold: fixed cost", "officer", [f"{b}/_bench/empty?_cold=1"]),
        ("cold: pool list", "officer", [f"{b}/pool/?_cold=1"]),
        ("cold: pool search", "officer", [f"{b}/pool/?q=科技&_cold=1", f"{b}/pool/?q=电子&_cold=1"]),
        ("cold: pool sort by score", "officer", [f"{b}/pool/?sort=score&dir=desc&_cold=1"]),
        ("cold: kanban column", "officer", [f"{b}/pool/kanban/column/pool?_cold=1"]),
        ("cold: targets (admin)", "admin", [f"{b}/dashboard/targets?_cold=1"]),
        ("cold: dashboard (city admin)", "admin", [f"{b}/dashboard/?_cold=1"]),
        ("cold: /api/v1/firms", "token", [f"{b}/api/v1/firms?_cold=1", f"{b}/api/v1/firms?page=3&_cold=1"]),
    ]


# Pages cached per URL (the firm page: per firm) are fetched this many times per URL before the clock
# starts, so both workers have rendered each; their first view is measured on its own line.
WARM_EACH = {"firm page": 4, "portal (firm user)": 2, "officer inbox": 2, "notifications": 2}


def bench_db(kind: str, url: str, args) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_APP": "app.py",
        "SECRET_KEY": "bench-" + "x" * 40,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TEST_DATABASE_URL", None)
    print(
        f"\n=== {kind}: {url.split('@')[-1]}  firms: {args.firms}  clients: {args.clients}  "
        f"load avg {os.getloadavg()[0]:.1f} ==="
    )
    ensure_seeded(url, args.firms, args.reseed, env)
    fx = json.loads(run([PY, "-c", FIXTURE_SNIPPET], env, "fixtures").strip().splitlines()[-1])
    report: dict = {"db": kind, "pages": {}}
    app = Gunicorn("bench.bench_wsgi:app", env)
    floor = Gunicorn("bare_app:app", env, chdir=ROOT / "bench")
    try:
        auth = {
            "officer": {"cookies": login(app.base, "officer_haizhou")},
            "admin": {"cookies": login(app.base, "admin")},
            "firm": {"cookies": login(app.base, "firm_haizhou")},
            "token": {"headers": {"Authorization": f"Bearer {fx['token']}"}},
        }
        only = set(args.only.split(",")) if args.only else None

        def floor_now() -> dict:
            return measure(
                floor,
                [f"{floor.base}/floor?county={fx['county']}"],
                {},
                args.clients,
                args.requests,
                args.seconds,
            )

        # The machine's speed drifts by tens of per cent over minutes (a shared VM): the floor is measured
        # again between pages, and each page is divided by the mean of the floors just before and just
        # after it (flr ms / flr p95 columns).
        f = floor_now()
        report["floor"] = f
        head = (
            f"{'page':28} {'n':>5} {'err':>3} {'CPU ms':>7} {'×floor':>6} {'p50 ms':>7} {'p95 ms':>7} {'×floor':>6} "
            f"{'req/s':>6} {'KiB':>6} {'flr ms':>6} {'flr p95':>7}"
        )
        print(head)
        line("floor (1 query, 50 rows)", f, f)
        before = f
        for label, who, urls in pages(app.base, fx):
            if only and not any(o in label for o in only):
                continue
            if not urls:
                print(f"{label:28} (no such pages in this database)")
                continue
            warm = WARM_EACH.get(label, 0)
            first_view = "first view" in label  # each URL's first render is what it measures
            r = measure(app, urls, auth[who], args.clients, args.requests, args.seconds, warm, not first_view)
            after = floor_now()
            f = {k: (before[k] + after[k]) / 2 for k in ("cpu_ms", "p50", "p95")}
            before = after
            r["floor"] = f
            report["pages"][label] = r
            if r.get("skip"):
                print(f"{label:28} (not on this build: {urls[0].split(app.base)[1]} is not a 200 page)")
                continue
            line(label, r, f)
        if not args.skip_export:
            report["export"] = bench_export(app, auth["admin"], env)
    finally:
        app.stop()
        floor.stop()
    if not args.skip_pdf:
        report["pdf"] = bench_pdf(env, fx, args)
    return report


def line(label, r, f) -> None:
    if not r.get("n"):
        print(f"{label:28} no successful requests ({r.get('errors')} errors)")
        return
    print(
        f"{label:28} {r['n']:5d} {r['errors']:3d} {r['cpu_ms']:7.1f} {r['cpu_ms'] / f['cpu_ms']:6.1f} "
        f"{r['p50']:7.1f} {r['p95']:7.1f} {r['p95'] / f['p95']:6.1f} {r['rps']:6.0f} {r['kib']:6.0f} "
        f"{f['cpu_ms']:6.1f} {f['p95']:7.1f}"
    )


# ----------------------------------------------------------------------------- export

EXPORT_FLOOR = """
import os, resource, sys, time
from io import BytesIO
from openpyxl import Workbook
url = os.environ["DATABASE_URL"]
t = time.perf_counter()
if url.startswith("sqlite"):
    import sqlite3
    conn = sqlite3.connect(url.split("///", 1)[1])
else:
    import psycopg
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
cols = ("credit_code, name, county_id, registered_on, tech_domain, industry, stage, pool_level, contact_name, "
        "contact_phone, contact_email, address, hnte_cert_no, hnte_cert_date, hnte_cert_expiry, tsme_reg_no, notes")
wb = Workbook(write_only=True)
ws = wb.create_sheet()
n = 0
for row in conn.execute(f"SELECT {cols} FROM firm ORDER BY name, id"):
    ws.append(list(row))
    n += 1
out = BytesIO()
wb.save(out)
print(f"{time.perf_counter() - t:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} {n}")
"""


def bench_export(app: Gunicorn, admin: dict, env: dict) -> dict:
    s = requests.Session()
    s.cookies.update(admin["cookies"])
    rss0 = max(app.peak_rss_mb() or [0])
    t = time.perf_counter()
    r = s.get(f"{app.base}/pool/export.xlsx", timeout=600)
    took = time.perf_counter() - t
    rss = max(app.peak_rss_mb() or [0])
    floor_t, floor_rss, n = run([PY, "-c", EXPORT_FLOOR], env, "export floor").split()
    from io import BytesIO

    from openpyxl import load_workbook

    rows = cols = 0
    if r.status_code == 200:
        ws = load_workbook(BytesIO(r.content), read_only=True).worksheets[0]
        for i, row in enumerate(ws.iter_rows(values_only=True)):  # a write-only sheet has no dimension
            rows, cols = i, max(cols, len(row))
    print(
        f"export of all firms (admin): {took:.2f} s, {len(r.content) / 1024:.0f} KiB, {rows} rows × {cols} cols, "
        f"workers' peak RSS {rss:.0f} MiB (before {rss0:.0f}); floor (driver read + write-only sheet, {n} rows × 17): "
        f"{float(floor_t):.2f} s, {floor_rss} MiB -> {took / float(floor_t):.1f}× floor"
    )
    return {"seconds": took, "rows": rows, "cols": cols, "peak_rss_mb": rss, "floor_seconds": float(floor_t)}


# ----------------------------------------------------------------------------- PDFs

PDF_CHILD = """
import json, os, resource, statistics, subprocess, sys, time, zipfile
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from app import app
from pipeline.extensions import db
from pipeline.models import County, Firm, User, Job
from sqlalchemy import select
fx = json.loads(sys.argv[1]); n_batch = int(sys.argv[2]); out = Path(sys.argv[3]); rounds = int(sys.argv[4])
from pipeline import clock
today = clock.today()
with app.app_context():
    from pipeline.reports import documents, render, context
    from pipeline.reports import jobs
    ids = fx["firms"][:8]
    htmls = [documents.roadmap_html(context.roadmap_contexts([i], today)[i]) for i in ids]
    documents.render_roadmap(ids[0], today)
    def weasy_alone(html):
        from weasyprint import CSS, HTML
        fc = render.font_config()
        return HTML(string=html, base_url=render.STATIC.as_uri() + "/").write_pdf(
            stylesheets=[render._stylesheet_for(fc)], font_config=fc)
    full, alone = [], []
    for i, h in zip(ids, htmls):
        t = time.perf_counter(); documents.render_roadmap(i, today); full.append(time.perf_counter() - t)
        if h is not None:
            t = time.perf_counter(); weasy_alone(h); alone.append(time.perf_counter() - t)
    res = {"roadmap_s": statistics.median(full), "weasy_alone_s": statistics.median(alone) if alone else None}
    # batch: the job over the first n_batch firms of the county, 2 worker processes; the floor: two
    # processes running WeasyPrint alone on the same HTML. Run alternately (job, floor, job, floor):
    # the machine's speed drifts by tens of per cent over minutes; both sides get the same rounds.
    county = db.session.get(County, fx["county"])
    all_ids = jobs._county_firm_ids(county.id)[:n_batch]
    jobs._county_firm_ids = lambda cid: all_ids
    ctxs = context.roadmap_contexts(all_ids, today)
    for i in all_ids:
        (out / f"{i}.html").write_text(documents.roadmap_html(ctxs[i]))
    db.session.commit()
    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    floors, batches = [], []
    for r in range(rounds):
        job = jobs.queue_job(admin, "roadmaps_county", county, today)
        t = time.perf_counter(); jobs.run_pending_jobs(workers=2); took = time.perf_counter() - t
        db.session.expire_all(); job = db.session.get(Job, job.id)
        batches.append(job.progress / took)
        if r == 0:  # only the job's render workers have ended so far
            res["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", os.environ["PDF_FLOOR_SRC"], str(out), str(k), os.getcwd()],
                                  stdout=subprocess.PIPE, text=True) for k in (0, 1)]
        n = sum(int(p.communicate()[0].strip() or 0) for p in procs)
        floors.append(n / (time.perf_counter() - t))
    res.update(batch_n=job.progress, batch_s=took, batch_status=job.status, floor_rates=floors, batch_rates=batches)
    if job.result_path:
        with zipfile.ZipFile(job.result_path) as zf:
            infos = zf.infolist()
        res["zip_deflated"] = all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        res["zip_ratio"] = sum(i.compress_size for i in infos) / max(1, sum(i.file_size for i in infos))
        res["zip_mb"] = os.path.getsize(job.result_path) / 2**20
    res["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))
"""

PDF_FLOOR = """
import sys, time
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
sys.path.insert(0, sys.argv[3])
from pipeline.reports.render import PDF_CSS, STATIC
files = sorted(Path(sys.argv[1]).glob("*.html"))[int(sys.argv[2])::2]
fc = FontConfiguration(); css = CSS(filename=str(PDF_CSS), font_config=fc)
HTML(string=files[0].read_text(), base_url=STATIC.as_uri() + "/").write_pdf(stylesheets=[css], font_config=fc)
for f in files:
    HTML(string=f.read_text(), base_url=STATIC.as_uri() + "/").write_pdf(stylesheets=[css], font_config=fc)
print(len(files))
"""


def bench_pdf(env: dict, fx: dict, args) -> dict:
    res: dict = {}
    # first PDF after start vs warm: a fresh one-worker gunicorn, so every request hits the same process
    app = Gunicorn("bench.bench_wsgi:app", env, workers=1)
    try:
        cookies = login(app.base, "officer_haizhou")
        s = requests.Session()
        s.cookies.update(cookies)
        times = []
        for i in [fx["firms"][0]] + fx["firms"][:6]:
            t = time.perf_counter()
            r = s.get(f"{app.base}/firms/{i}/roadmap.pdf", timeout=300)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.content[:4] == b"%PDF", r.status_code
        warm = statistics.median(times[2:])
        res.update(first_s=times[0], warm_s=warm, worker_rss_mb=max(app.peak_rss_mb() or [0]))
        print(
            f"roadmap PDF over HTTP: first after start {times[0]:.2f} s, warm {warm:.2f} s -> "
            f"{times[0] / warm:.2f}× (goal ≤ 1.5); worker peak RSS {res['worker_rss_mb']:.0f} MiB"
        )
    finally:
        app.stop()
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        envx = {**env, "EXPORT_DIR": tmp + "/exports", "PDF_FLOOR_SRC": PDF_FLOOR}
        child = json.loads(
            run(
                [PY, "-c", PDF_CHILD, json.dumps(fx), str(args.batch_firms), tmp, str(args.batch_rounds)],
                envx,
                "pdf child",
            )
            .strip()
            .splitlines()[-1]
        )
        res.update(child)
        if child.get("weasy_alone_s"):
            print(
                f"roadmap PDF in-process: {child['roadmap_s']:.3f} s vs WeasyPrint alone on the same HTML "
                f"{child['weasy_alone_s']:.3f} s -> {child['roadmap_s'] / child['weasy_alone_s']:.2f}× (goal ≤ 1.2)"
            )
        floors, batches = child["floor_rates"], child["batch_rates"]
        batch_rate, floor_rate = max(batches), max(floors)
        res.update(floor_docs_per_s=floor_rate, batch_docs_per_s=batch_rate)
        rounds = ", ".join(f"{b:.2f} vs {f:.2f}" for b, f in zip(batches, floors, strict=False))
        print(
            f"batch job: {child['batch_n']} roadmaps, best of {len(batches)} rounds {batch_rate:.2f} docs/s vs "
            f"two WeasyPrint processes alone (incl. start-up), best of {len(floors)} {floor_rate:.2f} docs/s -> "
            f"{batch_rate / floor_rate:.0%} of the floor (goal ≥ 90%); rounds (job vs floor, docs/s): {rounds}; "
            f"status {child['batch_status']}"
        )
        if "zip_mb" in child:
            print(
                f"zip: {child['zip_mb']:.1f} MiB, deflated: {child['zip_deflated']}, "
                f"compressed/raw {child['zip_ratio']:.2f}"
            )
        print(
            f"peak RSS: job parent {child['self_rss_mb']:.0f} MiB, largest render worker "
            f"{child['worker_rss_mb']:.0f} MiB"
        )
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="sqlite,pg")
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=300, help="requests per page (all clients together)")
    ap.add_argument("--seconds", type=float, default=30, help="time limit per page")
    ap.add_argument("--sqlite-file", default=None)
    ap.add_argument("--pg-url", default=None)
    ap.add_argument("--reseed", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated parts of page labels")
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--batch-firms", type=int, default=60)
    ap.add_argument(
        "--batch-rounds", type=int, default=2, help="floor and batch job run alternately, this many times"
    )
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    args = ap.parse_args()
    reports = []
    for kind in args.db.split(","):
        if kind == "sqlite":
            path = args.sqlite_file or str(Path(tempfile.gettempdir()) / "bench_pages.db")
            reports.append(bench_db("sqlite", f"sqlite:///{Path(path).resolve()}", args))
        elif kind == "pg":
            reports.append(bench_db("pg", pg_url(args), args))
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1, default=str))


if __name__ == "__main__":
    main()
