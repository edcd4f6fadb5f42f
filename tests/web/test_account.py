"""Issue 17: self-service (password, API tokens) and the admin's account editing, with e-mail validated."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash

from pipeline.models import ApiToken, User
from tests import factories as f
from tests.conftest import client_for
from tests.web.conftest import fresh


def test_change_password_needs_the_current_one(app, world, db):
    c = client_for(app, world.firm_user)
    assert "修改密码" in fresh(app, c, "get", "/account/").get_data(as_text=True)
    r = fresh(
        app,
        c,
        "post",
        "/account/password",
        data={"pw-current": "wrong", "pw-new": "Neu@54321", "pw-confirm": "Neu@54321"},
    )
    assert r.status_code == 422 and "当前密码不正确" in r.get_data(as_text=True)
    r = fresh(
        app,
        c,
        "post",
        "/account/password",
        data={"pw-current": f.PASSWORD, "pw-new": "Neu@54321", "pw-confirm": "Neu@5432"},
    )
    assert r.status_code == 422 and "两次输入的新密码不一致" in r.get_data(as_text=True)
    r = fresh(
        app,
        c,
        "post",
        "/account/password",
        data={"pw-current": f.PASSWORD, "pw-new": "Neu@54321", "pw-confirm": "Neu@54321"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, world.firm_user.id).password_hash, "Neu@54321")


def test_token_shown_once_works_on_the_api_and_revoked_stops(app, world, db):
    c = client_for(app, world.officer)
    html = fresh(app, c, "post", "/account/tokens", data={"tk-name": "县区大屏"}).get_data(as_text=True)
    raw = re.search(r'id="new-token">([^<]+)<', html).group(1)
    api = app.test_client()
    r = fresh(app, api, "get", "/api/v1/firms", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200
    html = fresh(app, c, "get", "/account/").get_data(as_text=True)
    assert "县区大屏" in html and raw not in html
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.officer.id)).one()
    other = client_for(app, world.officer_b)  # another user's token: 404
    assert fresh(app, other, "post", f"/account/tokens/{token.id}/revoke").status_code == 404
    assert fresh(app, c, "post", f"/account/tokens/{token.id}/revoke").status_code == 302
    assert (
        fresh(app, api, "get", "/api/v1/firms", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    )
    r = fresh(app, c, "post", "/account/tokens", data={"tk-name": ""})
    assert r.status_code == 422 and "请为令牌命名" in r.get_data(as_text=True)


def test_openapi_names_a_place_that_exists(app, world, db):
    spec = fresh(app, app.test_client(), "get", "/api/v1/openapi.json").get_json()
    text = spec["components"]["securitySchemes"]["bearer"]["description"]
    assert "/account/" in text and "flask users token" not in text


def test_admin_edits_a_user_posting_the_prefilled_form_changes_nothing_else(app, world, db):
    c = client_for(app, world.admin)
    html = fresh(app, c, "get", f"/admin/users/{world.officer.id}/edit").get_data(as_text=True)
    assert 'value="海州专员"' in html
    r = fresh(
        app,
        c,
        "post",
        f"/admin/users/{world.officer.id}/edit",
        data={"display_name": "海州专员", "email": "not-an-email", "phone": ""},
    )
    assert r.status_code == 422 and "不是有效的电子邮件地址" in r.get_data(as_text=True)
    r = fresh(
        app,
        c,
        "post",
        f"/admin/users/{world.officer.id}/edit",
        data={"display_name": "海州专员", "email": "hz@example.cn", "phone": "0518-85800000"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    u = db.session.get(User, world.officer.id)
    assert (u.display_name, u.email, u.phone, u.role, u.county_id) == (
        "海州专员",
        "hz@example.cn",
        "0518-85800000",
        "officer",
        world.county_a.id,
    )
    r = fresh(
        app, c, "post", f"/admin/users/{world.officer.id}/password", data={"rp-password": "Reset@2026x"}
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, world.officer.id).password_hash, "Reset@2026x")
    # officers cannot reach these pages
    assert (
        fresh(
            app, client_for(app, world.officer_b), "get", f"/admin/users/{world.officer.id}/edit"
        ).status_code
        == 404
    )


def test_new_account_refuses_not_an_email(app, world, db):
    c = client_for(app, world.admin)
    r = fresh(
        app,
        c,
        "post",
        "/admin/",
        data={
            "username": "x1",
            "display_name": "X",
            "role": "admin",
            "county": "",
            "firm_code": "",
            "email": "not-an-email",
            "phone": "",
            "password": "Kx7#harbor2026",
        },
    )
    assert "不是有效的电子邮件地址" in r.get_data(as_text=True)
    assert db.session.scalar(select(User.id).where(User.username == "x1")) is None
