"""Issue 17: a county's group-robot settings page (URL checked by the rules the webhook channel applies,
the digest choice) and its test send against a real local HTTP server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pipeline.models import AuditLog, County
from pipeline.reminders import robot_url
from tests.conftest import login
from tests.reminders.helpers import Robot
from tests.reminders.helpers import local_robot as robot_server
from tests.web.conftest import fresh
from tests.web.formdata import form_data

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"


def _page(app, client, county):
    resp = fresh(app, client, "get", f"/robots/{county.id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _county(db, county_id) -> County:
    db.session.expire_all()
    return db.session.get(County, county_id)


def test_officer_sets_the_robot_through_the_form_and_only_what_changed_changes(app, world, db):
    world.county_a.webhook_url = WECOM
    world.county_a.webhook_digest = "weekly"
    db.session.commit()
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", "/account/").get_data(as_text=True)
    assert 'href="/robots/"' in html  # the officer finds it from the account page
    assert fresh(app, c, "get", "/robots/").location.endswith(f"/robots/{world.county_a.id}")
    html = _page(app, c, world.county_a)
    data = form_data(html, f"/robots/{world.county_a.id}")
    assert data["url"] == WECOM and data["mode"] == "weekly"  # pre-filled
    assert WECOM not in data["was"]  # the hidden version does not repeat the key
    # posted back as shown: nothing changes, nothing audited
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=data, follow_redirects=True)
    assert "没有修改任何内容" in resp.get_data(as_text=True)
    assert db.session.scalars(select(AuditLog).where(AuditLog.entity == "county")).all() == []
    # a change of the choice changes only the choice
    stale = dict(data)
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, mode="daily"))
    assert resp.status_code == 302
    a = _county(db, world.county_a.id)
    assert (a.webhook_url, a.webhook_digest) == (WECOM, "daily")
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "county")).one()
    assert (log.before, log.after, log.entity_id, log.user_id) == (
        {"webhook_digest": "weekly"},
        {"webhook_digest": "daily"},
        world.county_a.id,
        world.officer.id,
    )
    # a page opened before that save is refused (409) and changes nothing
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(stale, mode="none"))
    assert resp.status_code == 409 and "被他人修改" in resp.get_data(as_text=True)
    assert _county(db, world.county_a.id).webhook_digest == "daily"
    # a new URL: audited masked (the key never in the audit), the choice untouched
    new = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
    data = form_data(_page(app, c, world.county_a), f"/robots/{world.county_a.id}")
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, url=new))
    assert resp.status_code == 302
    a = _county(db, world.county_a.id)
    assert (a.webhook_url, a.webhook_digest) == (new, "daily")
    log = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "county").order_by(AuditLog.id.desc())
    ).first()
    assert log.before == {"webhook_url": robot_url.masked(WECOM)}
    assert log.after == {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=0123****cdef"}
    assert "0123456789abcdef0123456789abcdef" not in json.dumps(log.after)
    html = _page(app, c, world.county_a)
    assert "群机器人地址" in html and "access_token=0123****cdef" in html  # the history, labelled, masked
    assert "webhook_url" not in html.replace('name="url"', "")
    # blank: the county has no robot any more, the choice kept
    data = form_data(html, f"/robots/{world.county_a.id}")
    resp = fresh(
        app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, url=""), follow_redirects=True
    )
    assert "没有群机器人" in resp.get_data(as_text=True)
    a = _county(db, world.county_a.id)
    assert (a.webhook_url, a.webhook_digest) == (None, "daily")
    assert _county(db, world.county_b.id).webhook_url is None  # the other county untouched


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "必须以 https:// 开头"),
        ("https://example.com/hook", "只接受以下域名的群机器人地址：qyapi.weixin.qq.com、oapi.dingtalk.com"),
        ("qyapi.weixin.qq.com/cgi-bin/webhook/send", "不是有效的网址"),
        ("https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send", "不能带用户名或密码"),
        ("https://qyapi.weixin.qq.com:x/send", "不是有效的网址"),
    ],
)
def test_an_invalid_url_is_refused_on_the_field_with_its_reason(app, world, db, url, message):
    c = app.test_client()
    login(c, world.officer)
    data = form_data(_page(app, c, world.county_a), f"/robots/{world.county_a.id}")
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, url=url, mode="daily"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'class="field-error"' in html and message in html
    assert "ValidationError" not in html
    a = _county(db, world.county_a.id)
    assert (a.webhook_url, a.webhook_digest) == (None, "weekly")  # nothing half-written


def test_any_host_still_refuses_loopback_and_private_addresses(app, world, db, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_HOSTS", "*")
    c = app.test_client()
    login(c, world.admin)
    data = form_data(_page(app, c, world.county_a), f"/robots/{world.county_a.id}")
    for url in (
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/x",
    ):
        resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, url=url))
        assert resp.status_code == 422 and "地址指向内网或本机" in resp.get_data(as_text=True), url
    # a host name that resolves to a private address is refused when it is called
    rules = robot_url.Rules.from_config(app.config)
    fake = lambda *a, **k: [(2, 1, 6, "", ("192.168.1.5", 443))]  # noqa: E731
    with pytest.raises(robot_url.Refused, match="192.168.1.5"):
        robot_url.resolve("robot.example.cn", 443, rules, getaddrinfo=fake)


def test_other_countys_officer_town_officer_and_firm_user_are_refused(app, world, db):
    from pipeline.services import departments

    town = departments.add_town(world.county_a, "新海街道", "street")
    from tests import factories as f

    town_officer = f.user("officer_t", "officer", county=world.county_a, node_id=town.id)
    db.session.commit()
    for user in (world.officer_b, town_officer, world.firm_user):
        c = app.test_client()
        login(c, user)
        assert fresh(app, c, "get", f"/robots/{world.county_a.id}").status_code == 404
        resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data={"url": WECOM, "mode": "instant"})
        assert resp.status_code == 404
        assert fresh(app, c, "post", f"/robots/{world.county_a.id}/test").status_code == 404
    assert _county(db, world.county_a.id).webhook_url is None
    c = app.test_client()  # the admin: any county, and the list of counties
    login(c, world.admin)
    html = _page(app, c, world.county_b)
    assert f'href="/robots/{world.county_a.id}"' in html


def test_no_csrf_token_no_write(app, world, db):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        login(c, world.officer)
        resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data={"url": WECOM, "mode": "instant"})
        assert resp.status_code in (400, 422)
        assert _county(db, world.county_a.id).webhook_url is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def local_robot(app, monkeypatch):
    """A robot on 127.0.0.1: allowed only with the intranet switch and the host listed."""
    yield from robot_server(app, monkeypatch)


def test_test_send_reaches_a_real_robot_and_failures_show_the_chinese_reason(app, world, db, local_robot):
    c = app.test_client()
    login(c, world.officer)
    data = form_data(_page(app, c, world.county_a), f"/robots/{world.county_a.id}")
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}", data=dict(data, url=local_robot))
    assert resp.status_code == 302
    html = _page(app, c, world.county_a)
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}/test", data=form_data(html, "/test"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "成功：群机器人已接收测试消息" in page and 'id="test-result"' in page
    ((path, body),) = zip(Robot.paths, Robot.received, strict=True)
    assert path == "/cgi-bin/webhook/send?key=test" and body["msgtype"] == "text"
    assert "测试消息" in body["text"]["content"] and "海州区" in body["text"]["content"]
    assert "海州专员" in body["text"]["content"]
    # the robot refuses (a WeCom errcode): its reason, in Chinese
    Robot.reply = {"errcode": 93000, "errmsg": "invalid webhook url"}
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}/test", data=form_data(html, "/test"))
    page = resp.get_data(as_text=True)
    assert "测试消息未送达：群机器人拒绝：errcode=93000" in page
    # nobody listens there any more: the connection is refused, said in Chinese, no class name
    port = int(local_robot.split(":")[2].split("/")[0])
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = local_robot.replace(str(port), str(s.getsockname()[1]))
    s.close()
    db.session.get(County, world.county_a.id).webhook_url = dead
    db.session.commit()
    resp = fresh(app, c, "post", f"/robots/{world.county_a.id}/test", data=form_data(html, "/test"))
    page = resp.get_data(as_text=True)
    assert "测试消息未送达：连接被拒绝" in page
    assert "ConnectionRefusedError" not in page and "Errno" not in page
    # without the intranet switch the same local address is refused by the rules, before any call
    app.config["WEBHOOK_ALLOW_INTRANET"] = False
    db.session.get(County, world.county_a.id).webhook_url = local_robot
    db.session.commit()
    n = len(Robot.received)
    page = fresh(app, c, "post", f"/robots/{world.county_a.id}/test", data=form_data(html, "/test")).get_data(
        as_text=True
    )
    assert "群机器人地址不可用：地址必须以 https:// 开头" in page and len(Robot.received) == n


def test_masked_hides_the_key():
    assert robot_url.masked(WECOM) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****5aaa"
    assert robot_url.masked("https://x.cn/hook/short?k=abc") == "https://x.cn/hook/short?k=****"
    assert robot_url.masked("") == ""
