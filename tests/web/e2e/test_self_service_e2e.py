"""Issue 17 journeys: the language switch persists across pages and logins."""
from __future__ import annotations

import pytest

from tests.web.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e
PASSWORD = "Test@12345"


def _login(page, live, username, password=PASSWORD):
    page.goto(live["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action$='/login'] button[type=submit]")
    page.wait_for_load_state()


def _logout(page):
    page.click("form[action$='/logout'] button")
    page.wait_for_load_state()


def test_language_switch_persists_across_pages_and_logins(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(live["url"] + "/login")
        page.click(".lang-switch button[value=en]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        _login(page, live, "officer_b")
        expect(page.locator("nav.mainnav")).to_contain_text("Pool")
        page.click("nav.mainnav >> text=Kanban")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.screenshot(path=str(SHOTS / "lang_en_kanban.png"))
        _logout(page)
    finally:
        ctx.close()
    # a new browser (no session): the account remembers English
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        _login(page, live, "officer_b")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.click(".lang-switch button[value=zh]")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.click("nav.mainnav >> text=看板")
        expect(page.locator("h1")).to_contain_text("看板")
    finally:
        ctx.close()
