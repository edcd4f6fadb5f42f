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
