"""Issue 17: in an en-US Chromium (whose ``type=date`` shows mm/dd/yyyy) a date is shown and typed as
YYYY-MM-DD, and a date in another spelling gets the message naming the field."""

from __future__ import annotations

import re

import pytest

from pipeline import clock
from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


def test_an_en_us_browser_shows_and_takes_dates_as_yyyy_mm_dd(browser, live):
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        assert page.evaluate("() => navigator.language") == "en-US"
        login(page, live, "officer_a")
        own = live["ids"]["own"]
        page.goto(f"{live['url']}/firms/{own}/edit")
        field = page.locator("input[name=registered_on]")
        expect(field).to_have_attribute("type", "text")
        expect(field).to_have_attribute("placeholder", "YYYY-MM-DD")
        expect(field).to_have_value("2015-03-01")  # as stored, not 03/01/2015
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", field.input_value())
        field.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "dates_en_us_prefilled.png"))
        # a date typed as the placeholder says is taken
        field.fill("")
        field.type("2016-04-07")
        page.click("form button.btn-primary[type=submit]")
        page.wait_for_load_state()
        assert page.url.rstrip("/").endswith(f"/firms/{own}") or f"/firms/{own}#" in page.url
        expect(page.locator("main")).to_contain_text("2016-04-07")
        # a US-style date is refused with the field's name and an example from today
        page.goto(f"{live['url']}/firms/{own}/edit")
        label = page.locator("label[for=registered_on]").inner_text().strip().rstrip("*")
        field = page.locator("input[name=registered_on]")
        field.fill("04/07/2016")
        page.click("form button.btn-primary[type=submit]")
        page.wait_for_load_state()
        err = page.locator(".field-error").first
        expect(err).to_contain_text(label)
        expect(err).to_contain_text("YYYY-MM-DD")
        expect(err).to_contain_text(clock.today().isoformat())
        expect(page.locator("input[name=registered_on]")).to_have_value("04/07/2016")
        page.screenshot(path=str(SHOTS / "dates_en_us_bad_date.png"))
        page.goto(f"{live['url']}/firms/{own}")
        expect(page.locator("main")).to_contain_text("2016-04-07")  # unchanged by the refused form
        assert not errors, errors
    finally:
        ctx.close()
