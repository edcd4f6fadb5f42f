"""Issue 11: stale forms are refused. Two users open the same form; the first saves; the second's save
is refused, naming the field and the user, nothing is overwritten and the second's entries stay in the
re-shown form. Forms are posted as a browser sends them (what the page pre-filled, plus the edits)."""

from __future__ import annotations

import html as html_lib

from sqlalchemy import func, select

from pipeline.models import AuditLog, Firm, FiscalYear, Milestone, Roadmap, Target
from tests import factories as f
from tests.conftest import client_for
from tests.web.conftest import TODAY, fresh, last_year, page_html
from tests.web.formdata import form_data

SELF = "/__no_action__"  # only a form without an action (the page's own edit form) matches


def _text(resp) -> str:
    return html_lib.unescape(resp.get_data(as_text=True))


def _audit_count(db) -> int:
    return db.session.scalar(select(func.count(AuditLog.id)))


def _second_officer(world):
    return f.user("officer_a2", "officer", county=world.county_a, display_name="海州专员乙")


def test_two_officers_edit_the_same_firm_the_second_save_is_refused(app, world, db):
    second = _second_officer(world)
    db.session.commit()
    url = f"/firms/{world.own.id}/edit"
    c1, c2 = client_for(app, world.officer), client_for(app, second)
    form1 = form_data(page_html(app, c1, url), SELF)
    form2 = form_data(page_html(app, c2, url), SELF)
    assert form1["version"] == form2["version"] == "1"

    resp = fresh(app, c1, "post", url, data={**form1, "contact_phone": "0518-85550001"})
    assert resp.status_code == 302

    resp = fresh(app, c2, "post", url, data={**form2, "contact_phone": "0518-85559999"})
    assert resp.status_code == 409
    text = _text(resp)
    assert "未保存" in text and "海州专员 于" in text and "联系电话：（空） → 0518-85550001" in text
    assert 'value="0518-85559999"' in resp.get_data(as_text=True)  # the second's entry is kept
    db.session.expire_all()
    firm = db.session.get(Firm, world.own.id)
    assert firm.contact_phone == "0518-85550001"  # the first's value stays
    assert firm.version == 2

    # The re-shown form carries the current version: saving it again is a deliberate overwrite.
    again = form_data(resp.get_data(as_text=True), SELF)
    assert again["version"] == "2" and again["contact_phone"] == "0518-85559999"
    assert fresh(app, c2, "post", url, data=again).status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).contact_phone == "0518-85559999"


def test_firm_form_posted_back_unchanged_changes_nothing(app, world, db):
    url = f"/firms/{world.own.id}/edit"
    c = client_for(app, world.officer)
    form = form_data(page_html(app, c, url), SELF)
    before = {k: getattr(db.session.get(Firm, world.own.id), k) for k in form if k != "csrf_token"}
    audits = _audit_count(db)
    assert fresh(app, c, "post", url, data=form).status_code == 302
    db.session.expire_all()
    firm = db.session.get(Firm, world.own.id)
    assert {k: getattr(firm, k) for k in before} == before
    assert firm.version == 1 and _audit_count(db) == audits


def test_two_officers_edit_the_same_year_the_second_save_is_refused(app, world, db):
    second = _second_officer(world)
    db.session.commit()
    year = last_year()
    url = f"/firms/{world.own.id}/years/{year}/edit"
    c1, c2 = client_for(app, world.officer), client_for(app, second)
    form1, form2 = form_data(page_html(app, c1, url), SELF), form_data(page_html(app, c2, url), SELF)

    assert fresh(app, c1, "post", url, data={**form1, "sales": "4321.00"}).status_code == 302
    resp = fresh(app, c2, "post", url, data={**form2, "sales": "5000.00", "rd_total": "250.00"})
    assert resp.status_code == 409
    text = _text(resp)
    assert "销售收入" in text and "海州专员" in text and "4321" in text
    assert 'value="5000.00"' in resp.get_data(as_text=True)
    db.session.expire_all()
    fy = db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == world.own.id, FiscalYear.year == year)
    ).one()
    assert str(fy.sales) == "4321.00"
    assert fy.rd_total == __import__("decimal").Decimal(form1["rd_total"])  # nothing of the second's


def test_year_form_posted_back_unchanged_changes_nothing(app, world, db):
    year = last_year()
    url = f"/firms/{world.own.id}/years/{year}/edit"
    c = client_for(app, world.officer)
    form = form_data(page_html(app, c, url), SELF)
    audits = _audit_count(db)
    assert fresh(app, c, "post", url, data=form).status_code == 302
    db.session.expire_all()
    fy = db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == world.own.id, FiscalYear.year == year)
    ).one()
    new = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert fy.version == 1 and _audit_count(db) == audits, (new.action, new.entity, new.before, new.after)


def _milestone(db, firm_id) -> Milestone:
    rm = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm_id)).one()
    return db.session.scalars(
        select(Milestone)
        .where(Milestone.roadmap_id == rm.id, Milestone.status == "todo")
        .order_by(Milestone.id)
    ).first()


def test_two_officers_update_the_same_milestone_the_second_is_refused(app, world, db):
    second = _second_officer(world)
    db.session.commit()
    ms = _milestone(db, world.own.id)
    assert ms is not None
    page = f"/firms/{world.own.id}"
    action = f"/milestones/{ms.id}/status"
    c1, c2 = client_for(app, world.officer), client_for(app, second)
    form1 = form_data(page_html(app, c1, page), action)
    form2 = form_data(page_html(app, c2, page), action)
    assert form1["version"] == str(ms.version) and form1["status"] == "todo"

    url = f"/firms/{world.own.id}{action}"
    assert fresh(app, c1, "post", url, data={**form1, "status": "doing"}).status_code == 302
    resp = fresh(app, c2, "post", url, data={**form2, "status": "done", "evidence_note": "已提交申请"})
    assert resp.status_code == 302
    db.session.expire_all()
    ms = db.session.get(Milestone, ms.id)
    assert ms.status == "doing" and ms.evidence_note is None  # the first's status stays
    shown = _text(fresh(app, c2, "get", page))
    assert "未保存" in shown and "状态" in shown and "海州专员" in shown and "进行中" in shown
    again = form_data(shown, action)  # the second's entries, shown again on that milestone's form
    assert again["status"] == "done" and again["evidence_note"] == "已提交申请"
    assert again["version"] == str(ms.version)


def test_milestone_form_posted_back_unchanged_changes_nothing(app, world, db):
    ms = _milestone(db, world.own.id)
    ms.progress_note, ms.progress_pending = "已提交专利申请", True
    db.session.commit()
    version = db.session.get(Milestone, ms.id).version
    action = f"/milestones/{ms.id}/status"
    c = client_for(app, world.officer)
    form = form_data(page_html(app, c, f"/firms/{world.own.id}"), action)
    audits = _audit_count(db)
    assert fresh(app, c, "post", f"/firms/{world.own.id}{action}", data=form).status_code == 302
    db.session.expire_all()
    ms = db.session.get(Milestone, ms.id)
    assert (ms.status, ms.evidence_note, ms.progress_pending, ms.version) == ("todo", None, True, version)
    assert _audit_count(db) == audits


def test_two_admins_set_the_same_target_the_second_is_refused(app, world, db):
    other_admin = f.user("admin2", "admin", display_name="市局管理员乙")
    db.session.add(
        Target(county_id=world.county_a.id, year=2030, hnte_target=40, tsme_target=90, plan_name="三年行动")
    )
    db.session.commit()
    url = f"/dashboard/targets?year=2030&county={world.county_a.id}"
    c1, c2 = client_for(app, world.admin), client_for(app, other_admin)
    form1 = form_data(page_html(app, c1, url), "/dashboard/targets")
    form2 = form_data(page_html(app, c2, url), "/dashboard/targets")
    assert form1["hnte"] == "40" and form1["version"] == "1"

    assert fresh(app, c1, "post", "/dashboard/targets", data={**form1, "hnte": "55"}).status_code == 302
    resp = fresh(app, c2, "post", "/dashboard/targets", data={**form2, "hnte": "60", "tsme": "100"})
    assert resp.status_code == 409
    text = _text(resp)
    assert "市局管理员 于" in text and "高企目标：40 → 55" in text
    assert 'value="60"' in resp.get_data(as_text=True)
    db.session.expire_all()
    t = db.session.scalars(
        select(Target).where(Target.county_id == world.county_a.id, Target.year == 2030)
    ).one()
    assert (t.hnte_target, t.tsme_target, t.plan_name) == (55, 90, "三年行动")


def test_target_form_posted_back_unchanged_changes_nothing(app, world, db):
    db.session.add(
        Target(county_id=None, year=2030, hnte_target=1000, tsme_target=3000, plan_name="千企计划")
    )
    db.session.commit()
    c = client_for(app, world.admin)
    form = form_data(page_html(app, c, "/dashboard/targets?year=2030"), "/dashboard/targets")
    audits = _audit_count(db)
    assert fresh(app, c, "post", "/dashboard/targets", data=form).status_code == 302
    db.session.expire_all()
    t = db.session.scalars(select(Target).where(Target.county_id.is_(None), Target.year == 2030)).one()
    assert (t.hnte_target, t.tsme_target, t.plan_name, t.version) == (1000, 3000, "千企计划", 1)
    assert _audit_count(db) == audits


def test_target_created_by_someone_else_meanwhile_is_refused(app, world, db):
    """A form opened when the scope had no target (version 0) is refused once someone created it."""
    c = client_for(app, world.admin)
    form = form_data(page_html(app, c, "/dashboard/targets?year=2031"), "/dashboard/targets")
    assert form["version"] == "0"
    from pipeline.services.goals import set_target

    set_target(f.user("admin3", "admin", display_name="另一位管理员"), None, 2031, 900, 2000, "计划甲")
    db.session.commit()  # services flush; the caller commits (issue 13)
    resp = fresh(app, c, "post", "/dashboard/targets", data={**form, "hnte": "1000", "tsme": "3000"})
    assert resp.status_code == 409 and "另一位管理员" in _text(resp)
    db.session.expire_all()
    t = db.session.scalars(select(Target).where(Target.county_id.is_(None), Target.year == 2031)).one()
    assert (t.hnte_target, t.tsme_target) == (900, 2000)


def test_api_milestone_patch_with_an_old_version_is_409_and_writes_nothing(app, world, db):
    from pipeline.services.tokens import issue_token
    from tests.api.helpers import bearer

    ms = _milestone(db, world.own.id)
    token = issue_token(world.officer, "测试")
    db.session.commit()
    c = app.test_client()
    url = f"/api/v1/firms/{world.own.id}/milestones/{ms.id}"
    read = fresh(app, c, "get", f"/api/v1/firms/{world.own.id}/roadmap", headers=bearer(token)).get_json()
    version = next(m["version"] for m in read["milestones"] if m["id"] == ms.id)
    ok = fresh(app, c, "patch", url, json={"status": "doing", "version": version}, headers=bearer(token))
    assert ok.status_code == 200 and ok.get_json()["version"] == version + 1
    stale = fresh(app, c, "patch", url, json={"status": "done", "version": version}, headers=bearer(token))
    assert stale.status_code == 409
    assert "状态" in stale.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Milestone, ms.id).status == "doing"


def test_two_saves_racing_on_the_same_version_cannot_both_win(app, world, db):
    """The version check and the write are one: the UPDATE carries ``WHERE version = <read>``, so a
    save whose row was changed between its read and its write fails (409 page) and writes nothing."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    firm = db.session.get(Firm, world.own.id)
    assert firm.version == 1
    db.session.execute(update(Firm.__table__).where(Firm.__table__.c.id == firm.id).values(version=2))
    firm.contact_phone = "0518-80000000"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Firm, world.own.id).contact_phone != "0518-80000000"


def test_every_audited_write_stamps_the_version_it_left_the_row_at(app, world, db):
    from pipeline.services import firms as firm_service

    firm = db.session.get(Firm, world.own.id)
    firm_service.update_firm(world.officer, firm, {"contact_phone": "0518-1"}, TODAY)
    firm_service.move_stage(world.officer, firm, "coaching", "辅导")
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "firm", AuditLog.entity_id == firm.id).order_by(AuditLog.id)
    ).all()
    assert [(a.action, a.entity_version) for a in rows][-2:] == [("update", 2), ("stage", 3)]
    assert db.session.get(Firm, firm.id).version == 3
