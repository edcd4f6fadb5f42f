"""Issue 17: print styles: the firm page (with its roadmap) and the portal print as content only."""

from __future__ import annotations

import pytest

from tests.web.e2e.conftest import SHOTS
from tests.web.e2e.helpers import login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("who,url", [("officer_a", "/firms/{own}"), ("firm_a", "/portal/")])
def test_printed_page_has_no_navigation_or_forms_and_fits_the_paper(page, live, who, url):
    login(page, live, who)
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
