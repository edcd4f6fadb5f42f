"""Issue 13: every page lists the counties in the one county order, ``scope.COUNTY_ORDER`` (sort, then id).

Before, the admin's account form ordered by ``sort`` only (ties in whatever order the database gave)
and the planning page by (sort, code); the world's two counties tie on ``sort`` and their codes run
against their ids (海州区 320706 was made first, 连云区 320703 second), so each page below would
have put 连云区 first. A third county with a lower ``sort`` shows that ``sort`` comes first.
"""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.conftest import login
from tests.web.conftest import page_html

EXPECTED = ["赣榆区", "海州区", "连云区"]  # sort -1, then ids 1 and 2 (sort 0)


@pytest.fixture
def third(world, db):
    county = f.county("320707", "赣榆区")
    county.sort = -1
    db.session.commit()
    return county


def _in_order(html: str, names=EXPECTED) -> list[str]:
    """The names as they first appear in ``html``."""
    found = {n: html.find(n) for n in names}
    assert all(i >= 0 for i in found.values()), found
    return sorted(names, key=found.get)


def _select(html: str, name: str) -> str:
    m = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, name
    return m.group(1)


@pytest.mark.parametrize(
    "url,part",
    [
        ("/admin/", lambda html: _select(html, "county")),
        ("/admin/briefings/", lambda html: _select(html, "county")),
        ("/dashboard/targets", lambda html: _select(html, "county")),
        ("/dashboard/", lambda html: _select(html, "county")),
        ("/dashboard/splits", lambda html: _select(html, "county")),
        ("/dashboard/workload", lambda html: _select(html, "county")),
        ("/reports/", lambda html: html),
        ("/robots/", lambda html: re.search(r'<nav class="subnav"[^>]*>(.*?)</nav>', html, re.S).group(1)),
    ],
)
def test_every_admin_page_lists_the_counties_by_sort_then_id(app, world, third, url, part):
    client = app.test_client()
    login(client, world.admin)
    resp = client.get(url, follow_redirects=True)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    assert _in_order(part(html)) == EXPECTED


def test_the_planning_pages_fast_track_table_is_in_the_county_order(app, world, third):
    client = app.test_client()
    login(client, world.admin)
    html = page_html(app, client, "/admin/planning/")
    ids = re.findall(r'action="/admin/planning/counties/(\d+)', html)
    assert ids == [str(third.id), str(world.county_a.id), str(world.county_b.id)]


def test_an_officer_sees_only_their_county_on_the_reports_page(app, world, third):
    client = app.test_client()
    login(client, world.officer)
    html = page_html(app, client, "/reports/")
    assert "海州区" in html and "连云区" not in html and "赣榆区" not in html
