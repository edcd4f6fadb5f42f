"""City admin's account page: only admins reach it; accounts are created with their scope and audited."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.models import AuditLog, User
from tests.conftest import login
from tests.web.conftest import fresh


def test_only_admins_reach_account_management(app, world):
    for user in (world.officer, world.firm_user):
        c = app.test_client()
        login(c, user)
        assert fresh(app, c, "get", "/admin/").status_code == 404
    c = app.test_client()
    login(c, world.admin)
    html = fresh(app, c, "get", "/admin/").get_data(as_text=True)
    assert "officer_a" in html and "firm_a" in html


def test_admin_creates_a_firm_user_and_disables_an_officer(app, world, db):
    c = app.test_client()
    login(c, world.admin)
    resp = fresh(
        app,
        c,
        "post",
        "/admin/",
        data={
            "username": "firm_b",
            "display_name": "丙公司",
            "role": "firm",
            "firm_code": world.other.credit_code,
            "password": "Good@pass1",
        },
    )
    assert resp.status_code == 302
    u = db.session.scalars(select(User).where(User.username == "firm_b")).one()
    assert (u.firm_id, u.county_id) == (world.other.id, world.county_b.id)
    assert (
        db.session.scalar(
            select(AuditLog.user_id).where(AuditLog.entity == "user", AuditLog.entity_id == u.id)
        )
        == world.admin.id
    )
    resp = fresh(
        app,
        c,
        "post",
        "/admin/",
        data={
            "username": "firm_b",
            "display_name": "x",
            "role": "firm",
            "firm_code": world.other.credit_code,
            "password": "Good@pass1",
        },
    )
    assert "已被使用" in resp.get_data(as_text=True)
    fresh(app, c, "post", f"/admin/users/{world.officer.id}/toggle")
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).active is False
