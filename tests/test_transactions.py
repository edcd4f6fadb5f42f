"""Issue 13: one transaction boundary. Services flush; the request (``pipeline/web/transaction.py``),
each CLI command (``pipeline/cli/__init__.py``) and each scheduler job (``reminders/scheduler.in_app``)
commit or roll back once. The few places that must commit mid-way are listed here with their reason.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import click
import pytest
from sqlalchemy import func, select

from pipeline.errors import Invalid
from pipeline.models import County
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "pipeline"
CALL = re.compile(r"\.(commit|rollback)\(|\bcommit\s*[=:]")

# file -> how many commit / rollback calls it may hold, and why (each line also says so in a comment)
ALLOWED = {
    "web/transaction.py": (2, "the request's boundary: one commit or one rollback"),
    "cli/__init__.py": (4, "the CLI's boundary: commit on success (or exit 0), roll back on failure"),
    "reminders/scheduler.py": (3, "each job's boundary (in_app); the lease's advisory-lock connection"),
    "services/accounts.py": (2, "login throttle rows and the lock's audit row survive a refused login"),
    "services/sessions.py": (2, "a spent remember-me token and its replacement cookie, whatever the outcome"),
    "services/assessments.py": (2, "assess-all's forked workers read through their own connections"),
    "services/replan.py": (2, "a long re-plan job: one chunk per transaction, progress seen"),
    "services/briefings.py": (1, "a mailed briefing pack is recorded at once, never mailed twice"),
    "reminders/deliver.py": (3, "a delivery's claim and its result, no transaction over the network"),
    "reports/jobs.py": (10, "SKIP LOCKED claims, re-queue, progress, each job's done/failed row"),
    "reports/pdfcache.py": (1, "a render process only reads: it ends its transaction"),
    "reports/render.py": (1, "the render process's warm-up roadmap only reads: it ends its transaction"),
}


def _calls() -> Counter:
    found = Counter()
    for p in PIPELINE.rglob("*.py"):
        rel = p.relative_to(PIPELINE).as_posix()
        for line in p.read_text(encoding="utf-8").splitlines():
            found[rel] += len(CALL.findall(line))
    return +found


def test_commits_and_rollbacks_only_at_the_boundaries_and_the_listed_places():
    found = _calls()
    assert {k: v for k, v in found.items() if k not in ALLOWED} == {}, "services flush; the boundary commits"
    assert {k: found.get(k, 0) for k in ALLOWED} == {k: n for k, (n, _why) in ALLOWED.items()}


def test_every_allowed_mid_way_commit_says_why():
    for rel in ALLOWED:
        if rel in ("web/transaction.py", "cli/__init__.py", "reminders/scheduler.py"):
            continue  # the boundaries themselves
        lines = (PIPELINE / rel).read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if CALL.search(line):
                near = " ".join(lines[max(0, i - 3) : i + 1]).lower()
                assert "issue 13, allowed" in near, f"{rel}:{i + 1} commits without saying why"


def test_no_view_rolls_back_and_no_commit_flag_anywhere():
    for p in (PIPELINE / "web").glob("*.py"):
        if p.name == "transaction.py":
            continue
        assert not CALL.search(p.read_text(encoding="utf-8")), p.name
    for p in PIPELINE.rglob("*.py"):
        assert not re.search(r"\bcommit\s*=", p.read_text(encoding="utf-8")), p


# ---------------------------------------------------------------------------- the CLI boundary


def test_a_command_failing_half_way_writes_nothing(app, db, runner):
    """A command that wrote (flushed) a row and then fails leaves no row: one rollback."""
    from pipeline.cli import transactional

    @click.command("half-way")
    @click.option("--fail", is_flag=True)
    def half_way(fail):
        db.session.add(County(code="329999", name="半途县"))
        db.session.flush()
        if fail:
            raise click.ClickException("第二步失败")

    cmd = click.Command("half-way", params=half_way.params, callback=transactional(half_way.callback))
    result = runner.invoke(cmd, ["--fail"])
    assert result.exit_code == 1 and "第二步失败" in result.output
    assert db.session.scalar(select(func.count()).select_from(County)) == 0
    result = runner.invoke(cmd, [])
    assert result.exit_code == 0, result.output
    db.session.rollback()  # anything not committed would vanish here
    assert db.session.scalar(select(func.count()).select_from(County)) == 1


def test_every_registered_command_is_one_transaction(app):
    def leaves(cmd):
        if isinstance(cmd, click.Group):
            for sub in cmd.commands.values():
                yield from leaves(sub)
        else:
            yield cmd

    from pipeline.cli import COMMAND_MODULES  # noqa: F401  (the modules registered their commands)

    ours = [c for name, c in app.cli.commands.items() if name not in ("db", "run", "shell", "routes")]
    commands = [c for top in ours for c in leaves(top)]
    assert len(commands) >= 15
    assert all(getattr(c.callback, "transactional", False) for c in commands), [
        c.name for c in commands if not getattr(c.callback, "transactional", False)
    ]


def test_a_real_command_that_fails_after_writing_keeps_nothing(app, db, runner, monkeypatch):
    """``users create`` refused after the user row was flushed (the audit write fails): no user."""
    from pipeline.models import User
    from pipeline.services import accounts

    f.county()
    db.session.commit()

    def failing_record(*a, **kw):
        assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the row is written
        raise Invalid("审计写入失败")

    monkeypatch.setattr(accounts, "record", failing_record)
    result = runner.invoke(
        args=["users", "create", "halfway", "--role", "admin", "--password", "Str0ng-Passw0rd!"]
    )
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("fails", [False, True])
def test_a_scheduler_job_commits_once_or_rolls_back(app, db, fails):
    from pipeline.reminders.scheduler import in_app

    def fn():
        db.session.add(County(code="329998", name="任务县"))
        db.session.flush()
        if fails:
            raise RuntimeError("job failed")

    if fails:
        with pytest.raises(RuntimeError):
            in_app(app, fn)()
    else:
        in_app(app, fn)()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(County)) == (0 if fails else 1)


def test_a_savepoint_opened_first_and_released_is_still_undone_by_the_rollback(app, db):
    """A SAVEPOINT as the first statement of a transaction (a digest claim, a briefing send, a
    flush inside ``begin_nested``): releasing it must not commit. On SQLite the driver opened no
    transaction before a SAVEPOINT, so its RELEASE committed the rows (issue 13)."""
    db.session.commit()
    with db.session.begin_nested():
        db.session.add(County(code="329997", name="保存点县"))
    assert db.session.scalar(select(func.count()).select_from(County).where(County.code == "329997")) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(County).where(County.code == "329997")) == 0
