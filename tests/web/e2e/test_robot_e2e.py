"""Issue 17: a county officer sets the group robot in the browser and sends a test message that a real
local robot (http.server) receives; the result is shown in Chinese."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


class _Robot(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        _Robot.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        body = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_officer_sets_the_robot_and_the_test_message_arrives(browser, live):
    from playwright.sync_api import expect

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = live["app"].config
    saved = {k: cfg.get(k) for k in ("WEBHOOK_HOSTS", "WEBHOOK_ALLOW_INTRANET")}
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        login(page, live, "officer_a")
        page.goto(live["url"] + "/account/")
        page.click("#robot-link")
        expect(page.locator("h1")).to_contain_text("海州区群机器人")
        # the default rules refuse a local address, on the field
        page.fill("input[name=url]", "http://127.0.0.1:9/hook")
        page.click("#robot button.btn-primary")
        expect(page.locator("#robot .field-error")).to_contain_text("https://")
        cfg.update(WEBHOOK_HOSTS="127.0.0.1", WEBHOOK_ALLOW_INTRANET=True)  # an intranet robot gateway
        url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=e2e"
        page.fill("input[name=url]", url)
        page.select_option("select[name=mode]", "daily")
        page.click("#robot button.btn-primary")
        expect(page.locator(".flash-success").first).to_contain_text("已保存")
        expect(page.locator("input[name=url]")).to_have_value(url)
        page.click("#robot-test button[type=submit]")
        expect(page.locator("#test-result")).to_contain_text("成功")
        assert len(_Robot.received) == 1 and "测试消息" in _Robot.received[0]["text"]["content"]
        page.screenshot(path=str(SHOTS / "robot_settings_test_sent.png"), full_page=True)
        assert [e for e in errors if "422" not in e] == [], errors  # the refused URL's page is a 422
    finally:
        cfg.update(saved)
        ctx.close()
        server.shutdown()
        server.server_close()
