"""Issue 17: print styles: the firm page (with its roadmap) and the portal print as content only."""

from __future__ import annotations

import pytest

from tests.web.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e
PASSWORD = "Test@12345"


def _login(page, live, username):
    page.goto(live["url"] + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action$='/login'] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("who,url", [("officer_a", "/firms/{own}"), ("firm_a", "/portal/")])
def test_printed_page_has_no_navigation_or_forms_and_fits_the_paper(page, live, who, url):
    _login(page, live, who)
    page.goto(live["url"] + url.format(**live["ids"]))
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.topbar', '.tabs', 'form button', '.footer'].map(s =>
             [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))"""
    )
    assert hidden == [True, True, True, True]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("h1").first.is_visible()
    page.screenshot(path=str(SHOTS / f"print_{who}.png"), full_page=True)
    pdf = page.pdf(format="A4")  # Chromium's own print: it renders
    assert pdf[:4] == b"%PDF"
