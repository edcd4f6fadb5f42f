"""Certificate state (issue 11): an expired certificate is not certified anywhere, the officer is told once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from pipeline.models import Firm, Reminder, StageChange
from pipeline.services import certificates
from tests.conftest import login
from tests.web.conftest import TODAY, fresh


def test_state_rule():
    d = date(2026, 12, 2)
    assert certificates.state(date(2023, 12, 2), d, d) == "active"  # valid through its expiry day
    assert certificates.state(date(2023, 12, 1), d - timedelta(days=1), d) == "expired"
    assert certificates.state(d + timedelta(days=1), d + timedelta(days=900), d) == "not_yet"
    assert certificates.state(None, None, d) == "none"
    assert certificates.is_active(None, d, d) and not certificates.is_active(None, d - timedelta(days=1), d)


def _expire(db, firm_id):
    firm = db.session.get(Firm, firm_id)
    firm.stage = "certified"
    firm.hnte_cert_no = "GR202332000001"
    firm.hnte_cert_date = TODAY - timedelta(days=3 * 365 + 5)
    firm.hnte_cert_expiry = TODAY - timedelta(days=5)
    db.session.commit()
    return firm


def test_expired_certificate_everywhere(app, world, db):
    _expire(db, world.same.id)
    c = app.test_client()
    login(c, world.officer)
    pool = fresh(app, c, "get", "/pool/?expiring=1").get_data(as_text=True)
    assert world.same.name in pool and "证书已过期" in pool  # the expiry filter includes expired ones
    api = fresh(app, c, "get", f"/api/v1/firms/{world.same.id}")
    if api.status_code == 200:
        assert api.get_json()["hnte_cert_state"] == "expired"

    page = fresh(app, c, "get", f"/firms/{world.same.id}").get_data(as_text=True)
    assert 'id="cert-expired"' in page
    form = page[page.index('id="cert-expired"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields["stage"] == "pool"
    resp = fresh(app, c, "post", f"/pool/firms/{world.same.id}/stage", data=fields)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, world.same.id).stage == "pool"
    change = db.session.scalars(select(StageChange).where(StageChange.firm_id == world.same.id)).one()
    assert (change.from_stage, change.to_stage) == ("certified", "pool") and "到期" in change.reason


def test_funnel_does_not_count_expired_as_certified(app, world, db):
    from pipeline.services.goals import dashboard_data

    _expire(db, world.same.id)
    fig, _ = dashboard_data(world.admin, TODAY, None)
    funnel = {s["stage"]: s["firms"] for s in fig["funnel"]}
    assert funnel["certified"] == 0 and funnel["certified_expired"] == 1
    assert fig["active"] == 0


def test_expiry_reminder_exactly_once(app, world, db):
    from pipeline.reminders.scan import run_scan

    _expire(db, world.same.id)
    run_scan(TODAY)
    run_scan(TODAY)
    n = db.session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.rule == "cert_expired",
            Reminder.firm_id == world.same.id,
            Reminder.user_id == world.officer.id,
        )
    )
    assert n == 1
