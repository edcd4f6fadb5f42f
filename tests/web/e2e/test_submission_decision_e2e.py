"""Issue 11 in Chromium: the firm submits figures → the officer is notified (bell and inbox) → the
officer reviews the diff and accepts one field → the firm is notified and sees the decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login, logout

pytestmark = pytest.mark.e2e


def _deliver(live):
    """What the scheduler process does every few seconds: send the in-app deliveries."""
    from pipeline.extensions import db
    from pipeline.reminders.deliver import deliver_pending

    with live["app"].app_context():
        deliver_pending(channels_only=("inapp",))
        db.session.remove()


def _year(live, year):
    from pipeline.extensions import db
    from pipeline.models import FiscalYear

    with live["app"].app_context():
        fy = db.session.scalars(
            select(FiscalYear).where(FiscalYear.firm_id == live["ids"]["own"], FiscalYear.year == year)
        ).one()
        out = {k: getattr(fy, k) for k in FiscalYear.FIELDS}
        db.session.remove()
        return out


def test_firm_submits_officer_accepts_one_field_firm_sees_the_decision(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        # 1. The firm opens 报送数据 (pre-filled with the year's figures) and changes two of them.
        login(page, live, "firm_a")
        page.goto(live["url"] + "/portal/figures")
        year = int(page.input_value("input[name=year]"))
        before = _year(live, year)
        assert Decimal(page.input_value("input[name=sales]")) == before["sales"]  # pre-filled
        page.fill("input[name=sales]", "3999")
        page.fill("input[name=rd_total]", "333")
        page.click("form button[type=submit].btn-primary")
        expect(page.locator(".flash-success")).to_be_visible()
        logout(page)

        # 2. The officer is notified: the bell counts it, the notification names the firm.
        _deliver(live)
        login(page, live, "officer_a")
        expect(page.locator("a.bell .bell-count")).to_be_visible()
        page.click("a.bell")
        notice = page.locator("li.notice").filter(has_text="甲科技有限公司").first
        expect(notice).to_contain_text("企业报送新数据")
        page.screenshot(path=str(SHOTS / "submission_officer_notified.png"), full_page=True)
        notice.locator("input[name=open] ~ button").click()  # 查看详情 → the firm page's submissions
        page.wait_for_load_state()

        # 3. The diff: current against submitted, both changed fields marked; accept only sales.
        sub = page.locator("#submissions .submission").first
        changed = sub.locator("tr.diff")
        expect(changed).to_have_count(2)
        expect(sub).to_contain_text("3999")
        expect(sub).to_contain_text("已修改")
        sub.locator("input[name=fields][value=rd_total]").uncheck()
        sub.locator("select[name=decision]").select_option("accept_selected")
        page.screenshot(path=str(SHOTS / "submission_review_one_field.png"), full_page=True)
        sub.locator("button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(".flash-success")).to_contain_text("1")
        after = _year(live, year)
        assert after["sales"] == Decimal("3999") and after["rd_total"] == before["rd_total"]
        assert {k: v for k, v in after.items() if k != "sales"} == {
            k: v for k, v in before.items() if k != "sales"
        }
        logout(page)

        # 4. The firm is notified of the decision and sees it on its portal.
        _deliver(live)
        login(page, live, "firm_a")
        expect(page.locator("a.bell .bell-count")).to_be_visible()
        page.click("a.bell")
        expect(page.locator("li.notice").first).to_contain_text("报送数据审核结果")
        page.goto(live["url"] + "/portal/#submissions")
        row = page.locator("#submissions tbody tr").first
        expect(row).to_contain_text("部分采纳")
        expect(row).to_contain_text("销售收入")  # the accepted field by its label, never its key
        expect(row).not_to_contain_text("sales")
        page.screenshot(path=str(SHOTS / "submission_firm_decision.png"), full_page=True)
        assert not errors, errors
    finally:
        ctx.close()
