"""Scope of the PDF routes and the batch job flow: queue → run_pending_jobs → download."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import login as _login
from tests.reports.conftest import TODAY


def login(client, user) -> None:
    """Log in; forget the user Flask-Login cached on ``g`` (the test's app context outlives requests)."""
    from flask import g

    _login(client, user)
    g.pop("_login_user", None)


def test_firm_user_gets_own_roadmap_only(world, client):
    login(client, world["firm_user"])
    own = client.get(f"/firms/{world['a'].id}/roadmap.pdf")
    assert own.status_code == 200 and own.mimetype == "application/pdf" and own.data[:5] == b"%PDF-"
    assert client.get(f"/firms/{world['b'].id}/roadmap.pdf").status_code == 404  # same county
    assert client.get(f"/firms/{world['c'].id}/roadmap.pdf").status_code == 404  # other county
    assert client.get(f"/reports/briefing/county/{world['hz'].id}.pdf").status_code == 404
    assert client.get("/reports/briefing/city.pdf").status_code == 404


@pytest.mark.parametrize(
    "who,firm,code",
    [("officer", "a", 200), ("officer", "c", 404), ("other_officer", "a", 404), ("admin", "c", 200)],
)
def test_roadmap_scope_matrix(world, client, who, firm, code):
    login(client, world[who])
    assert client.get(f"/firms/{world[firm].id}/roadmap.pdf").status_code == code


def test_roadmap_pdf_is_one_scoped_route(world, client, app):
    """The firm and portal pages link to ``reports.roadmap_pdf``, the one endpoint of that URL."""
    from flask import url_for

    with app.test_request_context():
        assert url_for("reports.roadmap_pdf", firm_id=world["a"].id) == f"/firms/{world['a'].id}/roadmap.pdf"
    rules = [r for r in app.url_map.iter_rules() if r.rule == "/firms/<int:firm_id>/roadmap.pdf"]
    assert [r.endpoint for r in rules] == ["reports.roadmap_pdf"]
    login(client, world["firm_user"])
    assert client.get(f"/firms/{world['c'].id}/roadmap.pdf").status_code == 404


def test_anonymous_is_sent_away(world, client):
    resp = client.get(f"/firms/{world['a'].id}/roadmap.pdf")
    assert resp.status_code in (302, 401)


def test_briefing_scope(world, client, app):
    login(client, world["officer"])
    assert client.get(f"/reports/briefing/county/{world['hz'].id}.pdf").status_code == 200
    assert client.get(f"/reports/briefing/county/{world['ly'].id}.pdf").status_code == 404
    assert client.get("/reports/briefing/city.pdf").status_code == 404
    admin = app.test_client()
    login(admin, world["admin"])
    assert admin.get("/reports/briefing/city.pdf").status_code == 200


def test_officer_cannot_queue_other_county(world, client, db):
    from pipeline.models import Job

    login(client, world["officer"])
    resp = client.post("/reports/jobs", data={"kind": "roadmaps_county", "county_id": world["ly"].id})
    assert resp.status_code == 404
    resp = client.post("/reports/jobs", data={"kind": "briefing_city"})
    assert resp.status_code == 302
    assert db.session.query(Job).count() == 0


def test_job_flow_roadmaps_zip(world, client, db, app):
    from pipeline.models import Job
    from pipeline.reports.jobs import run_pending_jobs

    login(client, world["officer"])
    resp = client.post("/reports/jobs", data={"kind": "roadmaps_county", "county_id": world["hz"].id})
    assert resp.status_code == 302
    job = db.session.query(Job).one()
    assert job.status == "queued" and job.total == 2
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and "js/reports.js" in page.get_data(as_text=True)
    assert "<script>" not in page.get_data(as_text=True)
    # issue 17: no scheduler process runs, so the page says why the job waits; with one running it does not
    assert 'id="no-scheduler"' in page.get_data(as_text=True)
    from pipeline.reminders.scheduler import acquire_lease, release_lease

    assert acquire_lease("test-holder")
    assert 'id="no-scheduler"' not in client.get(resp.headers["Location"]).get_data(as_text=True)
    release_lease("test-holder")
    assert 'id="no-scheduler"' in client.get("/reports/").get_data(as_text=True)
    assert client.get(f"/reports/jobs/{job.id}.json").get_json()["status"] == "queued"
    assert client.get(f"/reports/jobs/{job.id}/download").status_code == 404  # not done yet

    assert run_pending_jobs(workers=1) == 1
    assert run_pending_jobs(workers=1) == 0  # nothing left: a second run does nothing
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.progress == 2, job.error
    info = client.get(f"/reports/jobs/{job.id}.json").get_json()
    assert info["done"] and info["percent"] == 100 and info["download_url"]
    dl = client.get(info["download_url"])
    assert dl.status_code == 200 and dl.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(dl.data)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert any(world["a"].credit_code in n for n in names)

    # Another county's officer cannot see or download it.
    other = app.test_client()
    login(other, world["other_officer"])
    assert other.get(f"/reports/jobs/{job.id}").status_code == 404
    assert other.get(f"/reports/jobs/{job.id}/download").status_code == 404


def test_briefing_job_records_the_pack(world, client, db):
    from pipeline.models import Job, Setting
    from pipeline.reports.jobs import run_pending_jobs

    login(client, world["admin"])
    client.post("/reports/jobs", data={"kind": "briefing_city"})
    run_pending_jobs()
    job = db.session.query(Job).one()
    db.session.refresh(job)
    assert job.status == "done" and job.result_path.endswith(".pdf")
    assert db.session.get(Setting, "briefing.last.city").value["summary"]["pool"] == 3
    assert client.get(f"/reports/jobs/{job.id}/download").data[:5] == b"%PDF-"


def test_claim_is_exclusive(world, db):
    from pipeline.models import Job
    from pipeline.reports.jobs import claim_next, queue_job

    queue_job(world["admin"], "briefing_city", None, TODAY)
    first = claim_next("one")
    assert first is not None and first.status == "running" and first.claimed_by == "one"
    assert claim_next("two") is None
    assert db.session.query(Job).filter_by(status="running").count() == 1


def test_stale_running_job_is_queued_again(world, db):
    from datetime import timedelta

    from pipeline.models.base import utcnow
    from pipeline.reports.jobs import claim_next, queue_job, requeue_stale

    job = queue_job(world["admin"], "briefing_city", None, TODAY)
    claim_next("dead-process")
    assert requeue_stale(utcnow()) == 0  # just started: left alone
    assert (
        requeue_stale(utcnow() + timedelta(minutes=1)) == 0
    )  # another host's process: its heartbeat is fresh
    assert requeue_stale(utcnow() + timedelta(minutes=3)) == 1  # issue 12: minutes, not an hour
    db.session.refresh(job)
    assert job.status == "queued" and job.claimed_by is None


def test_job_in_two_worker_processes(world, db, app):
    """The real pool: two spawned workers, each building its own app, render a county's roadmaps."""
    from pipeline.models import Job
    from pipeline.reports import jobs
    from tests import factories as f

    if app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("worker processes need a database file or server")
    for i in range(11):
        f.firm(world["hz"], name=f"批量测试企业{i}", stage="pool")
    db.session.commit()
    job = jobs.queue_job(world["officer"], "roadmaps_county", world["hz"], TODAY)
    assert jobs.run_pending_jobs(workers=2) == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done", job.error
    assert job.progress == job.total == 13
    assert len(zipfile.ZipFile(job.result_path).namelist()) == 13


def test_post_without_csrf_token_is_rejected(world, app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        login(client, world["admin"])
        assert client.post("/reports/jobs", data={"kind": "briefing_city"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_reports_page_lists_scope(world, client):
    login(client, world["officer"])
    html = client.get("/reports/").get_data(as_text=True)
    assert "海州区" in html and "连云区" not in html and "csrf_token" in html
