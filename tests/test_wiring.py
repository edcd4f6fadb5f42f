"""Explicit wiring: every blueprint, command module and scheduler job is named in one list, and a
missing one stops the app (or the scheduler) from starting instead of vanishing unseen."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Blueprint

from pipeline import cli, web
from pipeline.reminders import scheduler
from pipeline.wiring import WiringError, resolve

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "pipeline"


def _config(tmp_path):
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/wiring.db"}


def test_resolve_names_what_is_missing():
    with pytest.raises(WiringError, match="pipeline.web.gone"):
        resolve("pipeline.web.gone:bp")
    with pytest.raises(WiringError, match="no 'nope'"):
        resolve("pipeline.web.auth:nope")
    assert isinstance(resolve("pipeline.web.auth:bp"), Blueprint)


def test_every_blueprint_module_is_listed_and_registered(app):
    modules = {
        f"pipeline.web.{p.stem}:bp"
        for p in (PIPELINE / "web").glob("*.py")
        if re.search(r"^bp = Blueprint\(", p.read_text(encoding="utf-8"), re.M)
    }
    assert modules == set(web.BLUEPRINTS)
    assert set(app.blueprints) == {resolve(ref).name for ref in web.BLUEPRINTS}


def test_every_command_module_is_listed_and_registered(app):
    modules = {f"pipeline.cli.{p.stem}" for p in (PIPELINE / "cli").glob("*.py")} - {
        "pipeline.cli.__init__",
        "pipeline.cli.options",
    }
    assert modules == set(cli.COMMAND_MODULES)
    groups = set(app.cli.list_commands(None))
    expected = {
        "seed-demo", "assess-all", "users", "roadmaps", "reminders", "export", "goals", "compliance"
    }  # fmt: skip
    assert expected <= groups
    assert not list((PIPELINE / "services").glob("*cli*.py"))  # no command module left in services/


@pytest.mark.parametrize(
    "target, name",
    [(web, "BLUEPRINTS"), (cli, "COMMAND_MODULES")],
)
def test_a_missing_blueprint_or_command_fails_at_start_up(monkeypatch, tmp_path, target, name):
    from pipeline import create_app

    ref = "pipeline.web.renamed:bp" if target is web else "pipeline.cli.renamed"
    monkeypatch.setattr(target, name, (*getattr(target, name), ref))
    with pytest.raises(WiringError, match="pipeline.(web|cli).renamed"):
        create_app(_config(tmp_path))


def test_scheduler_registers_every_job_of_the_table(app, db):
    sched = scheduler.build_scheduler(app, "test-holder", echo=lambda m: None)
    ids = {j.id for j in sched.get_jobs()}
    assert {job.id for job in scheduler.JOBS} <= ids
    channels = {f"reminders-deliver-{c}" for c in scheduler.DELIVERY_CHANNELS}
    assert ids - {job.id for job in scheduler.JOBS} <= {"lease-heartbeat", "catch-up-scan", *channels}
    assert {"report-jobs", "goal-snapshot", "compliance-refresh", "briefing-delivery"} <= ids


def test_a_renamed_job_fails_at_start_up(app, db, monkeypatch):
    gone = scheduler.Job("nightly", "pipeline.reports.jobs:run_pending_jobs_renamed", "cron", {"hour": 1})
    monkeypatch.setattr(scheduler, "JOBS", (*scheduler.JOBS, gone))
    with pytest.raises(WiringError, match="run_pending_jobs_renamed"):
        scheduler.build_scheduler(app, "test-holder", echo=lambda m: None)


def _sources():
    for p in PIPELINE.rglob("*.py"):
        yield p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")


def test_no_silent_skip_remains():
    """No importlib outside the wiring module, no ImportError branch, no has_endpoint guard."""
    offenders = []
    for name, text in _sources():
        if name != "pipeline/wiring.py" and "importlib" in text:
            offenders.append(f"{name}: importlib")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ExceptHandler) and "ImportError" in ast.unparse(
                node.type or ast.Name("")
            ):
                offenders.append(f"{name}:{node.lineno}: except ImportError")
    for p in (ROOT / "templates").rglob("*.html"):
        if "has_endpoint" in p.read_text(encoding="utf-8"):
            offenders.append(f"{p.relative_to(ROOT)}: has_endpoint")
    assert offenders == []


def test_one_endpoint_per_url(app):
    seen = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            key = (rule.rule, method)
            assert key not in seen, f"{key} served by {seen[key]} and {rule.endpoint}"
            seen[key] = rule.endpoint


def test_only_the_clock_reads_the_clock():
    pattern = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|datetime\.today)\(")
    offenders = [
        f"{name}:{i}"
        for name, text in _sources()
        if name != "pipeline/clock.py"
        for i, line in enumerate(text.splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
