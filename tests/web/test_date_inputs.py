"""Issue 17: dates are entered and shown as YYYY-MM-DD whatever the browser's locale.

Every date input is one widget (``pipeline/forms/dates.py``): a text input whose value is the date as
YYYY-MM-DD, never ``type="date"`` (which shows mm/dd/yyyy in an en-US browser). Each form posted back
as pre-filled keeps its dates; a bad date is refused with a message naming the field.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline import clock
from pipeline.models import AnnualReport, ApplicationBatch, AuditLog, CalendarYear, Firm
from tests.conftest import login
from tests.web.conftest import TODAY, fresh
from tests.web.formdata import form_data

ROOT = Path(__file__).resolve().parents[2]
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_INPUT = re.compile(r"<input[^>]*data-date=\"iso\"[^>]*>")


def _client(app, user):
    c = app.test_client()
    login(c, user)
    return c


def _page(app, c, url) -> str:
    resp = fresh(app, c, "get", url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


def _audits(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditLog.id)))


def _date_inputs(html: str) -> dict[str, str]:
    """name → value of every date input on the page; each must be the one widget."""
    assert 'type="date"' not in html
    out = {}
    for tag in DATE_INPUT.findall(html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        assert attrs["type"] == "text" and attrs["placeholder"] == "YYYY-MM-DD", tag
        assert attrs["inputmode"] == "numeric" and "pattern" in attrs, tag
        assert attrs["value"] == "" or ISO.match(attrs["value"]), tag
        out[attrs["name"]] = attrs["value"]
    return out


@pytest.fixture
def dated(world, db):
    """The own firm with its certificate dates, a batch, a calendar year, an annual report on record."""
    from pipeline.services import compliance

    y = TODAY.year
    firm = world.own
    firm.hnte_cert_no = "GR202432000123"
    firm.hnte_cert_date = date(y - 2, 11, 1)
    firm.hnte_cert_expiry = date(y + 1, 10, 31)
    firm.stage = "certified"
    batch = ApplicationBatch(
        code=f"{y + 1}-1", year=y + 1, opens_on=date(y + 1, 4, 1), cutoff=date(y + 1, 5, 29)
    )
    cal = CalendarYear(
        year=y + 1,
        tsme_opens=date(y + 1, 3, 1),
        tsme_closes=date(y + 1, 9, 30),
        tsme_renewal_by=date(y + 1, 6, 30),
        annual_report_due=date(y + 1, 5, 31),
    )
    db.session.add_all([batch, cal])
    db.session.commit()
    compliance.refresh(TODAY, [firm.id])
    db.session.commit()
    return {"firm": firm, "batch": batch, "cal": cal}


def test_each_form_posts_its_prefilled_dates_back_unchanged(app, world, db, dated):
    firm, batch = dated["firm"], dated["batch"]
    officer, admin = _client(app, world.officer), _client(app, world.admin)
    # the firm profile: registration and certificate dates
    html = _page(app, officer, f"/firms/{firm.id}/edit")
    assert _date_inputs(html) == {
        "registered_on": "2015-03-01",
        "hnte_cert_date": firm.hnte_cert_date.isoformat(),
        "hnte_cert_expiry": firm.hnte_cert_expiry.isoformat(),
    }
    audits = _audits(db)
    resp = fresh(
        app, officer, "post", f"/firms/{firm.id}/edit", data=form_data(html, f"/firms/{firm.id}/edit")
    )
    assert resp.status_code == 302 and _audits(db) == audits
    row = db.session.get(Firm, firm.id)
    assert (row.registered_on, row.hnte_cert_date) == (date(2015, 3, 1), date(TODAY.year - 2, 11, 1))
    # a batch
    url = f"/admin/planning/batches/{batch.id}"
    html = _page(app, admin, url)
    assert _date_inputs(html) == {"opens_on": f"{TODAY.year + 1}-04-01", "cutoff": f"{TODAY.year + 1}-05-29"}
    assert fresh(app, admin, "post", url, data=form_data(html, url)).status_code == 302
    db.session.expire_all()
    b = db.session.get(ApplicationBatch, batch.id)
    assert (b.opens_on, b.cutoff) == (date(TODAY.year + 1, 4, 1), date(TODAY.year + 1, 5, 29))
    assert _audits(db) == audits
    # the planning dates of a year (a row of inputs the template writes with the same widget)
    html = _page(app, admin, "/admin/planning/")
    action = f"/admin/planning/years/{TODAY.year + 1}"
    data = form_data(html, action)
    assert {k: data[k] for k in ("tsme_opens", "tsme_closes", "tsme_renewal_by", "annual_report_due")} == {
        "tsme_opens": f"{TODAY.year + 1}-03-01",
        "tsme_closes": f"{TODAY.year + 1}-09-30",
        "tsme_renewal_by": f"{TODAY.year + 1}-06-30",
        "annual_report_due": f"{TODAY.year + 1}-05-31",
    }
    assert fresh(app, admin, "post", action, data=data).status_code == 302
    assert _audits(db) == audits
    db.session.expire_all()
    assert db.session.get(CalendarYear, dated["cal"].id).tsme_closes == date(TODAY.year + 1, 9, 30)

    # the annual report the officer records on the firm page: submitted on a date, then posted back as shown
    def report_form(year=None):
        html = _page(app, officer, f"/firms/{firm.id}")
        section = html[html.index('id="annual-reports"') :]
        forms = re.findall(
            r'<form method="post" class="inline-form" action="([^"]+)">(.*?)</form>', section, re.S
        )
        for action, body in forms:
            data = form_data(f'<form method="post" action="{action}">{body}</form>', action)
            if year is None or data["year"] == year:
                return action, data, _date_inputs(body)
        raise AssertionError(year)

    action, data, inputs = report_form()
    assert inputs == {"submitted_on": ""}
    year = data["year"]
    data.update(submitted="y", submitted_on=TODAY.isoformat())
    assert fresh(app, officer, "post", action, data=data).status_code == 302
    action, data, inputs = report_form(year)
    assert inputs == {"submitted_on": TODAY.isoformat()}  # shown as entered
    audits = _audits(db)
    assert fresh(app, officer, "post", action, data=data).status_code == 302
    assert _audits(db) == audits
    report = db.session.scalars(select(AnnualReport).where(AnnualReport.firm_id == firm.id)).one()
    assert report.submitted_on == TODAY


def test_a_typed_date_is_read_in_the_usual_spellings_and_shown_as_yyyy_mm_dd(app, world, db, dated):
    firm = dated["firm"]
    c = _client(app, world.officer)
    url = f"/firms/{firm.id}/edit"
    for typed, stored in (
        ("2016/4/7", date(2016, 4, 7)),
        ("2016年5月8日", date(2016, 5, 8)),
        ("20160609", date(2016, 6, 9)),
    ):
        data = form_data(_page(app, c, url), url)
        assert fresh(app, c, "post", url, data=dict(data, registered_on=typed)).status_code == 302, typed
        db.session.expire_all()
        assert db.session.get(Firm, firm.id).registered_on == stored
        assert _date_inputs(_page(app, c, url))["registered_on"] == stored.isoformat()
    assert stored.isoformat() in _page(app, c, f"/firms/{firm.id}")  # shown as YYYY-MM-DD on the page


@pytest.mark.parametrize("bad", ["2027-02-30", "03/31/2027", "31.03.2027", "明年三月", "2027-3"])
def test_a_bad_date_is_refused_with_a_message_naming_the_field(app, world, db, dated, bad):
    firm = dated["firm"]
    c = _client(app, world.officer)
    url = f"/firms/{firm.id}/edit"
    html = _page(app, c, url)
    label = re.search(r'<label class="field-label" for="registered_on">([^<]+)<', html).group(1)
    resp = fresh(app, c, "post", url, data=dict(form_data(html, url), registered_on=bad))
    page = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400, 422) and "修改已保存" not in page
    example = clock.today().isoformat()
    assert f'<div class="field-error">{label}：请按 YYYY-MM-DD 填写，例如 {example}</div>' in page
    assert f'value="{bad}"' in page  # what was typed stays there to correct
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).registered_on == date(2015, 3, 1)  # nothing half-written


def test_a_required_date_typed_badly_keeps_the_format_message(app, world, db):
    c = _client(app, world.officer)
    url = f"/firms/{world.own.id}/incidents/new"
    html = _page(app, c, url)
    resp = fresh(
        app, c, "post", url, data=dict(form_data(html, url), occurred_on="2027-13-01", description="x")
    )
    page = resp.get_data(as_text=True)
    assert "请按 YYYY-MM-DD 填写，例如" in page and "请填写发生日期" not in page
    resp = fresh(app, c, "post", url, data=dict(form_data(html, url), occurred_on="", description="x"))
    assert "请填写发生日期" in resp.get_data(as_text=True)


def test_the_delivery_log_filter_uses_the_widget_and_reads_its_dates(app, world, db):
    c = _client(app, world.admin)
    html = _page(app, c, f"/admin/reminders/?from={TODAY.year}/1/2&to=")
    assert _date_inputs(html) == {"from": f"{TODAY.year}-01-02", "to": ""}  # read, and shown as YYYY-MM-DD
    assert "flash-warning" not in html
    html = _page(app, c, "/admin/reminders/?from=2027-02-30")
    assert "flash-warning" in html and "“2027-02-30”" in html


def test_one_date_widget_and_no_browser_date_input_anywhere():
    """One definition: wtforms' DateField only inside pipeline/forms/dates.py; no type=date in templates."""
    for path in (ROOT / "pipeline").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "dates.py":
            assert not re.search(r"\bDateField\(", text.replace("IsoDateField(", "")), path
            assert "DateInput(" not in text, path
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"type=['\"]date['\"]", text), path
        assert "type='date'" not in text, path
