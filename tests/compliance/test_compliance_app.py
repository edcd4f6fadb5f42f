"""Issue 16 through the app: stored watch, firm page, portal, pool, dashboard = API = PDF, 年报 journey,
re-certification year, a lapsed certificate, the 科小 cycle, and reminders created exactly once."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pipeline import clock
from pipeline.models import AnnualReport, AuditLog, ComplianceWatch, Firm, Reminder
from tests import factories as f
from tests.conftest import client_for

TODAY = clock.today()  # the views read the real date; every figure below is relative to it
Y = TODAY.year


def get(app, c, url):
    with app.app_context():
        return c.get(url)


def post(app, c, url, data):
    with app.app_context():
        return c.post(url, data=data)


@pytest.fixture
def city(db):
    """Two counties. 海州区: ``risky`` (certified, R&D below its band, 3.6% vs 4%), ``fine`` (certified,
    compliant), ``lapsed`` (certificate expired last month); 连云区: ``other`` (certified, below band)."""
    clock.set_today(TODAY)
    a = f.county("320706", "海州区")
    b = f.county("320703", "连云区")

    def certified(county, name, rds, cert=date(Y - 1, 11, 1), expiry=date(Y + 2, 10, 31), **kw):
        firm = f.firm(
            county,
            name,
            stage="certified",
            hnte_cert_no="GR000",
            hnte_cert_date=cert,
            hnte_cert_expiry=expiry,
            **kw,
        )
        for y, sales, rd in rds:
            f.year(firm, y, sales=sales, rd=rd, ht=int(sales * 0.7), staff=50, tech=8, is_estimate=(y == Y))
        f.ip(firm)
        return firm

    below = [(Y - 2, 4500, 160), (Y - 1, 4800, 170), (Y, 5200, 192)]  # 522 / 14500 = 3.6% < 4% → 58万
    risky = certified(a, "甲风险科技有限公司", below)
    fine = certified(a, "乙合规科技有限公司", [(Y - 2, 3000, 200), (Y - 1, 3000, 200), (Y, 3000, 200)])
    lapsed = certified(
        a, "丙过期科技有限公司", below, cert=date(Y - 3, 10, 1), expiry=TODAY - timedelta(days=30)
    )
    other = certified(b, "丁连云科技有限公司", below)
    officer = f.user("officer_a", "officer", county=a)
    admin = f.user("admin", "admin")
    firm_user = f.user("firm_a", "firm", county=a, firm=risky)
    # 年报 of the years passed for everyone, so only the R&D ratio speaks
    for firm in (risky, fine, other):
        for y in range(firm.hnte_cert_date.year + 1, Y + 1):
            f.db.session.add(
                AnnualReport(firm_id=firm.id, year=y, submitted=True, submitted_on=date(y, 5, 10))
            )
    f.db.session.flush()
    from pipeline.services import compliance

    compliance.refresh(TODAY)
    f.db.session.commit()
    yield type(
        "City",
        (),
        dict(
            a=a,
            b=b,
            risky=risky,
            fine=fine,
            lapsed=lapsed,
            other=other,
            officer=officer,
            admin=admin,
            firm_user=firm_user,
        ),
    )
    clock.set_today(None)


def test_stored_watch_and_the_reason_in_numbers(db, city):
    rows = {w.firm_id: w for w in db.session.scalars(select(ComplianceWatch))}
    assert set(rows) == {city.risky.id, city.fine.id, city.other.id}  # the lapsed certificate is not watched
    w = rows[city.risky.id]
    assert w.status == "at_risk" and w.codes == "rd_ratio"
    assert w.summary == f"{Y - 2}–{Y}年研发费用占比3.6%，低于4%；{Y}年需再投入约58万元"
    assert rows[city.fine.id].status == "ok"


def test_recomputed_when_figures_change(app, db, city):
    from pipeline.services import firms as firm_service

    firm_service.save_year(
        city.officer,
        db.session.get(Firm, city.risky.id),
        {
            "year": Y,
            "sales": 5200,
            "rd_total": 250,
            "rd_domestic": 250,
            "total_income": 5200,
            "hightech_income": 3640,
            "staff": 50,
            "tech_staff": 8,
            "is_estimate": True,
        },
        TODAY,
    )
    db.session.commit()
    assert db.session.get(ComplianceWatch, city.risky.id).status == "ok"  # 580 / 14500 = 4%


def test_firm_page_portal_and_pool_show_it(app, db, city):
    text = f"{Y - 2}–{Y}年研发费用占比3.6%，低于4%；{Y}年需再投入约58万元"
    officer = client_for(app, city.officer)
    assert text in get(app, officer, f"/firms/{city.risky.id}").get_data(as_text=True)
    portal = client_for(app, city.firm_user)
    assert text in get(app, portal, "/portal/").get_data(as_text=True)
    html = get(app, officer, "/pool/?compliance=at_risk").get_data(as_text=True)
    assert city.risky.name in html and city.fine.name not in html and city.other.name not in html
    lapsed = get(app, officer, f"/firms/{city.lapsed.id}").get_data(as_text=True)
    assert "no longer counts as certified" in lapsed or "不再计为有效高企" in lapsed


def _pdf_text(pdf: bytes, tmp_path) -> str:
    p = tmp_path / "b.pdf"
    p.write_bytes(pdf)
    return "".join(
        subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def test_dashboard_api_and_pdf_show_the_same_at_risk_count(app, db, city, tmp_path):
    from pipeline.reports.documents import render_briefing
    from pipeline.services.tokens import issue_token

    admin = client_for(app, city.admin)
    token = issue_token(city.admin, "测试")
    db.session.commit()  # services flush; the caller commits (issue 13)
    for county, expected in ((None, 2), (city.a, 1)):
        q = f"?county={county.id}" if county else ""
        html = get(app, admin, f"/dashboard/{q}").get_data(as_text=True)
        m = re.search(r"(\d+) firms\)|（(\d+)家", html[html.index('id="compliance-risk"') :])
        assert m and int(m.group(1) or m.group(2)) == expected
        with app.app_context():
            api = (
                app.test_client()
                .get(f"/api/v1/goals{q}", headers={"Authorization": f"Bearer {token}"})
                .get_json()
            )
        assert api["compliance"]["at_risk"] == expected
        if shutil.which("pdftotext"):
            text = _pdf_text(render_briefing(county, TODAY), tmp_path)
            assert "已认定企业合规风险" in text and f"存在合规风险{expected}家" in text
            assert city.risky.name in text


def test_annual_report_journey_posts_the_prefilled_form(app, db, city):
    firm = f.firm(
        city.a,
        "戊年报科技有限公司",
        stage="certified",
        hnte_cert_date=date(Y - 2, 11, 1),
        hnte_cert_expiry=date(Y + 1, 10, 31),
    )
    f.year(firm, Y - 1, sales=3000, rd=200)
    db.session.commit()
    from pipeline.services import compliance

    compliance.refresh(TODAY, [firm.id])
    db.session.commit()
    c = client_for(app, city.officer)
    html = get(app, c, f"/firms/{firm.id}").get_data(as_text=True)
    section = html[html.index('id="annual-reports"') :]
    forms = re.findall(
        r'<form method="post" class="inline-form" action="([^"]+)">(.*?)</form>', section, re.S
    )
    assert len(forms) == 2  # the 年报 years Y-1 and Y
    action, body = forms[-1]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body))
    assert fields["year"] == str(Y) and fields["version"] == ""
    before = db.session.get(Firm, firm.id).updated_at
    data = {**fields, "submitted": "y", "submitted_on": f"{Y}-05-20"}
    resp = post(app, c, action, data)
    assert resp.status_code == 302
    row = db.session.scalars(
        select(AnnualReport).where(AnnualReport.firm_id == firm.id, AnnualReport.year == Y)
    ).one()
    assert row.submitted and row.submitted_on == date(Y, 5, 20) and row.note is None
    assert db.session.get(Firm, firm.id).updated_at == before  # nothing the officer did not change
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "annual_report")
        )
        == 1
    )
    # The same (now stale) form again is refused and changes nothing.
    post(app, c, action, {**data, "submitted_on": f"{Y}-05-21"})
    db.session.expire_all()
    assert db.session.get(AnnualReport, row.id).submitted_on == date(Y, 5, 20)
    # A year with no 年报 due is refused with the field named.
    resp = post(app, c, action, {**data, "year": str(Y + 3), "version": ""})
    assert (
        db.session.scalar(
            select(func.count()).select_from(AnnualReport).where(AnnualReport.firm_id == firm.id)
        )
        == 1
    )


def test_missed_annual_report_and_revocation_risk(db, city):
    from pipeline.services import compliance

    firm = f.firm(
        city.a,
        "己漏报科技有限公司",
        stage="certified",
        hnte_cert_date=date(Y - 2, 11, 1),
        hnte_cert_expiry=date(Y + 1, 10, 31),
    )
    for y in (Y - 2, Y - 1, Y):
        f.year(firm, y, sales=3000, rd=200)
    db.session.add(AnnualReport(firm_id=firm.id, year=Y - 1, submitted=False))
    db.session.commit()
    day = date(Y, 6, 2)  # after this year's deadline (31 May or the next workday)
    compliance.refresh(day, [firm.id])
    w = db.session.get(ComplianceWatch, firm.id)
    # one year recorded as not submitted: a risk; this year's, unrecorded, is a note to verify
    assert w.status == "at_risk" and w.codes == "annual_report_missed" and w.reports_missed == 1
    assert any(f"{Y}年年报已过截止日期，尚未登记是否填报" in n for n in w.notes)
    db.session.add(AnnualReport(firm_id=firm.id, year=Y, submitted=False))  # recorded: not submitted either
    db.session.commit()
    compliance.refresh(day, [firm.id])
    w = db.session.get(ComplianceWatch, firm.id)
    assert w.status == "at_risk" and w.codes == "annual_report_revocation" and w.reports_missed == 2


def test_recertification_year_on_the_page_and_dashboard(app, db, city):
    firm = f.firm(
        city.a,
        "庚到期科技有限公司",
        stage="certified",
        hnte_cert_date=date(Y - 3, 12, 31),
        hnte_cert_expiry=date(Y, 12, 30),
    )
    db.session.commit()
    from pipeline.services.goals import expiring_this_year, goal_scope

    scope = goal_scope(city.admin)
    ey = expiring_this_year(scope.where, TODAY)
    assert ey["total"] == 1 and ey["reapplying"] + ey["not_yet"] == 1
    html = get(app, client_for(app, city.officer), f"/firms/{firm.id}").get_data(as_text=True)
    assert 'id="recert"' in html


def test_new_reminders_are_created_once(db, city):
    from pipeline.reminders.scan import run_scan

    firm = f.firm(city.a, "辛科小科技有限公司", stage="pool", tsme_reg_no="2025320706A0001", tsme_year=Y - 1)
    cert = f.firm(
        city.a,
        "壬漏报科技有限公司",
        stage="certified",
        hnte_cert_date=date(Y - 2, 11, 1),
        hnte_cert_expiry=date(Y + 1, 10, 31),
    )
    db.session.add(AnnualReport(firm_id=cert.id, year=Y - 1, submitted=False))
    db.session.add(AnnualReport(firm_id=cert.id, year=Y, submitted=False))
    db.session.commit()
    from pipeline.services import compliance

    compliance.refresh(date(Y, 6, 2))
    db.session.commit()
    day = date(Y, 6, 2)
    first = run_scan(day)
    assert {"annual_report_missed", "annual_report_revocation", "compliance_risk"} <= set(first.by_rule)
    assert run_scan(day).created == 0
    before_window = date(Y, 5, 20)  # the 科小 window opens on 1 June: 12 days ahead
    r = run_scan(before_window)
    assert r.by_rule.get("tsme_window", 0) > 0
    assert run_scan(before_window).created == 0
    run_scan(date(Y, 3, 20))  # a registered 科小 before its end-of-March renewal
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.rule == "tsme_update", Reminder.firm_id == firm.id)
        )
        > 0
    )
    assert run_scan(date(Y, 3, 20)).created == 0
    keys = db.session.scalars(select(Reminder.dedupe_key)).all()
    assert len(keys) == len(set(keys))


def test_digest_and_health_page_show_the_compliance_risk(app, db, city):
    from pipeline.reminders.digest import run_digest
    from pipeline.reminders.scan import run_scan

    run_digest(TODAY)
    body = db.session.scalars(
        select(Reminder.body).where(Reminder.rule == "digest", Reminder.county_id == city.a.id)
    ).first()
    assert "已认定企业合规风险（1家，其中年报逾期0家）" in body and city.risky.name in body
    run_scan(TODAY)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.rule == "compliance_risk")
        )
        > 0
    )
    html = get(app, client_for(app, city.admin), "/admin/reminders/").get_data(as_text=True)
    assert "已认定企业合规风险" in html
