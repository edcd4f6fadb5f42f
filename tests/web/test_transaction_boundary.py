"""Issue 13: the request is the transaction boundary. A service that wrote (flushed) part of its work
and then refused leaves nothing written: on a form page (re-rendered with an error status), on a
form answered by a message and a redirect (``transaction.refuse``) and through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.models import AuditLog, Firm, Milestone, Roadmap, StageChange
from pipeline.services import firms as firm_service
from tests.conftest import login
from tests.web.conftest import TODAY, fresh
from tests.web.formdata import form_data


def _audit_rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def _after_writing_refuse(monkeypatch, name: str, message: str = "第二步失败：什么也没有保存"):
    """``firm_service.<name>`` does all its writes (flushed), then refuses with a domain error."""
    real = getattr(firm_service, name)
    seen = {}

    def half_way(*args, **kwargs):
        real(*args, **kwargs)
        from pipeline.extensions import db

        db.session.flush()
        seen["audit"] = db.session.scalar(select(func.count()).select_from(AuditLog))
        raise firm_service.FirmError(message)

    monkeypatch.setattr(firm_service, name, half_way)
    return seen


def test_a_form_page_refused_after_a_partial_write_writes_nothing(app, world, db, monkeypatch):
    firm = world.own
    audit = _audit_rows(db)
    c = app.test_client()
    login(c, world.officer)
    data = form_data(fresh(app, c, "get", f"/firms/{firm.id}/edit").get_data(as_text=True), "/edit")
    seen = _after_writing_refuse(monkeypatch, "update_firm")
    resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data={**data, "name": "半途改名有限公司"})
    assert resp.status_code == 422
    assert "第二步失败：什么也没有保存" in resp.get_data(as_text=True)
    assert "半途改名有限公司" in resp.get_data(as_text=True)  # the entries stay in the form
    assert seen["audit"] > audit  # the service had written its audit row (and the new name) …
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).name == "甲科技有限公司"  # … and none of it was kept
    assert _audit_rows(db) == audit
    # the same form saved without the refusal is kept (the boundary commits a success)
    monkeypatch.undo()
    resp = fresh(app, c, "post", f"/firms/{firm.id}/edit", data={**data, "name": "整改后有限公司"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).name == "整改后有限公司"


def test_a_redirecting_form_refused_after_a_partial_write_writes_nothing(app, world, db, monkeypatch):
    firm = world.own
    stage, audit = firm.stage, _audit_rows(db)
    c = app.test_client()
    login(c, world.officer)
    page = fresh(app, c, "get", f"/firms/{firm.id}").get_data(as_text=True)
    data = form_data(page, f"/pool/firms/{firm.id}/stage")
    target = "coaching" if stage != "coaching" else "ready"
    seen = _after_writing_refuse(monkeypatch, "move_stage")
    resp = fresh(
        app, c, "post", f"/pool/firms/{firm.id}/stage", data={**data, "stage": target, "reason": "测试"}
    )
    assert resp.status_code == 302
    assert seen["audit"] > audit
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).stage == stage
    assert db.session.scalar(select(func.count()).select_from(StageChange)) == 0
    assert _audit_rows(db) == audit
    shown = fresh(app, c, "get", resp.headers["Location"]).get_data(as_text=True)
    assert "第二步失败：什么也没有保存" in shown  # the refusal is shown on the page it returns to


def test_an_api_write_refused_after_a_partial_write_writes_nothing(app, world, db, monkeypatch):
    from pipeline.services.tokens import issue_token
    from tests.api.helpers import bearer

    rm = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == world.own.id)).one()
    ms = db.session.scalars(
        select(Milestone)
        .where(Milestone.roadmap_id == rm.id, Milestone.status == "todo")
        .order_by(Milestone.id)
    ).first()
    token = issue_token(world.officer, "测试")
    db.session.commit()
    audit = _audit_rows(db)
    seen = _after_writing_refuse(monkeypatch, "update_milestone")
    c = app.test_client()
    url = f"/api/v1/firms/{world.own.id}/milestones/{ms.id}"
    resp = fresh(app, c, "patch", url, json={"status": "doing"}, headers=bearer(token))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "第二步失败：什么也没有保存"
    assert seen["audit"] > audit
    db.session.expire_all()
    assert db.session.get(Milestone, ms.id).status == "todo"
    assert _audit_rows(db) == audit


def test_an_unexpected_error_after_a_write_keeps_nothing(app, world, db, monkeypatch):
    """Not a domain error: the 500 page, and the boundary rolls back."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        real = firm_service.update_firm

        def crash(*args, **kwargs):
            real(*args, **kwargs)
            raise RuntimeError("boom")

        c = app.test_client()
        login(c, world.officer)
        data = form_data(fresh(app, c, "get", f"/firms/{world.own.id}/edit").get_data(as_text=True), "/edit")
        monkeypatch.setattr(firm_service, "update_firm", crash)
        resp = fresh(app, c, "post", f"/firms/{world.own.id}/edit", data={**data, "name": "崩溃改名"})
        assert resp.status_code == 500
        db.session.expire_all()
        assert db.session.get(Firm, world.own.id).name == "甲科技有限公司"
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None


def test_services_flush_and_the_caller_commits(app, world, db):
    """A service called outside a request writes into the caller's transaction only."""
    firm = db.session.get(Firm, world.own.id)
    firm_service.update_firm(world.officer, firm, {"contact_phone": "0518-12345678"}, TODAY)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Firm, world.own.id).contact_phone != "0518-12345678"
