"""Issue 11: calendar edits queue a background re-plan of the roadmaps they affect (with progress,
and how many moved); deleting a batch asks first and says how many roadmaps target it."""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.criteria.model import RD_MANAGEMENT_POINTS
from pipeline.models import ApplicationBatch, AuditLog, Job, Roadmap
from pipeline.reports.jobs import run_pending_jobs
from pipeline.services.replan import current_version
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import TODAY, fresh
from tests.web.formdata import form_data


def _admin(app, world, db):
    """The admin's client, and a ready firm in county A (the world's firms have no feasible batch)."""
    from pipeline.models import Conversion
    from pipeline.services.roadmaps import regenerate

    firm = f.firm(world.county_a, "戊电子科技有限公司", registered_on=TODAY.replace(year=TODAY.year - 8))
    firm.grade_advancement, firm.grade_core_support = "A", "A"
    for i, y in enumerate(range(TODAY.year - 3, TODAY.year + 1)):
        sales = 3000 + 600 * i
        f.year(
            firm,
            y,
            sales=sales,
            rd=sales * 0.06,
            staff=60,
            tech=12,
            ht=sales * 0.75,
            net_assets=1200 + 400 * i,
        )
        for k in range(3):
            db.session.add(Conversion(firm_id=firm.id, year=y, title=f"成果{y}-{k}"))
    f.ip(firm, "invention_patent", core=True)
    for _ in range(6):
        f.ip(firm, "utility_model", core=True)
    f.evidence(firm, *RD_MANAGEMENT_POINTS)
    regenerate([firm.id], TODAY)
    db.session.commit()
    c = app.test_client()
    login(c, world.admin)
    return c


def _new_batch(app, c, code, year, cutoff):
    data = form_data(
        fresh(app, c, "get", "/admin/planning/batches/new").get_data(as_text=True), "/batches/new"
    )
    data.update(code=code, year=str(year), cutoff=cutoff)
    return fresh(app, c, "post", "/admin/planning/batches/new", data=data, follow_redirects=True)


def _enter_calendar(app, c):
    """The admin enters the next four years' batches (the default pattern's dates)."""
    y = TODAY.year + 1
    for year in range(y, y + 4):
        for n, md in ((1, "05-31"), (2, "07-15"), (3, "08-31")):
            resp = _new_batch(app, c, f"{year}-{n}", year, f"{year}-{md}")
            assert resp.status_code == 200
    return resp


def _roadmaps(db):
    db.session.expire_all()
    return {r.firm_id: r for r in db.session.scalars(select(Roadmap))}


def test_a_batch_edit_queues_a_replan_with_progress_and_says_how_many_moved(app, world, db):
    c = _admin(app, world, db)
    before = _roadmaps(db)
    assert len(before) == 4
    resp = _enter_calendar(app, c)
    text = resp.get_data(as_text=True)
    # Six edits before the background process ran: one queued re-plan of the three roadmaps.
    jobs = db.session.scalars(select(Job).where(Job.kind == "replan")).all()
    assert len(jobs) == 1 and jobs[0].status == "queued" and jobs[0].total == 4
    assert f"4份路线图将在后台重新规划（任务#{jobs[0].id}）" in text
    assert all(r.calendar_version != current_version(TODAY) for r in _roadmaps(db).values())

    assert run_pending_jobs() == 1  # what the scheduler process does every 15 s
    db.session.expire_all()
    job = db.session.get(Job, jobs[0].id)
    assert (job.status, job.progress, job.total) == ("done", 4, 4)
    result = job.params["result"]
    assert result["replanned"] == 4
    after = _roadmaps(db)
    assert all(r.calendar_version == current_version(TODAY) for r in after.values())
    targets = {r.target_batch for r in after.values()} - {None}
    assert targets, "the world's firms plan into one of the entered batches"
    page = fresh(app, c, "get", "/admin/planning/").get_data(as_text=True)
    assert f"已重新规划4份路线图：{result['target_changed']}份目标批次改变" in page
    # The re-plan was done as the admin: each firm's history says so.
    assert (
        db.session.scalar(
            select(func.count()).where(AuditLog.action == "regenerate", AuditLog.user_id == world.admin.id)
        )
        == 4
    )

    # Moving the cutoff of a targeted batch (the form pre-filled, only the cutoff changed) re-plans:
    # every roadmap on that batch then shows the new cutoff.
    code = sorted(targets)[0]
    batch = db.session.scalars(select(ApplicationBatch).where(ApplicationBatch.code == code)).one()
    url = f"/admin/planning/batches/{batch.id}"
    data = form_data(fresh(app, c, "get", url).get_data(as_text=True), url)
    assert data["cutoff"] == batch.cutoff.isoformat() and data["code"] == code
    new_cutoff = batch.cutoff.replace(day=batch.cutoff.day - 10)
    data["cutoff"] = new_cutoff.isoformat()
    assert fresh(app, c, "post", url, data=data).status_code == 302
    run_pending_jobs()
    on_batch = [r for r in _roadmaps(db).values() if r.target_batch == code]
    assert on_batch and all(r.target_cutoff == new_cutoff for r in on_batch)
    assert db.session.scalar(select(func.count()).where(Job.kind == "replan", Job.status == "done")) == 2


def test_deleting_a_batch_asks_first_and_says_how_many_roadmaps_target_it(app, world, db):
    c = _admin(app, world, db)
    _enter_calendar(app, c)
    run_pending_jobs()
    roadmaps = _roadmaps(db)
    code = sorted({r.target_batch for r in roadmaps.values()} - {None})[0]
    n = sum(r.target_batch == code for r in roadmaps.values())
    batch = db.session.scalars(select(ApplicationBatch).where(ApplicationBatch.code == code)).one()

    # The 删除 button on the calendar page, as the browser posts it: a confirmation page, nothing deleted.
    index = fresh(app, c, "get", "/admin/planning/").get_data(as_text=True)
    data = form_data(index, f"/admin/planning/batches/{batch.id}/delete")
    resp = fresh(app, c, "post", f"/admin/planning/batches/{batch.id}/delete", data=data)
    page = resp.get_data(as_text=True)
    assert (
        resp.status_code == 200 and f"有{n}份路线图以该批次为目标" in page and f"确定删除批次{code}吗" in page
    )
    assert db.session.get(ApplicationBatch, batch.id) is not None
    assert not db.session.scalar(select(Job.id).where(Job.kind == "replan", Job.status == "queued"))

    # Confirming deletes it and queues the re-plan; afterwards no roadmap targets the deleted batch.
    confirm = form_data(page, f"/admin/planning/batches/{batch.id}/delete")
    assert confirm["confirmed"] == "yes"
    resp = fresh(
        app, c, "post", f"/admin/planning/batches/{batch.id}/delete", data=confirm, follow_redirects=True
    )
    assert f"已删除批次 {code}。" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.scalar(select(ApplicationBatch.id).where(ApplicationBatch.code == code))
    assert db.session.scalar(select(Job.id).where(Job.kind == "replan", Job.status == "queued"))
    run_pending_jobs()
    assert not any(r.target_batch == code for r in _roadmaps(db).values())


def test_a_replan_job_is_not_offered_as_an_export_and_has_nothing_to_download(app, world, db):
    c = _admin(app, world, db)
    _enter_calendar(app, c)
    resp = fresh(app, c, "post", "/reports/jobs", data={"kind": "replan", "county": world.county_a.id})
    assert db.session.scalar(select(func.count()).where(Job.kind == "replan")) == 1  # only the calendar's
    run_pending_jobs()
    job = db.session.scalars(select(Job).where(Job.kind == "replan")).one()
    info = fresh(app, c, "get", f"/reports/jobs/{job.id}.json").get_json()
    assert info["status"] == "done" and not info["done"] and "download_url" not in info
    assert resp.status_code in (302, 400, 404)
