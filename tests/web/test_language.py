"""Issue 17: the language switcher; the choice lives in the session before login and on the user after."""

from __future__ import annotations

from pipeline.models import User
from tests.conftest import login
from tests.web.conftest import fresh


def test_switch_before_login_persists_across_pages_and_becomes_the_users_choice(app, world, db):
    c = app.test_client()
    r = fresh(app, c, "post", "/language", data={"lang": "en", "next": "/login?lang=zh"})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    html = fresh(app, c, "get", "/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html
    login(c, world.officer)
    html = fresh(app, c, "get", "/pool/").get_data(as_text=True)
    assert 'lang="en"' in html  # the session's choice carries on after login


def test_switch_when_logged_in_is_saved_on_the_user(app, world, db):
    c = app.test_client()
    login(c, world.officer)
    fresh(app, c, "post", "/language", data={"lang": "en", "next": "/pool/"})
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).locale == "en"
    other = app.test_client()  # another browser, another login: still English
    login(other, world.officer)
    assert 'lang="en"' in fresh(app, other, "get", "/inbox/").get_data(as_text=True)
    fresh(app, other, "post", "/language", data={"lang": "zh", "next": "/inbox/"})
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).locale == "zh"
    assert 'lang="zh-CN"' in fresh(app, other, "get", "/inbox/").get_data(as_text=True)


def test_unknown_language_and_foreign_next_refused(app, world, db):
    c = app.test_client()
    assert fresh(app, c, "post", "/language", data={"lang": "fr"}).status_code == 400
    r = fresh(app, c, "post", "/language", data={"lang": "en", "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"
