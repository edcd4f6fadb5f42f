"""Issue 12, items 2 and 3: remember-me tokens, session versions, throttling, admin unlock, password policy."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from pipeline.models import LoginAttempt, RememberToken
from tests import factories as f
from tests.web.conftest import fresh


def _login(app, client, username, password, remember=False, addr=None):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    kw = {"environ_base": {"REMOTE_ADDR": addr}} if addr else {}
    return fresh(app, client, "post", "/login", data=data, **kw)


def _cookie(client, name):
    c = client.get_cookie(name)
    return c.value if c else None


def _copy_cookies(src, dst, *names):
    for name in names:
        value = _cookie(src, name)
        if value:
            dst.set_cookie(name, value)


def test_remember_token_is_random_hashed_rotated_and_revoked_on_logout(app, world, db):
    a = app.test_client()
    assert _login(app, a, "officer_a", f.PASSWORD, remember=True).status_code == 302
    first = _cookie(a, "xsg_remember")
    # not Flask-Login's "<user id>|<HMAC>" (the same on every login), and long enough to be unguessable
    assert first and not first.startswith(f"{world.officer.id}|") and len(first) >= 32
    stored = db.session.scalars(select(RememberToken.token_hash)).all()
    assert len(stored) == 1 and first not in stored  # only the hash is kept
    b = app.test_client()  # another browser with only the remember cookie
    b.set_cookie("xsg_remember", first)
    assert fresh(app, b, "get", "/pool/").status_code == 200
    second = _cookie(b, "xsg_remember")
    assert second and second != first  # rotated on use
    c = app.test_client()  # the old value is spent
    c.set_cookie("xsg_remember", first)
    assert fresh(app, c, "get", "/pool/").status_code == 302
    # Logging out in browser b revokes its token and ends the session everywhere.
    stolen = app.test_client()
    _copy_cookies(b, stolen, "session", "xsg_remember")
    fresh(app, b, "post", "/logout")
    assert fresh(app, stolen, "get", "/pool/").status_code == 302


def test_password_reset_ends_every_session_and_token(app, world, db):
    from pipeline.services.accounts import reset_password

    a = app.test_client()
    _login(app, a, "officer_a", f.PASSWORD, remember=True)
    copy = app.test_client()
    copy.set_cookie("xsg_remember", _cookie(a, "xsg_remember"))
    assert fresh(app, a, "get", "/pool/").status_code == 200
    reset_password(None, "officer_a", "Neue#Passwort9")
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert fresh(app, a, "get", "/pool/").status_code == 302  # the old session ended
    assert fresh(app, copy, "get", "/pool/").status_code == 302  # the remember token too
    assert db.session.scalar(select(func.count()).select_from(RememberToken)) == 0


def test_disabling_ends_the_session(app, world, db):
    from pipeline.services.accounts import set_active

    a = app.test_client()
    _login(app, a, "officer_a", f.PASSWORD)
    set_active(None, "officer_a", False)
    set_active(None, "officer_a", True)
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert fresh(app, a, "get", "/pool/").status_code == 302


def test_remember_token_has_an_age_limit(app, world, db):
    from datetime import timedelta

    a = app.test_client()
    _login(app, a, "officer_a", f.PASSWORD, remember=True)
    token = db.session.scalars(select(RememberToken)).one()
    token.expires_at = token.expires_at - timedelta(days=31)
    db.session.commit()
    b = app.test_client()
    b.set_cookie("xsg_remember", _cookie(a, "xsg_remember"))
    assert fresh(app, b, "get", "/pool/").status_code == 302


def test_throttling_per_client_address(app, world, db):
    """Many names from one address: after the client limit even a right password is refused."""
    app.config["LOGIN_MAX_FAILURES_PER_CLIENT"] = 8
    try:
        c = app.test_client()
        for n in range(8):
            assert _login(app, c, f"guess{n}", "Wrong@1234", addr="10.9.9.9").status_code == 401
        assert _login(app, c, "officer_a", f.PASSWORD, addr="10.9.9.9").status_code == 401
        assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.1.1.1").status_code == 302
    finally:
        app.config.pop("LOGIN_MAX_FAILURES_PER_CLIENT")


def test_unknown_names_lock_too_and_count_atomically(app, world, db):
    limit = app.config["LOGIN_MAX_FAILURES"]
    c = app.test_client()
    for n in range(limit + 3):
        _login(app, c, "nobody", "Wrong@1234", addr=f"10.0.1.{n}")
    # every attempt is one row, counted in SQL (no read-increment-write on a user row)
    assert (
        db.session.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username_key == "nobody")
        )
        == limit + 3
    )


def test_parallel_guesses_get_no_more_than_the_limit(app, world, db):
    """Attempts are inserted before the password is compared: N parallel guessers share one budget."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("parallel requests need PostgreSQL (run with TEST_DATABASE_URL)")
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.services import accounts

    limit = app.config["LOGIN_MAX_FAILURES"]
    checked = []
    real = accounts.check_password_hash

    def counting(h, p):
        if h != accounts._DUMMY_HASH:
            checked.append(1)
        return real(h, p)

    accounts.check_password_hash = counting
    app.config["LOGIN_MAX_FAILURES_ACCOUNT"] = limit  # 20 addresses at once: the account-wide budget
    try:

        def guess(n):
            with app.app_context():
                return accounts.authenticate("officer_a", f"Wrong@{n:04d}", f"10.2.0.{n}")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(guess, range(20)))
    finally:
        accounts.check_password_hash = real
        app.config.pop("LOGIN_MAX_FAILURES_ACCOUNT")
    assert len(checked) <= limit


def test_locked_wrong_and_unknown_answer_alike(app, world, db):
    limit = app.config["LOGIN_MAX_FAILURES"]
    c = app.test_client()
    for _ in range(limit + 1):
        _login(app, c, "officer_a", "Wrong@1234", addr="10.7.7.7")

    def timed(name, pw):
        t = time.perf_counter()
        resp = _login(app, app.test_client(), name, pw, addr="10.7.7.7")
        return time.perf_counter() - t, resp

    t_locked, locked = timed("officer_a", f.PASSWORD)
    t_unknown, unknown = timed("nobody_at_all", "Wrong@1234")
    t_wrong, wrong = timed("officer_b", "Wrong@1234")
    assert locked.status_code == unknown.status_code == wrong.status_code == 401
    msg = "用户名或密码错误"
    assert all(msg in r.get_data(as_text=True) for r in (locked, unknown, wrong))
    # every path computes one scrypt hash: the locked answer is not several times faster
    assert t_locked > 0.4 * min(t_unknown, t_wrong)


def test_the_dummy_hash_costs_what_a_real_one_does():
    """The hash checked for unknown users is a constant (no scrypt at import): it must carry the
    parameters hash_password uses today, so an unknown name still costs one full scrypt."""
    from werkzeug.security import check_password_hash

    from pipeline.services import accounts

    assert accounts._DUMMY_HASH.split("$")[0] == accounts.hash_password("x").split("$")[0]
    assert check_password_hash(accounts._DUMMY_HASH, "not-a-real-password")


def test_a_stranger_alone_cannot_lock_an_account(app, world, db):
    """Issue 12: failures from one address lock that address out of the account, not its owner; only
    a guess storm from many addresses (LOGIN_MAX_FAILURES_ACCOUNT) locks the account itself."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    stranger = "203.0.113.9"
    for _ in range(limit + 3):
        _login(app, app.test_client(), "officer_a", "Wrong@1234", addr=stranger)
    from_stranger = _login(app, app.test_client(), "officer_a", f.PASSWORD, addr=stranger)
    wrong = _login(app, app.test_client(), "officer_b", "Wrong@1234", addr="198.51.100.1")
    assert from_stranger.status_code == wrong.status_code == 401  # locked answers like wrong
    assert "用户名或密码错误" in from_stranger.get_data(as_text=True)
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.0.0.8").status_code == 302
    for _ in range(limit + 3):  # the stranger keeps trying after the owner logged in: still locked out
        _login(app, app.test_client(), "officer_a", "Wrong@1234", addr=stranger)
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr=stranger).status_code == 401
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.0.0.8").status_code == 302

    app.config["LOGIN_MAX_FAILURES_ACCOUNT"] = 3 * limit
    try:  # many addresses at once: account-wide lock, even from the owner's address, until an admin unlocks
        for n in range(3 * limit + 1):
            _login(app, app.test_client(), "officer_a", "Wrong@1234", addr=f"192.0.2.{n % 4}")
        assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.0.0.8").status_code == 401
        from pipeline.services.accounts import unlock

        unlock(None, world.officer)
        db.session.commit()  # services flush; the caller commits (issue 13)
        assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.0.0.8").status_code == 302
    finally:
        app.config.pop("LOGIN_MAX_FAILURES_ACCOUNT")


def test_admin_unlocks_from_the_user_list(app, world, db):
    from tests.conftest import login

    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit + 1):
        _login(app, app.test_client(), "officer_a", "Wrong@1234", addr="10.3.3.3")
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.3.3.3").status_code == 401
    admin = app.test_client()
    login(admin, world.admin)
    html = fresh(app, admin, "get", "/admin/").get_data(as_text=True)
    assert f"/admin/users/{world.officer.id}/unlock" in html and "解锁" in html
    assert fresh(app, admin, "post", f"/admin/users/{world.officer.id}/unlock").status_code == 302
    assert _login(app, app.test_client(), "officer_a", f.PASSWORD, addr="10.3.3.3").status_code == 302


@pytest.mark.parametrize(
    "password,reason",
    [
        ("password1", "最常见"),
        ("abcd1234", "最常见"),
        ("zhangsan1", "最常见"),
        ("Password123!", "最常见"),
        ("li_ming_2026x", "用户名"),
        ("Good#horse7battery", None),
    ],
)
def test_password_policy(app, db, password, reason):
    from pipeline.services.accounts import AccountError, check_password_strength

    with app.test_request_context():
        if reason is None:
            check_password_strength(password, "li_ming")
        else:
            with pytest.raises(AccountError, match=reason):
                check_password_strength(password, "li_ming")


def test_user_name_based_password_refused(app, db):
    from pipeline.services.accounts import AccountError, check_password_strength

    with app.test_request_context(), pytest.raises(AccountError, match="用户名"):
        check_password_strength("Wangxiaoer99", "wangxiaoer")


def test_password_change_keeps_this_session_and_ends_the_others(app, world, db):
    a = app.test_client()
    _login(app, a, "officer_a", f.PASSWORD)
    other = app.test_client()
    _login(app, other, "officer_a", f.PASSWORD)
    resp = fresh(
        app,
        a,
        "post",
        "/account/password",
        data={"pw-current": f.PASSWORD, "pw-new": "Neue#Passwort9", "pw-confirm": "Neue#Passwort9"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert fresh(app, a, "get", "/pool/").status_code == 200
    assert fresh(app, other, "get", "/pool/").status_code == 302
