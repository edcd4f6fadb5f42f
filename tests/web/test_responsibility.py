"""Issue 18: 包联 responsibility (firm form, bulk action), the workload view, progress by town, chain
and person on the dashboard and in the briefing pack, and the 退库 suggestion on the firm page.

Journeys post the forms as a browser does (every pre-filled value back as is) and check that nothing
the user did not change has changed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pipeline.models import AuditLog, Firm, Milestone, Roadmap, StageChange, TargetSplit
from pipeline.services import departments, goals
from pipeline.services.audit import snapshot
from pipeline.services.firms import FIRM_FIELDS
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import TODAY, fresh
from tests.web.formdata import form_data

ALL = FIRM_FIELDS + ("town_id", "officer_id", "leader_id", "county_id", "stage", "chain_id")


@pytest.fixture
def towns(db, world):
    t1 = departments.add_town(world.county_a, "新海街道", "street", sort=1)
    t2 = departments.add_town(world.county_a, "浦南镇", "town", sort=2)
    tb = departments.add_town(world.county_b, "墟沟街道", "street")
    chains = departments.chains()
    world.own.town_id, world.same.town_id, world.other.town_id = t1.id, t2.id, tb.id
    world.own.chain_id = world.same.chain_id = chains[0].id  # 新医药
    town_officer = f.user("officer_t1", "officer", county=world.county_a, display_name="新海专员")
    town_officer.node_id = t1.id
    leader = f.user("leader_a", "officer", county=world.county_a, display_name="张县长")
    db.session.commit()
    return {"t1": t1, "t2": t2, "tb": tb, "officer": town_officer, "leader": leader, "chains": chains}


def _state(db, firm_id):
    db.session.expire_all()
    return snapshot(db.session.get(Firm, firm_id), ALL)


def test_firm_form_sets_town_officer_and_leader_nothing_else_changes(app, world, towns, db):
    firm = world.own
    before = _state(db, firm.id)
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", f"/firms/{firm.id}/edit").get_data(as_text=True)
    data = form_data(html, "/edit")
    assert data["town_id"] == str(towns["t1"].id) and data["officer_id"] == "" and data["leader_id"] == ""
    assert "墟沟街道" not in html  # another county's town is not offered
    data.update(
        town_id=str(towns["t2"].id), officer_id=str(world.officer.id), leader_id=str(towns["leader"].id)
    )
    resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    after = _state(db, firm.id)
    changed = {k for k in ALL if before[k] != after[k]}
    assert changed == {"town_id", "officer_id", "leader_id"}
    assert (after["town_id"], after["officer_id"], after["leader_id"]) == (
        towns["t2"].id,
        world.officer.id,
        towns["leader"].id,
    )
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.firm_id == firm.id, AuditLog.entity == "firm")
    ).all()
    assert audit[-1].after == {
        "town_id": towns["t2"].id,
        "officer_id": world.officer.id,
        "leader_id": towns["leader"].id,
    }
    # posted back as is: nothing changes at all
    data = form_data(fresh(app, c, "get", f"/firms/{firm.id}/edit").get_data(as_text=True), "/edit")
    assert fresh(app, c, "post", f"/firms/{firm.id}/edit", data=data).status_code == 302
    assert _state(db, firm.id) == after


def test_firm_form_refuses_town_and_people_out_of_reach(app, world, towns, db):
    firm = world.own
    before = _state(db, firm.id)
    c = app.test_client()
    login(c, world.officer)
    data = form_data(fresh(app, c, "get", f"/firms/{firm.id}/edit").get_data(as_text=True), "/edit")
    for key, value, text in (
        ("town_id", towns["tb"].id, "所选乡镇不属于海州区"),  # another county's town
        ("officer_id", world.officer_b.id, "请选择海州区的在岗专员"),  # another county's officer
        ("leader_id", world.admin.id, "请选择海州区的在岗专员"),
    ):
        resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data={**data, "name": "改名", key: str(value)})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and text in html, key
        assert _state(db, firm.id) == before  # nothing half-written (not even the name)
    # a town officer moves firms only within their own town: the sibling town is out of reach
    t = app.test_client()
    login(t, towns["officer"])
    data = form_data(fresh(app, t, "get", f"/firms/{firm.id}/edit").get_data(as_text=True), "/edit")
    assert "浦南镇" not in fresh(app, t, "get", f"/firms/{firm.id}/edit").get_data(as_text=True)
    resp = fresh(app, t, "post", f"/firms/{firm.id}/edit", data={**data, "town_id": str(towns["t2"].id)})
    assert "浦南镇不在您的管辖范围内" in resp.get_data(as_text=True)
    assert _state(db, firm.id) == before


def test_bulk_leader_action(app, world, towns, db):
    c = app.test_client()
    login(c, world.officer)
    ids = [world.own.id, world.same.id]
    before = {i: _state(db, i) for i in ids}
    resp = fresh(
        app,
        c,
        "post",
        "/pool/bulk",
        data={"action": "leader", "officer_id": towns["leader"].id, "firm_ids": ids, "reason": ""},
    )
    assert resp.status_code == 302
    for i in ids:
        after = _state(db, i)
        assert after["leader_id"] == towns["leader"].id
        assert {k for k in ALL if before[i][k] != after[k]} == {"leader_id"}
    # an officer of another county cannot be the leader of these firms: nothing changes
    resp = fresh(
        app,
        c,
        "post",
        "/pool/bulk",
        data={"action": "leader", "officer_id": world.officer_b.id, "firm_ids": ids},
    )
    assert all(_state(db, i)["leader_id"] == towns["leader"].id for i in ids)


def _overdue(db, firm, days=5):
    rm = Roadmap(firm_id=firm.id, generated_for=TODAY, rules_version="t", calendar_version="t", plan={})
    existing = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm.id)).first()
    rm = existing or rm
    db.session.add(rm)
    db.session.flush()
    db.session.add(
        Milestone(
            roadmap_id=rm.id,
            firm_id=firm.id,
            code="x.manual",
            title="补充材料",
            due=TODAY - timedelta(days=days),
        )
    )


def test_workload_figures_and_page(app, world, towns, db):
    world.own.officer_id = world.same.officer_id = world.officer.id
    world.own.leader_id = towns["leader"].id
    _overdue(db, world.own)
    _overdue(db, world.own, 9)
    db.session.commit()
    scope = goals.goal_scope(world.officer)
    people = goals.responsibility(scope, TODAY)
    rows = {r["name"]: r for r in people["officers"]}
    assert rows["海州专员"]["firms"] == 2 and rows["海州专员"]["overdue"] == 2
    assert rows["新海专员"]["firms"] == 0  # the county's other officers are listed with nothing
    assert "连云专员" not in rows  # another county's officer is not
    assert [r["name"] for r in people["leaders"]] == ["张县长"]
    assert people["leaders"][0]["firms"] == 1 and people["leaders"][0]["overdue"] == 2
    assert people["no_leader"]["firms"] == 1
    c = app.test_client()
    login(c, world.officer)
    resp = fresh(app, c, "get", "/dashboard/workload")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "张县长" in html and "海州专员" in html and "连云专员" not in html
    assert f"/pool/?officer={world.officer.id}" in html and f"/pool/?leader={towns['leader'].id}" in html
    # the link lists exactly that person's firms
    pool = fresh(app, c, "get", f"/pool/?leader={towns['leader'].id}").get_data(as_text=True)
    assert world.own.name in pool and world.same.name not in pool
    # a town officer sees their town's people only; a firm user nothing
    t = app.test_client()
    login(t, towns["officer"])
    html = fresh(app, t, "get", "/dashboard/workload").get_data(as_text=True)
    assert "新海专员" in html and "连云专员" not in html
    town_rows = {
        r["name"]: r for r in goals.responsibility(goals.goal_scope(towns["officer"]), TODAY)["officers"]
    }
    assert town_rows["海州专员"]["firms"] == 1  # named on the town's one firm: counted over the town only
    assert fresh(app, t, "get", f"/dashboard/workload?county={world.county_a.id}").status_code == 404
    u = app.test_client()
    login(u, world.firm_user)
    assert fresh(app, u, "get", "/dashboard/workload").status_code == 404


def test_dashboard_and_briefing_progress_by_town_chain_person(app, world, towns, db):
    from pipeline.reports.context import briefing_context

    year = TODAY.year
    t1 = towns["t1"]
    db.session.add(
        TargetSplit(
            year=year,
            key=TargetSplit.make_key(town_id=t1.id),
            town_id=t1.id,
            county_id=world.county_a.id,
            hnte_target=4,
            tsme_target=6,
        )  # fmt: skip
    )
    world.own.hnte_cert_no, world.own.hnte_cert_expiry, world.own.stage = (
        "GR1",
        TODAY + timedelta(days=800),
        "certified",
    )
    world.own.officer_id = world.officer.id
    db.session.commit()
    fig = goals.read_model(goals.county_scope(world.county_a.id), TODAY).figures
    town_rows = {r["name"]: r for r in fig["by_town"]}
    assert town_rows["新海街道"]["active"] == 1 and town_rows["新海街道"]["hnte_target"] == 4
    assert town_rows["新海街道"]["to_go"] == 3 and town_rows["浦南镇"]["hnte_target"] is None
    assert town_rows["浦南镇"]["firms"] == 1 and "墟沟街道" not in town_rows
    chain_rows = {r["name"]: r for r in fig["by_chain"]}
    assert chain_rows["新医药"]["firms"] == 2 and chain_rows["新医药"]["active"] == 1
    officer_row = next(r for r in fig["by_person"]["officers"] if r["user_id"] == world.officer.id)
    assert officer_row["firms"] == 1 and officer_row["active"] == 1
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", "/dashboard/").get_data(as_text=True)
    for part in ('id="by-town"', 'id="by-chain"', 'id="by-person"', 'id="stage-times"', "新海街道", "新医药"):
        assert part in html, part
    # the city's dashboard has no town table (the league is by county) but has the chains
    a = app.test_client()
    login(a, world.admin)
    html = fresh(app, a, "get", "/dashboard/").get_data(as_text=True)
    assert 'id="by-town"' not in html and 'id="by-chain"' in html
    # the county briefing pack renders the same rows (no second computation)
    ctx = briefing_context(world.county_a, TODAY)
    assert ctx["by_town"] == fig["by_town"] and ctx["workload"] == fig["by_person"]["officers"]


def test_exit_suggestion_on_the_firm_page_confirmed_with_a_reason(app, world, towns, db):
    firm = world.same
    from datetime import datetime

    base = datetime(TODAY.year - 2, 3, 1)
    for i, (frm, to) in enumerate(
        (("pool", "applied"), ("applied", "failed"), ("failed", "applied"), ("applied", "failed"))
    ):
        db.session.add(StageChange(firm_id=firm.id, from_stage=frm, to_stage=to, user_id=world.officer.id,
                                   at=base + timedelta(days=120 * i)))  # fmt: skip
    firm.stage = "failed"
    firm.stage_changed_at = base + timedelta(days=360)
    db.session.commit()
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    assert 'id="exit-suggestion"' in html and "建议退库" in html
    pool = fresh(app, c, "get", "/pool/?exit=1").get_data(as_text=True)
    assert firm.name in pool and world.own.name not in pool
    inbox = fresh(app, c, "get", "/inbox/?kind=exit_suggested").get_data(as_text=True)
    assert firm.name in inbox
    data = form_data(html, "/stage")
    assert data["stage"] == "exited" and data["suggestion"] == "exit"
    # the reason is required: without it nothing moves
    assert (
        fresh(app, c, "post", f"/pool/firms/{firm.id}/stage", data={**data, "reason": ""}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).stage == "failed"
    resp = fresh(app, c, "post", f"/pool/firms/{firm.id}/stage", data={**data, "reason": "企业主动放弃"})
    assert resp.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Firm, firm.id)
    last = db.session.scalars(
        select(StageChange).where(StageChange.firm_id == firm.id).order_by(StageChange.id.desc())
    ).first()
    assert moved.stage == "exited" and last.to_stage == "exited" and "企业主动放弃" in last.reason
    assert "连续两次认定未通过" in last.reason
    html = fresh(app, c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    assert 'id="exit-suggestion"' not in html and f"{TODAY.year + 1}年起可重新入库" in html
