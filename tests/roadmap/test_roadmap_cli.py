"""``python -m pipeline.plan`` through a subprocess: exit 0 with JSON, exit 2 with one Chinese line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.roadmap.helpers import firm, ready_firm

ROOT = Path(__file__).resolve().parents[2]


def run(args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.plan", *args], cwd=ROOT, input=stdin, capture_output=True, timeout=60
    )


@pytest.fixture
def profile(tmp_path):
    p = tmp_path / "firm.json"
    p.write_text(json.dumps(ready_firm(), ensure_ascii=False), encoding="utf-8")
    return p


def test_plan_json_on_stdout(profile):
    r = run([str(profile), "--today", "2026-11-27"])
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout.decode("utf-8"))
    assert d["today"] == "2026-11-27" and d["target"]["batch"] == "2027-1"
    assert r.stderr == b""


def test_custom_calendar_and_stdin(profile, tmp_path):
    cal = tmp_path / "cal.json"
    cal.write_text(
        json.dumps(
            {"batches": [{"id": "2027-A", "cutoff": "2027-06-20"}, {"id": "2028-A", "cutoff": "2028-06-20"}]}
        )
    )
    r = run(["-", "--today", "2026-11-27", "--calendar", str(cal)], stdin=profile.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["target"] == {"batch": "2027-A", "cutoff": "2027-06-20", "year": 2027}


def test_no_feasible_batch_still_exit_0(tmp_path):
    p = tmp_path / "f.json"
    p.write_text(json.dumps(firm(grades={}, conversions={})))
    r = run([str(p), "--today", "2026-11-27"])
    assert r.returncode == 0
    d = json.loads(r.stdout)
    assert d["target"] is None and d["earlier_batches"]


def _one_chinese_line(r):
    assert r.returncode == 2
    assert r.stdout == b""
    err = r.stderr.decode("utf-8")
    assert err.endswith("\n") and err.count("\n") == 1
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)
    return err


def test_bad_json(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{not json")
    assert "JSON" in _one_chinese_line(run([str(p), "--today", "2026-11-27"]))


def test_missing_file(tmp_path):
    _one_chinese_line(run([str(tmp_path / "nope.json"), "--today", "2026-11-27"]))


def test_profile_error(tmp_path):
    f = ready_firm()
    f["years"]["2025"]["sales"] = -5
    p = tmp_path / "f.json"
    p.write_text(json.dumps(f))
    assert "years.2025.sales" in _one_chinese_line(run([str(p), "--today", "2026-11-27"]))


def test_bad_planning_keys(tmp_path):
    for key, val in (
        ("tsme_registered", "yes"),
        ("hnte_cert_expiry", "2027-02-30"),
        ("assumptions", {"sales_growth": "lots"}),
    ):
        f = ready_firm()
        f[key] = val
        p = tmp_path / "f.json"
        p.write_text(json.dumps(f))
        assert key in _one_chinese_line(run([str(p), "--today", "2026-11-27"]))


@pytest.mark.parametrize("today", ["2026-13-01", "tomorrow", ""])
def test_bad_today(profile, today):
    assert "--today" in _one_chinese_line(run([str(profile), "--today", today]))


def test_missing_today_or_profile(profile):
    _one_chinese_line(run([str(profile)]))
    _one_chinese_line(run(["--today", "2026-11-27"]))
    _one_chinese_line(run([str(profile), "--today", "2026-11-27", "--bogus"]))


def test_bad_calendar(profile, tmp_path):
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"batches": [{"id": "x", "cutoff": "2027-02-30"}]}))
    assert "日历" in _one_chinese_line(run([str(profile), "--today", "2026-11-27", "--calendar", str(cal)]))
    cal.write_text("[1, 2")
    _one_chinese_line(run([str(profile), "--today", "2026-11-27", "--calendar", str(cal)]))


def test_planner_is_pure():
    code = (
        "import sys, pipeline.plan, pipeline.roadmap; "
        "print(any(m.split('.')[0] in ('flask', 'sqlalchemy') for m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60)
    assert r.stdout.strip() == b"False"
    for path in (ROOT / "pipeline" / "roadmap").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "date.today(" not in text and "datetime.now(" not in text


def test_fractional_numbers_are_read_exactly(tmp_path):
    f = ready_firm()
    f["years"]["2026"]["sales"] = 4400.5
    f["years"]["2026"]["rd_total"] = 240.25
    f["assumptions"] = {"sales_growth": 0.15}
    p = tmp_path / "f.json"
    p.write_text(json.dumps(f))
    r = run([str(p), "--today", "2026-11-27"])
    assert r.returncode == 0, r.stderr.decode()
    d = json.loads(r.stdout)
    assert d["plans"]["rd"][0]["sales"] == 4400.5
    assert d["assumptions"]["sales_growth"] == 0.15
