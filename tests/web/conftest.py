"""A small city for the web tests: two counties, three firms, one user of each kind, real assessments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pipeline import clock
from pipeline.models import County, Firm, User
from tests import factories as f

TODAY = clock.today()


@dataclass
class World:
    county_a: County
    county_b: County
    own: Firm  # the firm user's firm, county A
    same: Firm  # another firm in county A
    other: Firm  # a firm in county B
    firm_user: User
    officer: User  # county A
    officer_b: User  # county B
    admin: User


def last_year() -> int:
    """The last fiscal year of the window the next application batch looks at."""
    from pipeline.services.profiles import next_application_date

    return next_application_date(TODAY).year - 1


def _figures(firm):
    y = last_year() + 1
    for i, yr in enumerate(range(y - 3, y)):
        f.year(firm, yr, sales=3000 + 300 * i, rd=110 + 10 * i, ht=2000 + 200 * i, staff=60, tech=5)
    f.ip(firm, "utility_model", title="一种输送装置")
    f.evidence(firm, "rules", "accounting")


def build_world(db) -> World:
    a = f.county("320706", "海州区")
    b = f.county("320703", "连云区")
    own = f.firm(a, "甲科技有限公司")
    same = f.firm(a, "乙智能装备有限公司")
    other = f.firm(b, "丙新材料有限公司")
    for firm in (own, same, other):
        _figures(firm)
    w = World(
        a,
        b,
        own,
        same,
        other,
        firm_user=f.user("firm_a", "firm", county=a, firm=own, display_name="甲公司联系人"),
        officer=f.user("officer_a", "officer", county=a, display_name="海州专员"),
        officer_b=f.user("officer_b", "officer", county=b, display_name="连云专员"),
        admin=f.user("admin", "admin", display_name="市局管理员"),
    )
    from pipeline.services.assessments import refresh_firms

    refresh_firms([own.id, same.id, other.id], TODAY)
    try:
        from pipeline.services.roadmaps import regenerate
    except ImportError:  # pragma: no cover
        regenerate = None
    if regenerate is not None:
        regenerate([own.id, same.id, other.id], TODAY, None)
    db.session.commit()
    return w


@pytest.fixture
def world(db) -> World:
    return build_world(db)


def fresh(app, client, method: str, url: str, **kw):
    """Make a request in its own app context, as a real request would (no ``g`` or session left over)."""
    with app.app_context():
        return getattr(client, method)(url, **kw)


def page_html(app, client, url: str) -> str:
    """A page that must answer 200, as text (a fresh request)."""
    resp = fresh(app, client, "get", url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)
