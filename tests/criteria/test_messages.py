"""i14: every engine text is a message (code + params) with an English template; the contract's
Chinese output is unchanged (the door prints no *_msg key)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline.criteria import assess, parse_profile
from pipeline.criteria.messages import Msg, join, render, text_in
from pipeline.roadmap import plan
from tests.roadmap.helpers import firm, set_year

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
T = date(2026, 12, 1)


def _profiles():
    yield firm()
    yield firm(ip=[{"kind": "utility_model", "status": "filed", "core": True}], rd_management={}, grades={})
    yield firm(tech_domain="80402", conversions={}, tsme_registered=False)
    f = firm(tech_domain="10999")
    for y in (2023, 2024, 2025):
        set_year(f, y, staff=100, tech_staff=8, rd_total=30, hightech_income=500)
    yield f
    yield firm(
        years={
            "2023": {"sales": 0, "rd_total": 0},
            "2024": {"sales": 0, "rd_total": 10},
            "2025": {"sales": 0, "rd_total": 0, "staff": 5, "tech_staff": 0},
        }
    )


def _texts(d):
    for c in d["conditions"].values():
        yield "explain", c
    for g in d.get("gaps") or []:
        yield "what", g
        yield "explain", g


@pytest.mark.parametrize("i", range(5))
def test_every_condition_gap_and_milestone_text_renders_in_english(i):
    prof = list(_profiles())[i]
    a = assess(parse_profile(prof)).to_dict(codes=True)
    p = plan(dict(prof), T).to_dict(codes=True)
    items = list(_texts(a)) + [(k, m) for m in p["milestones"] for k in ("title", "basis")]
    for key, obj in items:
        en = render(obj.get(key + "_msg"), "en")
        assert en is not None and not CJK.search(en), (key, obj[key], obj.get(key + "_msg"))
        assert text_in(obj, key, "zh") == obj[key]  # Chinese: the text itself


def test_the_doors_print_exactly_the_contract_without_message_codes():
    prof = firm(ip=[{"kind": "utility_model", "status": "filed", "core": True}])
    out = subprocess.run(
        [sys.executable, "-m", "pipeline.assess", "-"],
        input=json.dumps(prof),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "_msg" not in out
    assert json.loads(out) == json.loads(
        json.dumps(assess(parse_profile(prof)).to_dict(), ensure_ascii=False)
    )


def test_msg_is_the_chinese_text_and_join_keeps_the_parts():
    a, b = (
        Msg(
            "h9.pass",
            "甲",
        ),
        Msg("h10.pass", "乙"),
    )
    assert a == "甲" and json.dumps(a, ensure_ascii=False) == '"甲"'
    j = join("；", [a, b])
    assert j == "甲；乙" and render(j.to_json(), "en").count("; ") == 1
    assert join("；", [a, "丙"]) == "甲；丙" and not isinstance(join("；", [a, "丙"]), Msg)
    assert text_in({"x": "旧文本"}, "x", "en") == "旧文本"  # old JSON: the stored Chinese text
    assert render({"code": "no.such.code", "params": {}}, "en") is None


def test_why_lever_and_risk_of_a_firm_without_a_safe_batch_render_in_english():
    from pipeline.roadmap import outlook

    prof = firm(grades={}, conversions={})  # expert grades unknown: no safe batch, a likely one
    d = plan(dict(prof), T).to_dict(codes=True)
    ol = outlook(d)
    assert ol is not None
    for key, obj in (("why", ol), ("lever", ol)):
        if obj.get(key + "_msg"):
            en = text_in(obj, key, "en")
            assert not CJK.search(en), (key, en)
    assert (
        ol["lever_msg"]
        and "missing levers" in text_in(ol, "lever", "en")
        or "lever.code" in str(ol["lever_msg"])
    )
    if ol["likely"]:
        en = text_in(ol["likely"], "risk", "en")
        assert en and not CJK.search(en), en
    assert "_msg" not in json.dumps(plan(dict(prof), T).to_dict())  # the door's JSON has no codes


def _why_profiles():
    """Profiles whose batches are blocked by each planner reason (time-bound and the planner's own)."""
    yield firm(hnte_cert_expiry="2028-10-31")  # cert_valid
    yield firm(applied_years=[2027])  # one_per_year
    yield firm(registered_on="2026-09-01", years={"2026": {"sales": 100, "rd_total": 10}})  # H1
    yield firm(incident_date="2026-10-01")  # H9 with its date
    yield firm(incident_within_year=True)  # H9 without a date
    yield firm(revoked_this_year=True), date(2026, 3, 1)  # H10: this year's batches
    yield firm(ip=[], tech_domain="80402")  # H2: no IP in time for the early batches
    f = firm()
    for y in (2023, 2024, 2025):
        set_year(f, y, rd_total=10)  # H5: closed years far below the band
    yield f
    f = firm()
    for y in (2023, 2024, 2025, 2026):
        set_year(f, y, rd_domestic=1)  # H6: almost all R&D abroad
    yield f
    f = firm()
    set_year(f, 2025, staff=100, tech_staff=2)  # H4: a closed year below 10%
    set_year(f, 2025, hightech_income=100)  # H7: a closed year below 60%
    yield f, date(2026, 3, 1)
    f = firm()
    del f["years"]["2024"]["rd_total"]  # H5: figures missing
    del f["years"]["2025"]["staff"]  # H4: figures missing
    del f["years"]["2025"]["hightech_income"]  # H7: figures missing
    yield f


def test_every_why_of_a_blocked_batch_renders_in_english():
    """The time-bound reasons (H1/H9/H10/cert_valid/one_per_year) and the planner's own H2/H4/H5/H6/H7
    reasons are messages: every blocked batch's why and lever render in English, no CJK."""
    from pipeline.roadmap import outlook

    seen = set()
    for prof in _why_profiles():
        prof, today = prof if isinstance(prof, tuple) else (prof, T)
        d = plan(dict(prof), today).to_dict(codes=True)
        assert d["earlier_batches"], prof
        for b in d["earlier_batches"]:
            for key in ("why", "lever"):
                if not b.get(key):
                    continue
                en = text_in(b, key, "en")
                assert b.get(key + "_msg") and not CJK.search(en), (key, b[key], en)
                assert text_in(b, key, "zh") == b[key]
            seen |= set(re.findall(r'"code": "(why\.[a-z0-9_.]+)"', json.dumps(b.get("why_msg"))))
        ol = outlook(d)
        if ol:
            assert not CJK.search(text_in(ol, "why", "en"))
    assert {
        "why.cert_valid",
        "why.one_per_year",
        "why.h1",
        "why.h9",
        "why.h9.no_date",
        "why.h10",
        "why.h2.late",
        "why.h5.infeasible",
        "why.h5.missing",
        "why.h6.infeasible",
        "why.h4.closed",
        "why.h7.closed",
        "why.h4.missing",
        "why.h7.missing",
    } <= seen, seen
    assert outlook({"target": None, "earlier_batches": []})["why_msg"]["code"] == "why.no_batch"
