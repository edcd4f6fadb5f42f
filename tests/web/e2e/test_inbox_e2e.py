"""Issue 17 journey: a firm submits figures, the officer finds them in the inbox, accepts inline, they disappear."""

from __future__ import annotations

import pytest

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


def test_submission_appears_in_the_inbox_is_reviewed_and_disappears(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    try:
        login(page, live, "firm_a")
        page.goto(live["url"] + "/portal/figures")
        page.fill("input[name=sales]", "3900")
        page.fill("input[name=rd_total]", "330")
        page.click("form button[type=submit].btn-primary")
        expect(page.locator(".flash-success")).to_be_visible()
        page.goto(live["url"] + "/inbox/")
        expect(page.locator("#inbox-submission")).to_contain_text("已报送，待审核")
        page.click("form[action$='/logout'] button")

        login(page, live, "officer_a")
        nav = page.locator("#nav-inbox")
        expect(nav.locator(".nav-count")).to_be_visible()
        before = int(nav.locator(".nav-count").inner_text())
        nav.click()
        item = page.locator("#inbox-submission li.inbox-item").filter(has_text="甲科技有限公司")
        expect(item).to_have_count(1)
        page.screenshot(path=str(SHOTS / "inbox_officer.png"), full_page=True)
        item.locator("button[value=accept]").click()
        expect(page.locator(".flash-success")).to_contain_text("已接受")
        expect(
            page.locator("#inbox-submission li.inbox-item").filter(has_text="甲科技有限公司")
        ).to_have_count(0)
        after = page.locator("#nav-inbox .nav-count")
        assert (int(after.inner_text()) if after.count() else 0) == before - 1
        page.screenshot(path=str(SHOTS / "inbox_after_review.png"), full_page=True)
    finally:
        ctx.close()
