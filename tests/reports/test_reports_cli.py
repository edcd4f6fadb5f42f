"""`flask export ...` writes the PDFs the brief names."""

from __future__ import annotations

from tests.reports.conftest import pdftext


def test_export_roadmap(world, runner, tmp_path):
    out = tmp_path / "r.pdf"
    res = runner.invoke(
        args=["export", "roadmap", "--firm", world["a"].credit_code, "-o", str(out), "--today", "2026-11-26"]
    )
    assert res.exit_code == 0, res.output
    assert "连云港海蓝智能装备有限公司" in "".join(pdftext(out.read_bytes(), tmp_path).split())


def test_export_roadmap_unknown_firm(world, runner, tmp_path):
    res = runner.invoke(
        args=["export", "roadmap", "--firm", "91320706000000000X", "-o", str(tmp_path / "x.pdf")]
    )
    assert res.exit_code != 0 and "找不到" in res.output


def test_export_briefing_county_by_name_and_city(world, runner, tmp_path):
    out = tmp_path / "b.pdf"
    res = runner.invoke(
        args=["export", "briefing", "--county", "海州区", "-o", str(out), "--today", "2026-11-26"]
    )
    assert res.exit_code == 0, res.output
    assert "海州区" in "".join(pdftext(out.read_bytes(), tmp_path).split())
    res = runner.invoke(args=["export", "briefing", "--city", "-o", str(tmp_path / "c.pdf")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["export", "briefing", "-o", str(tmp_path / "d.pdf")])
    assert res.exit_code != 0


def test_export_roadmaps_county(world, runner, tmp_path):
    res = runner.invoke(args=["export", "roadmaps", "--county", "320706", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 2


def test_export_run_jobs(world, runner, db):
    from pipeline.models import Job
    from pipeline.reports.jobs import queue_job
    from tests.reports.conftest import TODAY

    queue_job(world["officer"], "briefing_county", world["hz"], TODAY)
    res = runner.invoke(args=["export", "run-jobs", "--workers", "1"])
    assert res.exit_code == 0 and "1" in res.output
    assert db.session.query(Job).one().status == "done"
