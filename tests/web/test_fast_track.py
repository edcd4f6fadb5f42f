"""i14: a county's 预审 fast track is admin data; the planner uses the fast-track lead times only for
firms of such a county, and the plan says so."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pipeline.extensions import db as sa_db
from pipeline.models import AuditLog, Conversion, County
from tests import factories as f
from tests.conftest import login
from tests.web.formdata import form_data

TODAY = date(2026, 12, 1)


def _firm_without_ip(county):
    firm = f.firm(
        county,
        registered_on=date(2018, 4, 1),
        tech_domain="80402",
        grade_advancement="A",
        grade_core_support="A",
    )
    for y, sales in ((2023, 2500), (2024, 3000), (2025, 3600), (2026, 4500)):
        f.year(
            firm,
            y,
            sales=sales,
            rd=sales * 0.06,
            staff=60,
            tech=12,
            ht=sales * 0.8,
            net_assets=1000 * (y - 2020),
        )
    for y in (2023, 2024, 2025, 2026):
        for i in range(5):
            sa_db.session.add(Conversion(firm_id=firm.id, year=y, title=f"成果{y}-{i}"))
    f.evidence(firm, *f.RD_PIECES)
    return firm


def _um(plan_dict):
    return [m for m in plan_dict["milestones"] if m["code"] == "ip.file.utility_model"][0]


def test_admin_ticks_a_countys_fast_track_through_the_form_and_only_its_firms_plan_with_it(client, db):
    from pipeline.services.roadmaps import plan_firms

    a = f.county("320706", "海州区")
    b = f.county("320707", "赣榆区")
    admin = f.user("admin1", "admin")
    officer = f.user("off1", "officer", county=a)
    fa, fb = _firm_without_ip(a), _firm_without_ip(b)
    db.session.commit()

    login(client, admin)
    page = client.get("/admin/planning/").get_data(as_text=True)
    assert "县区知识产权预审快速通道" in page
    action = f"/admin/planning/counties/{a.id}/fast-track"
    data = form_data(page, action)
    assert data.get("was") == "0" and "fast_track" not in data  # default off
    # posted back as the page pre-filled it: nothing changes, nothing audited
    assert client.post(action, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(County, a.id).ip_fast_track is False
    assert not db.session.scalars(select(AuditLog).where(AuditLog.entity == "county")).all()
    # tick it
    client.post(action, data=dict(data, fast_track="y"))
    db.session.expire_all()
    assert db.session.get(County, a.id).ip_fast_track is True
    assert db.session.get(County, b.id).ip_fast_track is False  # the other county untouched
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "county")).one()
    assert (audit.entity_id, audit.before, audit.after) == (
        a.id,
        {"ip_fast_track": False},
        {"ip_fast_track": True},
    )
    page = client.get("/admin/planning/").get_data(as_text=True)
    data = form_data(page, action)
    assert data == dict(data, was="1", fast_track="y")
    client.post(action, data=data)  # re-posted as is: unchanged
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.entity == "county")).all()) == 1
    # a stale form (showed "off", but it is on now) is refused, nothing changes
    r = client.post(action, data={"was": "0"}, follow_redirects=True)
    assert "请刷新页面后重试" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(County, a.id).ip_fast_track is True

    # the planner: the firm of 海州区 plans with the 2-month utility-model fast track, the other not
    planned, _cal, _lts = plan_firms([fa.id, fb.id], TODAY)
    fast, slow = planned[fa.id][1].to_dict(), planned[fb.id][1].to_dict()
    # fast: filed by today + 1 month = 2027-01-01, + 2 months = 2027-03-01 ≤ 2027-05-31 → 2027-1
    um = _um(fast)
    assert fast["target"]["batch"] == "2027-1"
    assert (
        um["due"] == "2027-01-01" and "预计2027-03-01前授权" in um["title"] and "预审快速通道" in um["title"]
    )
    # slow: 2027-01-01 + 10 months = 2027-11-01, after every 2027 cutoff → 2028-1, no 预审 text
    um = _um(slow)
    assert slow["target"]["batch"] == "2028-1"
    assert um["due"] == "2027-01-01" and "预计2027-11-01前授权" in um["title"] and "预审" not in um["title"]

    # officers cannot change it
    client.get("/logout")
    login(client, officer)
    assert client.post(action, data={"was": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(County, a.id).ip_fast_track is True
