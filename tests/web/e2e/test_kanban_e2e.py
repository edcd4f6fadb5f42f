"""Issue 17: the kanban in Chromium: a card dragged to another column asks for the reason, moves,
and shows the move (who, when, why); the county filter applies without a click; the select way too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


def _stage_and_last_move(live, firm_id):
    from pipeline.extensions import db
    from pipeline.models import Firm, StageChange

    with live["app"].app_context():
        stage = db.session.get(Firm, firm_id).stage
        last = db.session.scalars(
            select(StageChange).where(StageChange.firm_id == firm_id).order_by(StageChange.id.desc())
        ).first()
        out = (stage, last.to_stage if last else None, last.reason if last else None)
        db.session.remove()
        return out


def test_drag_a_card_with_a_reason_and_move_by_select(page, live):
    from playwright.sync_api import expect

    own = live["ids"]["own"]
    login(page, live, "admin")
    page.goto(live["url"] + "/pool/kanban")
    # the county filter applies on change, no button
    page.select_option("select[name=county]", label="海州区")
    page.wait_for_url("**/pool/kanban?county=*")
    card = page.locator(f".kcard[data-firm-id='{own}']")
    expect(card).to_be_visible()
    expect(page.locator(f".kcard[data-firm-id='{live['ids']['other']}']")).to_have_count(0)  # 连云区
    start = card.get_attribute("data-stage")
    target = "coaching" if start != "coaching" else "to_apply"
    expect(card.locator(".kcard-verdict")).not_to_be_empty()
    card.drag_to(page.locator(f".kanban-col[data-stage='{target}']"))
    dialog = page.locator("#kanban-reason")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-what]")).to_contain_text("甲科技有限公司 →")
    # an empty reason is refused in the dialog, nothing moves
    dialog.locator("button[value=ok]").click()
    expect(dialog.locator("[data-required]")).to_be_visible()
    assert _stage_and_last_move(live, own)[0] == start
    dialog.locator("textarea").fill("已签订辅导协议")
    page.screenshot(path=str(SHOTS / "kanban_drag_reason.png"))
    dialog.locator("button[value=ok]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    assert "county=" in page.url  # back to the same county
    moved = page.locator(f".kanban-col[data-stage='{target}'] .kcard[data-firm-id='{own}']")
    expect(moved).to_be_visible()
    expect(moved.locator(".kcard-move")).to_contain_text("已签订辅导协议")
    expect(moved.locator(".kcard-move")).to_contain_text("市局管理员")
    assert _stage_and_last_move(live, own) == (target, target, "已签订辅导协议")
    page.screenshot(path=str(SHOTS / "kanban_after_drag.png"), full_page=True)
    # the keyboard way: the card's Move menu with a select and the reason
    moved.locator("summary").focus()
    page.keyboard.press("Enter")
    moved.locator("select[name=stage]").select_option(start)
    moved.locator("input[name=reason]").fill("协议暂缓")
    moved.locator("input[name=reason]").press("Enter")
    page.wait_for_load_state()
    expect(page.locator(f".kanban-col[data-stage='{start}'] .kcard[data-firm-id='{own}']")).to_be_visible()
    assert _stage_and_last_move(live, own) == (start, start, "协议暂缓")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
