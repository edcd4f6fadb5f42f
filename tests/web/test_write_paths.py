"""Issue 11, the audit of every write path: each form posted back exactly as the page pre-filled it
changes nothing (no row, no audit entry, no re-plan). The firm, year, milestone and target forms are
in test_stale_writes.py; the figure submission in test_submissions.py; the admin's user edit in
test_account.py; the annual report in tests/compliance."""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.models import AuditLog, CalendarYear, LeadTime, RdEvidence, Setting, StageChange, User
from tests.conftest import client_for
from tests.web.conftest import TODAY, fresh, page_html
from tests.web.formdata import form_data


def _audits(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditLog.id)))


def _rows(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_reminder_thresholds_posted_back_as_shown_store_nothing(app, world, db):
    c = client_for(app, world.admin)
    form = form_data(page_html(app, c, "/admin/reminders/"), "/admin/reminders/settings")
    assert form.get("milestone_days")  # the defaults are shown
    audits = _audits(db)
    assert fresh(app, c, "post", "/admin/reminders/settings", data=form).status_code == 302
    assert _rows(db, Setting) == 0 and _audits(db) == audits
    # one threshold changed: that one row, and the audit names only it
    fresh(app, c, "post", "/admin/reminders/settings", data={**form, "stage_stuck_days": "90"})
    db.session.expire_all()
    assert [s.key for s in db.session.scalars(select(Setting))] == ["reminders.stage_stuck_days"]
    audit = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert list(audit.after) == ["reminders.stage_stuck_days"]


def test_lead_time_posted_back_as_shown_pins_nothing(app, world, db):
    c = client_for(app, world.admin)
    action = "/admin/planning/lead-times/invention_patent"
    form = form_data(page_html(app, c, "/admin/planning/"), action)
    assert form.get("months")
    audits = _audits(db)
    assert fresh(app, c, "post", action, data=form).status_code == 302
    assert _rows(db, LeadTime) == 0 and _audits(db) == audits


def test_calendar_year_posted_back_blank_stores_nothing(app, world, db):
    c = client_for(app, world.admin)
    action = f"/admin/planning/years/{TODAY.year + 1}"
    form = form_data(page_html(app, c, "/admin/planning/"), action)
    audits = _audits(db)
    assert fresh(app, c, "post", action, data=form).status_code == 302
    assert _rows(db, CalendarYear) == 0 and _audits(db) == audits


def test_evidence_posted_back_as_ticked_changes_nothing(app, world, db):
    c = client_for(app, world.officer)
    url = f"/firms/{world.own.id}/evidence"
    form = form_data(page_html(app, c, f"/firms/{world.own.id}"), url)
    before = sorted((e.piece, e.present, e.dated) for e in db.session.scalars(select(RdEvidence)))
    audits = _audits(db)
    assert fresh(app, c, "post", url, data=form).status_code == 302
    assert sorted((e.piece, e.present, e.dated) for e in db.session.scalars(select(RdEvidence))) == before
    assert _audits(db) == audits


def test_stage_form_posted_back_as_shown_moves_nothing(app, world, db):
    c = client_for(app, world.officer)
    url = f"/pool/firms/{world.own.id}/stage"
    form = form_data(page_html(app, c, f"/firms/{world.own.id}"), url)
    assert form["stage"] == world.own.stage
    moves = _rows(db, StageChange)
    audits = _audits(db)
    fresh(app, c, "post", url, data={**form, "reason": form.get("reason") or "核对"})
    assert _rows(db, StageChange) == moves and _audits(db) == audits


def test_alert_choice_posted_back_as_shown_changes_nothing(app, world, db):
    from pipeline.reminders.inbox import alert_modes

    c = client_for(app, world.officer)
    form = form_data(page_html(app, c, "/account/"), "/account/alerts")
    before = alert_modes(db.session.get(User, world.officer.id))
    audits = _audits(db)
    assert fresh(app, c, "post", "/account/alerts", data=form).status_code == 302
    db.session.expire_all()
    assert alert_modes(db.session.get(User, world.officer.id)) == before and _audits(db) == audits
