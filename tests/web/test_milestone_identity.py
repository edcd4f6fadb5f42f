"""Issue 11: regeneration keeps milestone identity (code + subject); superseded milestones keep their
notes and reports, refuse stale forms, and the change list says what moved and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pipeline import clock
from pipeline.models import Milestone, Reminder, Roadmap
from pipeline.services.roadmaps import identities, milestone_subject, regenerate
from tests import factories as f
from tests.conftest import client_for
from tests.web.conftest import fresh
from tests.web.formdata import form_data

TODAY = date(2026, 11, 27)


@pytest.fixture
def pinned():
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


def _firm(world):
    """A firm whose 科小 evaluation in the 2027 window rests on its 2026 R&D (the plan's subject)."""
    firm = f.firm(world.county_a, "丁精密机械有限公司", registered_on=date(2018, 4, 1))
    firm.grade_advancement, firm.grade_core_support = "A", "A"
    for y, sales in ((2023, 2500), (2024, 3000), (2025, 3600), (2026, 4300)):
        f.year(
            firm,
            y,
            sales=sales,
            rd=sales * 0.06,
            staff=60,
            tech=9,
            ht=sales * 0.7,
            net_assets=900 * (y - 2020),
        )
    f.ip(firm, "invention_patent", core=True)
    for _ in range(5):
        f.ip(firm, "utility_model", core=True)
    f.evidence(firm, "rules", "accounting", "ledger", "rd_unit", "cooperation")
    user = f.user("firm_d", "firm", county=world.county_a, firm=firm, display_name="丁公司联系人")
    regenerate([firm.id], TODAY)
    from pipeline.extensions import db

    db.session.commit()  # services flush; the caller commits (issue 13)
    return firm, user


def _milestones(db, firm_id):
    db.session.expire_all()
    return {m.id: m for m in db.session.scalars(select(Milestone).where(Milestone.firm_id == firm_id))}


def _edit_rd(app, officer_c, firm_id, year, rd):
    """The officer's 编辑年度 form as the page pre-fills it, with R&D changed (this regenerates the plan)."""
    url = f"/firms/{firm_id}/years/{year}/edit"
    data = form_data(fresh(app, officer_c, "get", url).get_data(as_text=True))
    data.update(rd_total=str(rd), rd_domestic=str(rd))
    resp = fresh(app, officer_c, "post", url, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]


def test_subject_is_the_fiscal_year_or_the_rank():
    assert milestone_subject("2026年度研发费用不低于124.53万元（预计销售收入…）") == "2026"
    assert milestone_subject("申请实用新型2项（与主营产品核心技术相关）") == ""
    ids = identities(
        [
            ("ip.file.utility_model", "申请实用新型2项"),
            ("rd.spend", "2026年度研发费用"),
            ("ip.file.utility_model", "申请实用新型1项"),
            ("rd.spend", "2027年度研发费用"),
        ]
    )
    assert ids == [
        ("ip.file.utility_model", "", 0),
        ("rd.spend", "2026", 0),
        ("ip.file.utility_model", "", 1),
        ("rd.spend", "2027", 0),
    ]


def test_regenerating_after_a_figure_change_keeps_every_note_on_its_milestone(app, world, db, pinned):
    firm, firm_user = _firm(world)
    officer_c, firm_c = client_for(app, world.officer), client_for(app, firm_user)
    before = _milestones(db, firm.id)
    # Every milestone gets an officer's note; the 科小 one also a firm's progress report (pending).
    page = fresh(app, officer_c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    for mid in before:
        data = form_data(page, f"/milestones/{mid}/status")
        data["evidence_note"] = f"专员备注{mid}"
        assert (
            fresh(app, officer_c, "post", f"/firms/{firm.id}/milestones/{mid}/status", data=data).status_code
            == 302
        )
    tsme = next(m for m in before.values() if m.code == "tsme.register")
    portal = fresh(app, firm_c, "get", "/portal/").get_data(as_text=True)
    data = form_data(portal, f"/milestones/{tsme.id}/progress")
    data["progress_note"] = "已完成2026年度数据自评"
    assert (
        fresh(app, firm_c, "post", f"/firms/{firm.id}/milestones/{tsme.id}/progress", data=data).status_code
        == 302
    )
    written = {
        mid: (m.code, milestone_subject(m.title), m.evidence_note, m.progress_note)
        for mid, m in _milestones(db, firm.id).items()
    }
    assert all(note == f"专员备注{mid}" for mid, (_c, _s, note, _p) in written.items())

    _edit_rd(app, officer_c, firm.id, 2026, 20)  # 2026 R&D falls: the 科小 evaluation moves a year

    after = _milestones(db, firm.id)
    for mid, (code, subject, note, report) in written.items():
        m = after[mid]  # nothing with a note was deleted
        assert (m.evidence_note, m.progress_note) == (note, report)  # the notes stayed where written
        if m.status == "superseded":
            assert m.superseded_by_id in after and m.superseded_by_id not in written
        else:  # the same milestone: same code and subject
            assert (m.code, milestone_subject(m.title)) == (code, subject)
    new = [m for mid, m in after.items() if mid not in written]
    assert new and all(m.evidence_note is None and m.progress_note is None for m in new)
    old = after[tsme.id]
    assert old.status == "superseded" and old.progress_pending  # the report is still the firm's, unconfirmed
    successor = after[old.superseded_by_id]
    assert successor.code == "tsme.register" and milestone_subject(successor.title) == "2027"
    assert successor.status == "todo" and not successor.progress_pending

    # The pending report on the superseded milestone is flagged to the officer (in-app) ...
    flag = db.session.scalars(
        select(Reminder).where(Reminder.rule == "milestone_superseded", Reminder.subject_id == tsme.id)
    ).one()
    assert flag.user_id == world.officer.id and "已完成2026年度数据自评" in flag.body
    # ... and leaves the inbox's to-confirm list, where it could no longer be confirmed.
    inbox = fresh(app, officer_c, "get", "/inbox/?kind=progress").get_data(as_text=True)
    assert f"/milestones/{tsme.id}" not in inbox

    roadmap = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm.id)).one()
    assert roadmap.changed_inputs == ["year:2026"]
    assert any(c["kind"] == "superseded" and c["title"] == old.title for c in roadmap.changes)
    page = fresh(app, officer_c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    assert "已取代" in page and "2026年度数据" in page  # what changed, and why
    assert f'id="ms-{tsme.id}"' in page[page.index('id="superseded"') :]  # listed apart, with its notes
    history = page[page.index('id="history"') :]
    assert "被取代的里程碑" in history and old.title in history and "2026年度数据" in history


def test_a_stale_form_posting_to_a_superseded_milestone_is_refused(app, world, db, pinned):
    firm, firm_user = _firm(world)
    officer_c, firm_c = client_for(app, world.officer), client_for(app, firm_user)
    tsme = next(m for m in _milestones(db, firm.id).values() if m.code == "tsme.register")
    # Both forms are opened before the plan changes ...
    officer_form = form_data(
        fresh(app, officer_c, "get", f"/firms/{firm.id}").get_data(as_text=True),
        f"/milestones/{tsme.id}/status",
    )
    firm_form = form_data(
        fresh(app, firm_c, "get", "/portal/").get_data(as_text=True), f"/milestones/{tsme.id}/progress"
    )
    _edit_rd(app, officer_c, firm.id, 2026, 20)
    assert _milestones(db, firm.id)[tsme.id].status == "superseded"

    # ... and posted after: the officer marks it done, the firm reports progress. Both refused.
    officer_form.update(status="done", evidence_note="已入库")
    resp = fresh(
        app,
        officer_c,
        "post",
        f"/firms/{firm.id}/milestones/{tsme.id}/status",
        data=officer_form,
        follow_redirects=True,
    )
    text = resp.get_data(as_text=True)
    assert "取代，未保存任何内容" in text and "请刷新页面后更新新的里程碑" in text
    firm_form["progress_note"] = "已提交"
    resp = fresh(
        app,
        firm_c,
        "post",
        f"/firms/{firm.id}/milestones/{tsme.id}/progress",
        data=firm_form,
        follow_redirects=True,
    )
    assert "未保存任何内容" in resp.get_data(as_text=True)
    m = _milestones(db, firm.id)[tsme.id]
    assert (m.status, m.evidence_note, m.progress_note, m.done_on) == ("superseded", None, None, None)


def test_the_api_refuses_a_superseded_milestone_with_409(app, world, db, pinned):
    from pipeline.services.tokens import issue_token

    firm, _ = _firm(world)
    tsme = next(m for m in _milestones(db, firm.id).values() if m.code == "tsme.register")
    officer_c = client_for(app, world.officer)
    _edit_rd(app, officer_c, firm.id, 2026, 20)
    token = issue_token(world.officer, "test")
    db.session.commit()
    resp = fresh(
        app,
        app.test_client(),
        "patch",
        f"/api/v1/firms/{firm.id}/milestones/{tsme.id}",
        json={"status": "done"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 409 and "取代" in resp.get_json()["error"]["message"]
    assert _milestones(db, firm.id)[tsme.id].status == "superseded"


def test_moved_dates_are_listed_with_the_reason(app, world, db, pinned):
    firm, _ = _firm(world)
    before = {m.id: m.due for m in _milestones(db, firm.id).values()}
    later = TODAY + timedelta(days=45)
    clock.set_today(later)
    officer_c = client_for(app, world.officer)
    page = fresh(app, officer_c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    data = form_data(page, "/roadmap/regenerate")
    assert fresh(app, officer_c, "post", f"/firms/{firm.id}/roadmap/regenerate", data=data).status_code == 302
    after = _milestones(db, firm.id)
    moved = {mid for mid, due in before.items() if mid in after and after[mid].due != due}
    assert moved  # the milestones due before the new date move to it
    roadmap = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm.id)).one()
    listed = {(c["from"], c["to"]) for c in roadmap.changes if c["kind"] == "moved"}
    assert {(before[mid].isoformat(), after[mid].due.isoformat()) for mid in moved} <= listed
    assert "date" in roadmap.changed_inputs
    page = fresh(app, officer_c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    block = page[
        page.index('id="roadmap-changes"') : page.index('id="superseded"')
        if 'id="superseded"' in page
        else None
    ]
    mid = next(iter(moved))
    assert f"{before[mid].isoformat()} → {after[mid].due.isoformat()}" in block and "日期" in block
