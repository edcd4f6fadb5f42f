"""Issue 12, item 6: web PDFs come from a cache per firm/county and data stamp, rendered by a background
render process; nothing is cached across a data change; a per-user limit on concurrent renders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline import clock
from pipeline.reports import pdfcache
from pipeline.reports.documents import render_briefing
from tests.reports.conftest import pdftext
from tests.reports.test_reports_web import login
from tests.web.formdata import form_data


@pytest.fixture
def cache(app, tmp_path, monkeypatch):
    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("the render process needs a database file or server")
    folder = tmp_path / "pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(folder))
    monkeypatch.setitem(app.config, "PDF_RENDER_INLINE", False)
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 300)  # a loaded CI machine: spawn + fonts + render
    pdfcache._reset_pool()  # a render process that knows this cache folder
    yield folder
    pdfcache._reset_pool()


def _files(folder: Path, prefix: str) -> list[Path]:
    return sorted(folder.glob(f"{prefix}-*.pdf"))


def test_editing_a_firm_changes_its_roadmap_pdf_and_the_county_briefing(world, client, cache, tmp_path):
    firm, hz = world["a"], world["hz"]
    login(client, world["officer"])
    roadmap_url, briefing_url = f"/firms/{firm.id}/roadmap.pdf", f"/reports/briefing/county/{hz.id}.pdf"

    first = client.get(roadmap_url)
    assert first.status_code == 200 and first.data[:5] == b"%PDF-"
    assert firm.name in pdftext(first.data, tmp_path)
    [cached] = _files(cache, f"roadmap-{firm.id}")
    rendered_at = cached.stat().st_mtime_ns
    started = time.perf_counter()
    again = client.get(roadmap_url)
    served = time.perf_counter() - started
    assert again.data == first.data and cached.stat().st_mtime_ns == rendered_at  # from the cache
    assert served < 1.0, served  # a cached PDF is a file read, not a render
    briefing = client.get(briefing_url)
    assert briefing.status_code == 200 and firm.name in pdftext(briefing.data, tmp_path)
    assert len(_files(cache, f"briefing-{hz.id}")) == 1

    # the officer changes the firm's name through the profile form, everything else posted back as is
    html = client.get(f"/firms/{firm.id}/edit").get_data(as_text=True)
    data = form_data(html, "/edit")
    data["name"] = "连云港海蓝智造有限公司"
    assert client.post(f"/firms/{firm.id}/edit", data=data).status_code == 302

    after = client.get(roadmap_url)
    text = pdftext(after.data, tmp_path)
    assert after.status_code == 200 and "连云港海蓝智造有限公司" in text
    assert [p.name for p in _files(cache, f"roadmap-{firm.id}")] != [
        cached.name
    ]  # a new stamp, old file gone
    assert len(_files(cache, f"roadmap-{firm.id}")) == 1
    # the save re-planned the firm (its overdue milestone is gone): the briefing is the current one
    later = pdftext(client.get(briefing_url).data, tmp_path)
    assert later != pdftext(briefing.data, tmp_path)
    assert later == pdftext(render_briefing(hz, clock.today()), tmp_path)  # what a fresh render says now


def test_the_render_runs_in_a_background_process_not_in_the_web_worker(world, client, cache, app):
    login(client, world["officer"])
    assert client.get(f"/firms/{world['a'].id}/roadmap.pdf").status_code == 200
    pool = pdfcache._pool
    assert pool is not None
    pids = set(pool._processes)
    assert pids and os.getpid() not in pids
    for pid in pids:  # niced: page requests keep the CPU while it renders
        assert os.getpriority(os.PRIO_PROCESS, pid) >= app.config["PDF_RENDER_NICE"]


def test_the_worker_starts_its_render_process_before_the_first_pdf_and_that_one_renders_it(
    world, client, cache, app
):
    """Issue 15: gunicorn's post_worker_init calls ``start``, so the first PDF after start does not wait
    for a new interpreter, the app and WeasyPrint to load; the render that follows uses that process."""
    ready = pdfcache.start(app)
    assert ready is not None
    warmed_pid = ready.result(timeout=300)
    assert warmed_pid != os.getpid()
    assert set(pdfcache._pool._processes) == {warmed_pid}
    login(client, world["officer"])
    assert client.get(f"/firms/{world['a'].id}/roadmap.pdf").status_code == 200
    assert set(pdfcache._pool._processes) == {warmed_pid}  # no second spawn on the request path


def test_gunicorn_warms_the_render_process_when_a_worker_starts(app, monkeypatch):
    """The hook gunicorn runs in each worker waits for the render process to be ready."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).parents[2] / "gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    started = []

    class Ready:
        def result(self, timeout):
            started.append(timeout)
            return 1

    monkeypatch.setattr(pdfcache, "start", lambda a: started.append(a) or Ready())
    monkeypatch.setattr("gc.freeze", lambda: None)
    conf.post_worker_init(type("Worker", (), {"wsgi": app, "pid": 1})())
    assert started[0] is app and len(started) == 2


def test_a_slow_render_answers_refresh_later_and_lands_in_the_cache(world, client, cache, monkeypatch, app):
    login(client, world["officer"])
    monkeypatch.setitem(app.config, "PDF_WAIT_SECONDS", 0.01)
    url = f"/reports/briefing/county/{world['hz'].id}.pdf"
    r = client.get(url)
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    assert "PDF 正在后台生成，请稍候刷新本页" in r.get_data(as_text=True)
    end = time.monotonic() + 300
    while not _files(cache, f"briefing-{world['hz'].id}") and time.monotonic() < end:
        time.sleep(0.1)
    assert _files(cache, f"briefing-{world['hz'].id}")
    assert client.get(url).status_code == 200  # the render went on and filled the cache


def test_a_user_with_too_many_renders_running_gets_a_chinese_message(world, client, cache, monkeypatch, app):
    monkeypatch.setitem(app.config, "PDF_MAX_RENDERS_PER_USER", 2)
    officer = world["officer"]
    with app.test_request_context():
        held = [pdfcache._take_slot(officer.id), pdfcache._take_slot(officer.id)]  # two renders of theirs
    login(client, officer)
    r = client.get(f"/firms/{world['a'].id}/roadmap.pdf")
    assert r.status_code == 429
    assert "您已有 2 份 PDF 正在生成，请等它们生成完毕后再打开新的 PDF。" in r.get_data(as_text=True)
    login(client, world["admin"])  # another user is not held up
    assert client.get(f"/firms/{world['a'].id}/roadmap.pdf").status_code == 200
    for slot in held:
        slot.release()
    login(client, officer)
    assert client.get(f"/firms/{world['b'].id}/roadmap.pdf").status_code == 200
