"""Accounts and security: login, DB-kept lockout, safe `next`, no account enumeration, CSRF, headers, CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pipeline.models import AuditLog, User
from tests import factories as f
from tests.web.conftest import fresh


def _login(app, client, username, password, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    data = {"username": username, "password": password}
    if next_:
        data["next"] = next_
    return fresh(app, client, "post", url, data=data)


def test_root_leads_each_role_home(app, world):
    c = app.test_client()
    assert fresh(app, c, "get", "/").location.endswith("/login")
    assert _login(app, c, "officer_a", f.PASSWORD).location.endswith("/pool/")
    assert fresh(app, c, "get", "/").location.endswith("/pool/")
    c2 = app.test_client()
    assert _login(app, c2, "firm_a", f.PASSWORD).location.endswith("/portal/")
    assert fresh(app, c2, "get", "/").location.endswith("/portal/")


def test_login_errors_do_not_reveal_which_accounts_exist(app, world):
    c = app.test_client()
    wrong_password = _login(app, c, "officer_a", "Wrong@1234")
    no_such_user = _login(app, c, "nobody_here", "Wrong@1234")
    assert wrong_password.status_code == no_such_user.status_code == 401
    msg = "用户名或密码错误"
    assert msg in wrong_password.get_data(as_text=True) and msg in no_such_user.get_data(as_text=True)
    strip = lambda r: r.get_data(as_text=True).replace("officer_a", "X").replace("nobody_here", "X")  # noqa: E731
    import re

    token = re.compile(r'value="[^"]*"')
    assert token.sub("", strip(wrong_password)) == token.sub("", strip(no_such_user))


def test_lockout_is_kept_in_the_database(app, world, db):
    c = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert _login(app, c, "officer_a", "Wrong@1234").status_code == 401
    user = db.session.scalars(select(User).where(User.username == "officer_a")).one()
    from pipeline.services.accounts import is_locked

    assert is_locked(user)  # counted in login_attempt rows (issue 12)
    # The right password is refused while locked, with the same message as any failure.
    resp = _login(app, c, "officer_a", f.PASSWORD)
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    assert db.session.scalar(
        select(AuditLog.id).where(AuditLog.action == "lock", AuditLog.entity_id == user.id)
    )
    # An admin reset unlocks it.
    from pipeline.services.accounts import reset_password

    reset_password(None, "officer_a", "New@pass123")
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert _login(app, c, "officer_a", "New@pass123").status_code == 302


def test_disabled_account_cannot_log_in(app, world, db):
    from pipeline.services.accounts import set_active

    set_active(None, "officer_a", False)
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD).status_code == 401


@pytest.mark.parametrize(
    "target,ok",
    [
        ("/pool/?stage=pool", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_next_redirects_only_to_local_paths(app, world, target, ok):
    resp = _login(app, app.test_client(), "officer_a", f.PASSWORD, next_=target)
    assert resp.status_code == 302
    if ok:
        assert resp.location == target
    else:
        assert resp.location == "/pool/"


def test_post_without_csrf_token_is_refused(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        resp = fresh(app, c, "post", "/login", data={"username": "officer_a", "password": f.PASSWORD})
        assert resp.status_code == 400
        from tests.conftest import login

        login(c, world.officer)
        resp = fresh(
            app, c, "post", f"/pool/firms/{world.own.id}/stage", data={"stage": "coaching", "reason": "x"}
        )
        assert resp.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert world.own.stage == "pool"


def test_security_headers_and_cookie_flags(app, world):
    c = app.test_client()
    resp = fresh(app, c, "get", "/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    resp = _login(app, c, "officer_a", f.PASSWORD)
    # the session cookie (a remember-cookie deletion may come first: Flask-Login's strong protection
    # clears it when an anonymous session already holds a CSRF token, e.g. the language switcher's)
    cookie = next((c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")), "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_script_or_style(app, world):
    from tests.conftest import login

    c = app.test_client()
    login(c, world.officer)
    for url in ("/pool/", "/pool/kanban", f"/firms/{world.own.id}", "/pool/import"):
        html = fresh(app, c, "get", url).get_data(as_text=True)
        assert "style=" not in html, url
        assert "<script>" not in html and "onclick" not in html.lower(), url


def test_users_cli(app, runner, world, db):
    r = runner.invoke(
        args=[
            "users",
            "create",
            "officer_new",
            "--role",
            "officer",
            "--county",
            "海州区",
            "--password",
            "Good@pass1",
        ]
    )
    assert r.exit_code == 0, r.output
    u = db.session.scalars(select(User).where(User.username == "officer_new")).one()
    assert u.county_id == world.county_a.id and u.password_hash.startswith("scrypt:")
    r = runner.invoke(args=["users", "create", "firm_x", "--role", "firm", "--password", "Good@pass1"])
    assert r.exit_code != 0 and "统一社会信用代码" in r.output
    r = runner.invoke(args=["users", "create", "weak", "--role", "admin", "--password", "short"])
    assert r.exit_code != 0 and "至少8位" in r.output
    assert runner.invoke(args=["users", "disable", "officer_new"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, u.id).active is False
    r = runner.invoke(args=["users", "reset-password", "officer_new", "--password", "Other@pass2"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(args=["users", "disable", "ghost"]).exit_code != 0
