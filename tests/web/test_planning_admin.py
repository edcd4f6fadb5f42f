"""The city admin edits the application calendar and lead times; nobody else can."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pipeline.models import ApplicationBatch, AuditLog, LeadTime
from tests import factories as f
from tests.conftest import login


def _users(db):
    county = f.county()
    admin = f.user("admin1", "admin")
    officer = f.user("off1", "officer", county=county)
    db.session.commit()
    return admin, officer


def test_admin_adds_edits_and_deletes_a_batch_with_audit(client, db):
    admin, _ = _users(db)
    login(client, admin)
    r = client.post(
        "/admin/planning/batches/new",
        data={"code": "2027-1", "year": "2027", "cutoff": "2027-05-29", "note": "苏高企协办〔2027〕1号"},
    )
    assert r.status_code == 302
    batch = db.session.scalars(select(ApplicationBatch)).one()
    assert batch.cutoff == date(2027, 5, 29)
    page = client.get("/admin/planning/").get_data(as_text=True)
    assert "2027-1" in page and "2027-05-29" in page
    client.post(
        f"/admin/planning/batches/{batch.id}", data={"code": "2027-1", "year": "2027", "cutoff": "2027-06-05"}
    )
    db.session.expire_all()
    assert db.session.get(ApplicationBatch, batch.id).cutoff == date(2027, 6, 5)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "application_batch")).all()
    assert [a.action for a in audit] == ["create", "update"]
    assert audit[1].before == {"cutoff": "2027-05-29"} and audit[1].after == {"cutoff": "2027-06-05"}
    client.post(f"/admin/planning/batches/{batch.id}/delete")  # asks first (issue 11)
    assert db.session.scalars(select(ApplicationBatch)).first() is not None
    client.post(f"/admin/planning/batches/{batch.id}/delete", data={"confirmed": "yes"})
    assert db.session.scalars(select(ApplicationBatch)).first() is None


def test_bad_batch_input_is_named_in_chinese_and_nothing_is_saved(client, db):
    admin, _ = _users(db)
    login(client, admin)
    r = client.post(
        "/admin/planning/batches/new", data={"code": "第一批", "year": "2027", "cutoff": "2027-13-01"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "批次编号格式如 2027-1" in html and "截止日期" in html
    r = client.post(
        "/admin/planning/batches/new",
        data={"code": "2027-1", "year": "2027", "cutoff": "2027-05-31", "opens_on": "2027-06-30"},
    )
    assert "开始受理日期不能晚于截止日期" in r.get_data(as_text=True)
    assert db.session.scalars(select(ApplicationBatch)).first() is None


def test_lead_time_edit_changes_what_the_planner_uses(client, db):
    from pipeline.services.roadmaps import planner_lead_times

    admin, _ = _users(db)
    login(client, admin)
    client.post(
        "/admin/planning/lead-times/utility_model", data={"months": "7", "basis": "2027年实审周期约7个月"}
    )
    row = db.session.scalars(select(LeadTime).where(LeadTime.kind == "utility_model")).one()
    assert row.months == 7
    assert planner_lead_times()["utility_model"].months == 7
    assert planner_lead_times()["utility_model"].basis == "2027年实审周期约7个月"


def test_officers_cannot_see_or_change_the_calendar(client, db):
    _, officer = _users(db)
    login(client, officer)
    assert client.get("/admin/planning/").status_code == 404
    assert (
        client.post(
            "/admin/planning/batches/new", data={"code": "2027-1", "year": "2027", "cutoff": "2027-05-31"}
        ).status_code
        == 404
    )
    assert db.session.scalars(select(ApplicationBatch)).first() is None


def test_admin_sets_a_years_tsme_window_and_annual_report_date_and_the_planner_calendar_follows(client, db):
    """i14: the 科小 window and the 年报 deadline are admin-edited data per year; empty = default."""
    from pipeline.models import CalendarYear
    from pipeline.services.roadmaps import planner_calendar

    admin, officer = _users(db)
    today = date(2026, 12, 1)
    cal = planner_calendar(today)
    assert (cal.tsme_window(2027).opens, cal.tsme_window(2027).closes) == (
        date(2027, 6, 1),
        date(2027, 8, 31),
    )
    assert cal.tsme_window(2027).renewal_by == date(2027, 3, 31)
    assert cal.annual_report_due(2027) == date(2027, 5, 31)
    login(client, admin)
    page = client.get("/admin/planning/").get_data(as_text=True)
    assert "科技型中小企业评价窗口与高企年报截止日" in page and "2027-06-01 – 2027-08-31" in page
    # the rules revision log is shown to admins (date, basis document, what changed)
    from pipeline.criteria.rules import REVISIONS

    assert "规则版本与修订记录" in page and "hnte-2016/tsme-2017" in page
    assert page.count('id="rules"') == 1  # once, in the page body
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<section" not in title and "规则版本" not in title
    assert all(r.date.isoformat() in page and r.changes in page for r in REVISIONS)
    r = client.post(
        "/admin/planning/years/2027",
        data={
            "tsme_opens": "2027-05-15",
            "tsme_closes": "2027-09-15",
            "tsme_renewal_by": "",
            "annual_report_due": "2027-06-30",
            "note": "工企业函〔2027〕1号",
        },
    )
    assert r.status_code == 302
    row = db.session.scalars(select(CalendarYear)).one()
    assert (row.tsme_opens, row.tsme_closes, row.tsme_renewal_by, row.annual_report_due) == (
        date(2027, 5, 15),
        date(2027, 9, 15),
        None,
        date(2027, 6, 30),
    )
    cal = planner_calendar(today)
    w = cal.tsme_window(2027)
    assert (w.opens, w.closes, w.renewal_by) == (date(2027, 5, 15), date(2027, 9, 15), date(2027, 3, 31))
    assert cal.annual_report_due(2027) == date(2027, 6, 30)
    assert cal.annual_report_due(2028) == date(2028, 5, 31)  # other years keep the default
    assert (
        db.session.scalars(select(AuditLog).where(AuditLog.entity == "calendar_year")).one().action
        == "create"
    )
    # the page pre-fills what is stored; posting it back as is changes nothing
    page = client.get("/admin/planning/").get_data(as_text=True)
    assert 'value="2027-05-15"' in page and 'value="2027-06-30"' in page
    client.post(
        "/admin/planning/years/2027",
        data={
            "tsme_opens": "2027-05-15",
            "tsme_closes": "2027-09-15",
            "tsme_renewal_by": "",
            "annual_report_due": "2027-06-30",
            "note": "工企业函〔2027〕1号",
        },
    )
    db.session.expire_all()
    row = db.session.scalars(select(CalendarYear)).one()
    assert (row.tsme_opens, row.tsme_closes, row.annual_report_due, row.note) == (
        date(2027, 5, 15),
        date(2027, 9, 15),
        date(2027, 6, 30),
        "工企业函〔2027〕1号",
    )
    # bad input is refused in Chinese and nothing is half-written
    r = client.post(
        "/admin/planning/years/2027",
        data={"tsme_opens": "2027-05-15", "tsme_closes": "", "annual_report_due": "2027-05-31"},
        follow_redirects=True,
    )
    assert "科小评价开始和截止日期须同时填写或同时留空" in r.get_data(as_text=True)
    r = client.post(
        "/admin/planning/years/2027",
        data={"tsme_opens": "2028-05-15", "tsme_closes": "2028-06-15"},
        follow_redirects=True,
    )
    assert "所有日期须在2027年内" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(CalendarYear)).one().annual_report_due == date(2027, 6, 30)
    # officers cannot change it
    client.get("/logout")
    login(client, officer)
    assert (
        client.post("/admin/planning/years/2027", data={"annual_report_due": "2027-05-01"}).status_code == 404
    )
