"""The pool, the firm page's forms, the roadmap timeline and the firm portal, as users rely on them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from pipeline.models import Assessment, AuditLog, FigureSubmission, Firm, FiscalYear, Milestone, StageChange
from tests.conftest import client_for
from tests.web.conftest import TODAY, fresh, last_year


def test_pool_lists_only_the_officers_county_and_filters(app, world, db):
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", "/pool/").get_data(as_text=True)
    assert world.own.name in html and world.same.name in html and world.other.name not in html
    html = fresh(app, c, "get", "/pool/?q=乙智能").get_data(as_text=True)
    assert world.same.name in html and world.own.name not in html
    html = fresh(app, c, "get", f"/pool/?q={world.own.credit_code[:12]}").get_data(as_text=True)
    assert world.own.name in html
    # An officer cannot widen the list to another county through the URL.
    html = fresh(app, c, "get", f"/pool/?county={world.county_b.id}").get_data(as_text=True)
    assert world.other.name not in html
    verdict = db.session.scalar(select(Assessment.verdict).where(Assessment.firm_id == world.own.id))
    html = fresh(app, c, "get", f"/pool/?verdict={verdict}").get_data(as_text=True)
    assert world.own.name in html
    db.session.get(Firm, world.same.id).hnte_cert_expiry = date.fromordinal(TODAY.toordinal() + 30)
    db.session.commit()
    html = fresh(app, c, "get", "/pool/?expiring=1").get_data(as_text=True)
    assert world.same.name in html and world.own.name not in html


def test_admin_sees_every_county_and_sorts(app, world):
    c = client_for(app, world.admin)
    html = fresh(app, c, "get", "/pool/?sort=name&dir=desc").get_data(as_text=True)
    names = [world.other.name, world.same.name, world.own.name]
    assert all(n in html for n in names)
    expected = sorted(names, reverse=True)  # the database's order of the names, descending
    assert html.index(expected[0]) < html.index(expected[1]) < html.index(expected[2])


def test_firm_user_cannot_use_pool_pages(app, world):
    c = client_for(app, world.firm_user)
    assert fresh(app, c, "get", "/pool/").status_code == 404
    assert fresh(app, c, "get", "/pool/kanban").status_code == 404
    assert fresh(app, c, "get", "/pool/export.xlsx").status_code == 404


def test_firm_page_shows_assessment_conditions_bars_and_gaps(app, world, db):
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    for text in (
        "H1",
        "H5",
        "研发费用占比",
        "创新能力评价",
        "差距与改进",
        "科技型中小企业评价",
        "bar-min w-",
    ):
        assert text in html, text
    from markupsafe import escape

    result = db.session.scalar(select(Assessment.result).where(Assessment.firm_id == world.own.id))
    assert str(escape(result["conditions"]["H5"]["explain"])) in html
    assert str(escape(result["gaps"][0]["what"])) in html
    assert ">None<" not in html
    assert "style=" not in html


def test_year_form_errors_are_next_to_the_field_and_nothing_saved(app, world, db):
    c = client_for(app, world.officer)
    resp = fresh(
        app,
        c,
        "post",
        f"/firms/{world.own.id}/years/new",
        data={
            "year": last_year(),
            "sales": "100",
            "hightech_income": "500",
            "staff": "10",
            "tech_staff": "20",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "高新技术产品（服务）收入不能超过总收入" in html and "科技人员数不能超过职工总数" in html
    assert html.index("field-error") > html.index("高新技术产品（服务）收入（万元）")
    fy = db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == world.own.id, FiscalYear.year == last_year())
    ).one()
    assert fy.sales != 100


def test_saving_a_year_audits_and_refreshes_the_assessment(app, world, db):
    c = client_for(app, world.officer)
    y = last_year()
    before = db.session.scalar(select(Assessment.result).where(Assessment.firm_id == world.own.id))
    resp = fresh(
        app,
        c,
        "post",
        f"/firms/{world.own.id}/years/{y}/edit",
        data={
            "year": y,
            "sales": "3600",
            "total_income": "3600",
            "hightech_income": "3000",
            "rd_total": "400",
            "rd_domestic": "400",
            "net_assets": "1200",
            "total_assets": "2800",
            "total_cost": "2600",
            "staff": "60",
            "tech_staff": "12",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    log = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "fiscal_year", AuditLog.firm_id == world.own.id)
    ).one()
    assert (
        log.user_id == world.officer.id
        and Decimal(log.before["rd_total"]) != Decimal(log.after["rd_total"]) == 400
    )
    after = db.session.scalar(select(Assessment.result).where(Assessment.firm_id == world.own.id))
    assert after["conditions"]["H4"] != before["conditions"]["H4"]  # 12/60 tech staff now passes
    assert after["conditions"]["H4"]["status"] == "pass"
    html = fresh(app, c, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    assert "操作记录" in html and "研发费用（万元）：</span>" in html and "rd_total" not in html  # issue 17


def test_profile_form_validates_credit_code_and_domain(app, world):
    c = client_for(app, world.officer)
    good = world.own.credit_code
    bad_code = good[:17] + ("0" if good[17] != "0" else "1")
    resp = fresh(
        app,
        c,
        "post",
        f"/firms/{world.own.id}/edit",
        data={"name": "甲", "credit_code": bad_code, "tech_domain": "10999"},
    )
    html = resp.get_data(as_text=True)
    assert "校验位错误" in html
    assert "不是高新技术领域目录中的代码" in html


def test_ip_conversion_incident_and_evidence(app, world, db):
    c = client_for(app, world.officer)
    fid = world.own.id
    r = fresh(
        app,
        c,
        "post",
        f"/firms/{fid}/ip/new",
        data={
            "kind": "invention_patent",
            "title": "一种控制方法",
            "status": "granted",
            "acquired": "own",
            "core": "y",
        },
    )
    assert "授权日" in r.get_data(as_text=True)  # granted needs a date
    r = fresh(
        app,
        c,
        "post",
        f"/firms/{fid}/ip/new",
        data={
            "kind": "invention_patent",
            "title": "一种控制方法",
            "status": "granted",
            "granted_on": str(TODAY),
            "acquired": "own",
            "core": "y",
        },
    )
    assert r.status_code == 302
    assert (
        fresh(
            app,
            c,
            "post",
            f"/firms/{fid}/conversions/new",
            data={"year": TODAY.year, "title": "成果A", "method": "own"},
        ).status_code
        == 302
    )
    assert (
        fresh(
            app,
            c,
            "post",
            f"/firms/{fid}/incidents/new",
            data={"occurred_on": str(TODAY), "kind": "safety", "description": "测试"},
        ).status_code
        == 302
    )
    assert (
        fresh(
            app, c, "post", f"/firms/{fid}/evidence", data={"piece_rules": "y", "piece_ledger": "y"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    firm = db.session.get(Firm, fid)
    assert len(firm.ip_assets) == 2 and len(firm.conversions) == 1 and len(firm.incidents) == 1
    assert {e.piece for e in firm.evidence if e.present} == {"rules", "ledger"}
    result = db.session.scalar(select(Assessment.result).where(Assessment.firm_id == fid))
    assert result["conditions"]["H9"]["status"] == "fail"  # the incident counts at once
    entities = set(db.session.scalars(select(AuditLog.entity).where(AuditLog.firm_id == fid)))
    assert {"ip_asset", "conversion", "incident", "rd_evidence"} <= entities


def test_stage_move_records_who_when_why(app, world, db):
    c = client_for(app, world.officer)
    r = fresh(app, c, "post", f"/pool/firms/{world.own.id}/stage", data={"stage": "coaching", "reason": ""})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).stage == "pool"  # a move needs a reason
    fresh(
        app,
        c,
        "post",
        f"/pool/firms/{world.own.id}/stage",
        data={"stage": "coaching", "reason": "已签订辅导协议", "from": "kanban"},
    )
    db.session.expire_all()
    change = db.session.scalars(select(StageChange).where(StageChange.firm_id == world.own.id)).one()
    assert (change.from_stage, change.to_stage, change.user_id, change.reason) == (
        "pool",
        "coaching",
        world.officer.id,
        "已签订辅导协议",
    )
    assert change.at is not None
    # Another county's firm cannot be moved.
    assert (
        fresh(
            app, c, "post", f"/pool/firms/{world.other.id}/stage", data={"stage": "coaching", "reason": "x"}
        ).status_code
        == 404
    )


def test_bulk_actions_stay_in_scope(app, world, db):
    c = client_for(app, world.officer)
    ids = [str(world.own.id), str(world.same.id)]
    fresh(
        app,
        c,
        "post",
        "/pool/bulk",
        data={"firm_ids": ids, "action": "assign", "officer_id": world.officer.id},
    )
    db.session.expire_all()
    assert {db.session.get(Firm, int(i)).officer_id for i in ids} == {world.officer.id}
    # Slipping another county's firm in makes the whole action refused.
    fresh(
        app,
        c,
        "post",
        "/pool/bulk",
        data={
            "firm_ids": ids + [str(world.other.id)],
            "action": "stage",
            "stage": "to_apply",
            "reason": "批量",
        },
    )
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).stage == "pool"
    assert db.session.get(Firm, world.other.id).stage == "pool"
    # An officer of county B cannot be assigned to county A firms.
    resp = fresh(
        app,
        c,
        "post",
        "/pool/bulk",
        data={"firm_ids": ids, "action": "assign", "officer_id": world.officer_b.id},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).officer_id == world.officer.id


def _milestone(db, firm_id):
    return db.session.scalars(
        select(Milestone).where(Milestone.firm_id == firm_id).order_by(Milestone.due)
    ).first()


def test_milestone_status_update_and_firm_progress(app, world, db):
    ms = _milestone(db, world.own.id)
    if ms is None:
        import pytest

        pytest.skip("the planner made no milestones for this firm")
    # The firm user reports progress from the portal; the officer sees it pending.
    fc = client_for(app, world.firm_user)
    html = fresh(app, fc, "get", "/portal/").get_data(as_text=True)
    assert "培育路线图" in html and ms.title in html
    fresh(
        app,
        fc,
        "post",
        f"/firms/{world.own.id}/milestones/{ms.id}/progress",
        data={"progress_note": "已提交申请", "from": "portal"},
    )
    db.session.expire_all()
    ms = db.session.get(Milestone, ms.id)
    assert ms.progress_pending and ms.progress_note == "已提交申请"
    # A firm user cannot set a status (officers confirm).
    assert (
        fresh(
            app, fc, "post", f"/firms/{world.own.id}/milestones/{ms.id}/status", data={"status": "done"}
        ).status_code
        == 404
    )
    oc = client_for(app, world.officer)
    assert "待确认" in fresh(app, oc, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    fresh(
        app,
        oc,
        "post",
        f"/firms/{world.own.id}/milestones/{ms.id}/status",
        data={"status": "done", "evidence_note": "受理通知书"},
    )
    db.session.expire_all()
    ms = db.session.get(Milestone, ms.id)
    assert ms.status == "done" and ms.done_by_id == world.officer.id and not ms.progress_pending
    # A milestone of another firm, addressed under this firm, is a 404.
    other_ms = _milestone(db, world.same.id)
    if other_ms is not None:
        assert (
            fresh(
                app,
                oc,
                "post",
                f"/firms/{world.own.id}/milestones/{other_ms.id}/status",
                data={"status": "done"},
            ).status_code
            == 404
        )


def test_firm_submits_figures_and_officer_accepts(app, world, db):
    fc = client_for(app, world.firm_user)
    y = last_year()
    r = fresh(
        app,
        fc,
        "post",
        "/portal/figures",
        data={
            "year": y,
            "sales": "5000",
            "total_income": "5000",
            "hightech_income": "4000",
            "rd_total": "300",
            "staff": "70",
            "tech_staff": "14",
        },
    )
    assert r.status_code == 302
    sub = db.session.scalars(select(FigureSubmission).where(FigureSubmission.firm_id == world.own.id)).one()
    assert sub.status == "pending"
    db.session.expire_all()
    assert (
        db.session.scalars(
            select(FiscalYear.sales).where(FiscalYear.firm_id == world.own.id, FiscalYear.year == y)
        ).one()
        != 5000
    )
    oc = client_for(app, world.officer)
    assert "待审核" in fresh(app, oc, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    fresh(app, oc, "post", f"/firms/{world.own.id}/submissions/{sub.id}/review", data={"decision": "accept"})
    db.session.expire_all()
    assert db.session.get(FigureSubmission, sub.id).status == "accepted"
    assert (
        db.session.scalars(
            select(FiscalYear.sales).where(FiscalYear.firm_id == world.own.id, FiscalYear.year == y)
        ).one()
        == 5000
    )


def test_what_if_shows_a_plan_without_saving(app, world, db):
    oc = client_for(app, world.officer)
    count = db.session.scalar(
        select(Milestone.id).where(Milestone.firm_id == world.own.id).order_by(Milestone.id.desc())
    )
    args = {
        "add_utility_models": "5",
        "add_invention_patents": "1",
        "rd_ratio": "8",
        "add_tech_staff": "3",
        "hire_on": "2027-01-02",
        "reclassify_staff": "1",
        "conversion_year": "2027",
        "conversions": "5",
        "sales_growth": "15",
        "standards": "y",
        "add_software_copyrights": "2",
    }
    resp = fresh(app, oc, "get", f"/firms/{world.own.id}/whatif", query_string=args)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "推演后" in html
    assert "无法推演" not in html, html[html.find("flash") :][:300]
    # a bookmarkable GET: refreshing gives the same page (no 405), the inputs are kept in the form
    again = fresh(app, oc, "get", f"/firms/{world.own.id}/whatif", query_string=args)
    assert again.status_code == 200 and 'value="2027-01-02"' in again.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(Milestone.id).where(Milestone.firm_id == world.own.id).order_by(Milestone.id.desc())
        )
        == count
    )
    bad = fresh(app, oc, "get", f"/firms/{world.own.id}/whatif", query_string={"add_utility_models": "-1"})
    assert "应在0–50项之间" in bad.get_data(as_text=True)
    # dates in one format
    main = html[html.find("<main") :]
    m = re.search(r"\d{4}年\d{1,2}月\d{1,2}日", main)
    assert m is None, main[m.start() - 300 : m.end()]


def test_contact_email_is_checked_not_crashed_on(app, world, db):
    """A wrong e-mail gets a Chinese message under the field; a right one is saved (needs email-validator)."""
    c = client_for(app, world.officer)
    firm = world.own
    data = {
        "name": firm.name,
        "credit_code": firm.credit_code,
        "registered_on": "2015-03-01",
        "tech_domain": "10101",
        "contact_email": "not-an-address",
    }
    resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 200
    assert "邮箱格式不正确" in resp.get_data(as_text=True)
    resp = fresh(
        app, c, "post", f"/firms/{firm.id}/edit", data={**data, "contact_email": "zhang.san@example.com"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).contact_email == "zhang.san@example.com"
