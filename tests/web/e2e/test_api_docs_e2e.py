"""Issue 17: the API documentation page renders in Chromium with no CSP violation."""

from __future__ import annotations

import pytest

from tests.web.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_the_operations(page, live):
    from playwright.sync_api import expect

    page.goto(live["url"] + "/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15000)
    expect(page.locator("#swagger-ui")).to_contain_text("/firms")
    page.screenshot(path=str(SHOTS / "api_docs.png"))
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
