"""i14 (issue 17's point): engine texts carry message codes; pages render them in the UI language.

The Chinese page is unchanged; with ?lang=en the conditions, gaps and milestones are English (no CJK in
those blocks); stored JSON without codes falls back to the stored Chinese text."""

from __future__ import annotations

import re
from html import unescape as html_unescape

from sqlalchemy import select

from pipeline.models import Assessment, Roadmap
from tests.conftest import login
from tests.web.conftest import fresh

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _blocks(html: str, cls: str) -> list[str]:
    return [
        html_unescape(re.sub(r"<[^>]+>", "", b))
        for b in re.findall(rf'<(?:td|div)[^>]* class="{cls}"[^>]*>(.*?)</(?:td|div)>', html, re.S)
    ]


def _titles(html: str) -> list[str]:
    out = []
    for b in re.findall(r'<div class="ms-title">(.*?)<span class="muted small">', html, re.S):
        out.append(html_unescape(re.sub(r"<span class=\"status[^>]*>.*?</span>", "", b, flags=re.S).strip()))
    return out


def _page(app, world, lang=""):
    c = app.test_client()
    with app.app_context():
        login(c, world.officer)
    return fresh(app, c, "get", f"/firms/{world.own.id}{lang}").get_data(as_text=True)


def test_firm_page_in_english_shows_english_engine_texts_and_chinese_is_unchanged(app, world, db):
    from markupsafe import escape

    result = db.session.scalar(select(Assessment.result).where(Assessment.firm_id == world.own.id))
    assert result["conditions"]["H5"]["explain_msg"]["code"] == "h5.ratio"
    zh = _page(app, world)
    # Chinese: the stored Chinese texts, as before
    assert str(escape(result["conditions"]["H5"]["explain"])) in zh
    assert str(escape(result["gaps"][0]["what"])) in zh
    en = _page(app, world, "?lang=en")
    explains = _blocks(en, "explain")
    titles = _titles(en)
    assert len(explains) >= 10 + len(result["gaps"]) and titles
    for text in explains + titles:
        assert not CJK.search(text), text
    assert any(t.startswith("R&D over") for t in explains)  # H5 in English
    assert any("HNTE Measures art. 11(5)" in t for t in explains)
    assert any(t.startswith("Submit the HNTE application") for t in titles)
    basis = re.findall(r'<div class="muted small">(Basis: .*?)</div>', en, re.S)
    assert basis and all(not CJK.search(b) for b in basis), [b for b in basis if CJK.search(b)]
    # the Chinese page never shows the English
    assert "R&amp;D over" not in zh and "Submit the HNTE application" not in zh


def test_old_json_without_codes_falls_back_to_the_stored_chinese_text(app, world, db):
    a = db.session.scalars(select(Assessment).where(Assessment.firm_id == world.own.id)).one()
    data = dict(a.result)
    data["conditions"] = {
        k: {kk: vv for kk, vv in c.items() if kk != "explain_msg"} for k, c in data["conditions"].items()
    }
    data["gaps"] = [{k: v for k, v in g.items() if not k.endswith("_msg")} for g in data["gaps"]]
    a.result = data
    rm = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == world.own.id)).one()
    plan = dict(rm.plan)
    plan["milestones"] = [{k: v for k, v in m.items() if not k.endswith("_msg")} for m in plan["milestones"]]
    rm.plan = plan
    db.session.commit()
    en = _page(app, world, "?lang=en")
    from markupsafe import escape

    assert str(escape(data["conditions"]["H5"]["explain"])) in en
    assert str(escape(rm.milestones[0].title)) in en


def _outlook_blocks(html: str) -> list[str]:
    box = re.search(r'<div class="outlook card-note">(.*?)</div>', html, re.S)
    assert box, "no outlook box"
    return [
        html_unescape(re.sub(r"<[^>]+>", "", p)).strip()
        for p in re.findall(r"<p>(.*?)</p>", box.group(1), re.S)
    ]


def test_why_and_lever_of_time_bound_and_planner_reasons_are_english_on_the_firm_page(app, world, db):
    """Issue 17: the planner's reasons (time-bound H1/H9/H10/cert_valid/one_per_year and its own
    H2/H4/H5/H6/H7) carry codes: with ?lang=en the firm page's outlook box has no CJK; in Chinese it
    shows the stored sentence. Each plan is the core's output for a profile that produces the reason
    (the firm page shows the "why" of the batch the plan falls back to when no batch is safe)."""
    from datetime import date

    from markupsafe import escape

    from pipeline.roadmap import plan as make_plan
    from tests.criteria.test_messages import _why_profiles

    rm = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == world.own.id)).one()
    seen = set()
    for prof in _why_profiles():
        prof, today = prof if isinstance(prof, tuple) else (prof, date(2026, 12, 1))
        d = make_plan(dict(prof), today).to_dict(codes=True)
        # the outlook of the first blocked batch (as when no later batch were safe either)
        d = {**d, "target": None, "likely_target": None, "earlier_batches": d["earlier_batches"][:1]}
        rm.plan = d
        db.session.commit()
        ref = d["earlier_batches"][-1]
        seen |= set(ref["blocked_by"])
        zh = _page(app, world)
        assert str(escape(ref["why"])) in zh
        for text in _outlook_blocks(_page(app, world, "?lang=en")):
            assert not CJK.search(text), text
    assert {"cert_valid", "one_per_year", "H1", "H9", "H10", "H2", "H5", "H6", "H4", "H7"} <= seen
