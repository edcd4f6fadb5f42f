"""Issue 17 journeys: the language switch persists across pages and logins."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login, logout

pytestmark = pytest.mark.e2e


def test_language_switch_persists_across_pages_and_logins(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(live["url"] + "/login")
        page.click(".lang-switch button[value=en]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        login(page, live, "officer_b")
        expect(page.locator("nav.mainnav")).to_contain_text("Pool")
        page.click("nav.mainnav >> text=Kanban")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.screenshot(path=str(SHOTS / "lang_en_kanban.png"))
        logout(page)
    finally:
        ctx.close()
    # a new browser (no session): the account remembers English
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        login(page, live, "officer_b")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.click(".lang-switch button[value=zh]")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.click("nav.mainnav >> text=看板")
        expect(page.locator("h1")).to_contain_text("看板")
    finally:
        ctx.close()


def test_token_created_on_the_account_page_works_against_the_api_and_revoking_stops_it(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        login(page, live, "officer_a")
        page.click(".usermenu a.user-name")
        expect(page.locator("h1")).to_contain_text("我的账号")
        page.fill("#tk-name", "e2e 同步")
        page.click("form.token-form button[type=submit]")
        raw = page.locator("#new-token").inner_text().strip()
        assert raw.startswith("xsg_")
        page.screenshot(path=str(SHOTS / "account_token.png"), full_page=True)
        api = ctx.request.get(live["url"] + "/api/v1/firms", headers={"Authorization": f"Bearer {raw}"})
        assert api.status == 200 and "甲科技有限公司" in [i["name"] for i in api.json()["items"]]
        page.goto(live["url"] + "/account/")
        expect(page.locator("#new-token")).to_have_count(0)  # shown once
        page.on("dialog", lambda d: d.accept())
        page.locator("#token-table tr", has_text="e2e 同步").locator("button").click()
        expect(page.locator(".flash-success")).to_contain_text("已撤销")
        api = ctx.request.get(live["url"] + "/api/v1/firms", headers={"Authorization": f"Bearer {raw}"})
        assert api.status == 401
    finally:
        ctx.close()


def test_admin_lifts_a_lock_and_the_user_logs_in_again(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        for _ in range(live["app"].config["LOGIN_MAX_FAILURES"]):
            login(page, live, "firm_a", "Wrong@0000")
        login(page, live, "firm_a")
        expect(page.locator(".flash-danger")).to_be_visible()  # locked: the right password is refused
        login(page, live, "admin")
        page.goto(live["url"] + "/admin/")
        row = page.locator("tr", has_text="firm_a")
        expect(row).to_contain_text("因多次登录失败已锁定")
        row.locator("form[action$='/unlock'] button").click()  # the admin lifts the lock from the list
        new_password = PASSWORD
        expect(page.locator(".flash-success")).to_contain_text("firm_a")
        expect(page.locator("tr", has_text="firm_a")).not_to_contain_text("因多次登录失败已锁定")
        page.locator("tr", has_text="firm_a").locator("a[href$='/edit']").click()
        page.screenshot(path=str(SHOTS / "admin_user_edit.png"), full_page=True)
        logout(page)
        login(page, live, "firm_a", new_password)
        expect(page.locator("h1")).to_contain_text("甲科技有限公司")
    finally:
        ctx.close()
