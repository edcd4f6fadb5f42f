"""Two journeys in headless chromium: an officer's working day and a firm user's look at its roadmap."""

from __future__ import annotations

import re

import pytest

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


def test_officer_filters_opens_a_firm_sees_gaps_and_moves_a_milestone(page, live):
    from playwright.sync_api import expect

    login(page, live, "officer_a")
    expect(page.locator("h1")).to_contain_text("培育库")
    page.screenshot(path=str(SHOTS / "01_pool.png"), full_page=True)
    page.fill("input[name=q]", "甲科技")
    page.click("form.filters button[type=submit]")
    rows = page.locator("#pool-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("甲科技有限公司")
    page.screenshot(path=str(SHOTS / "02_pool_filtered.png"), full_page=True)
    page.click("text=甲科技有限公司")
    expect(page.locator("h1")).to_contain_text("甲科技有限公司")
    expect(page.locator("#gaps")).to_be_visible()
    gaps = page.locator("ul.gaps li")
    assert gaps.count() > 0
    expect(gaps.first).to_contain_text(re.compile(r"\S"))
    page.screenshot(path=str(SHOTS / "03_firm.png"), full_page=True)
    milestone = page.locator("ol.timeline li.ms").first
    if milestone.count() == 0:
        pytest.skip("no milestone planned for the firm")
    title = milestone.locator(".ms-title").inner_text()
    milestone.locator("select[name=status]").select_option("done")
    milestone.locator("input[name=evidence_note]").fill("已取得受理通知书")
    milestone.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("已更新为“已完成”")
    expect(page.locator("ol.timeline li.ms-done").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "04_milestone_done.png"), full_page=True)
    assert title
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_firm_user_sees_its_roadmap_and_cannot_open_another_firm(page, live):
    from playwright.sync_api import expect

    login(page, live, "firm_a")
    expect(page.locator("h1")).to_contain_text("甲科技有限公司")
    expect(page.locator("#roadmap h2")).to_contain_text("培育路线图")
    expect(page.locator("#assessment")).to_contain_text("认定条件")
    page.screenshot(path=str(SHOTS / "05_portal.png"), full_page=True)
    resp = page.goto(f"{live['url']}/firms/{live['ids']['same']}")
    assert resp.status == 404
    expect(page.locator("body")).to_contain_text("未找到")
    page.screenshot(path=str(SHOTS / "06_firm_404.png"))
    resp = page.goto(f"{live['url']}/firms/{live['ids']['other']}")
    assert resp.status == 404
    resp = page.goto(f"{live['url']}/pool/")
    assert resp.status == 404


def test_login_page_and_kanban_look(page, live):
    from playwright.sync_api import expect

    page.goto(live["url"] + "/login")
    page.screenshot(path=str(SHOTS / "00_login.png"))
    login(page, live, "officer_a")
    page.goto(live["url"] + "/pool/kanban")
    expect(page.locator(".kanban-col")).to_have_count(8)
    page.screenshot(path=str(SHOTS / "07_kanban.png"), full_page=True)
