"""Issue 11: staff and tech staff are yearly averages of monthly averages (e.g. 96.5): saved through
the year form and the firm's submission, shown, exported, re-imported unchanged, and assessed."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from pipeline.models import Assessment, FigureSubmission, FiscalYear
from pipeline.services.tokens import issue_token
from tests.conftest import client_for
from tests.web.conftest import TODAY, fresh, last_year
from tests.web.formdata import form_data


def _year(db, firm_id, year) -> FiscalYear:
    db.session.expire_all()
    return db.session.scalars(
        select(FiscalYear).where(FiscalYear.firm_id == firm_id, FiscalYear.year == year)
    ).one()


def _snap(fy):
    return {k: getattr(fy, k) for k in FiscalYear.FIELDS}


def _edit(app, c, firm_id, year, **changes):
    url = f"/firms/{firm_id}/years/{year}/edit"
    data = form_data(fresh(app, c, "get", url).get_data(as_text=True), url)
    data.update(changes)
    return data, fresh(app, c, "post", url, data=data)


def test_monthly_average_staff_saved_shown_submitted_exported_reimported_and_assessed(app, world, db):
    officer = client_for(app, world.officer)
    firm_id = world.own.id
    years = sorted({last_year(), TODAY.year - 1})
    for year in years:
        before = _snap(_year(db, firm_id, year))
        _data, resp = _edit(app, officer, firm_id, year, staff="96.5", tech_staff="9.5")
        assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
        after = _snap(_year(db, firm_id, year))
        assert (after["staff"], after["tech_staff"]) == (Decimal("96.5"), Decimal("9.5"))
        assert {k: v for k, v in after.items() if k not in ("staff", "tech_staff")} == {
            k: v for k, v in before.items() if k not in ("staff", "tech_staff")
        }
    year = last_year()

    # Shown as entered, and pre-filled so that posting the form back unchanged changes nothing.
    data, resp = _edit(app, officer, firm_id, year)
    assert (data["staff"], data["tech_staff"]) == ("96.5", "9.5")
    assert _year(db, firm_id, year).staff == Decimal("96.5")
    page = fresh(app, officer, "get", f"/firms/{firm_id}").get_data(as_text=True)
    assert ">96.5<" in page and ">9.5<" in page

    # The firm submits 10.5 tech staff on its pre-filled form; only that field is submitted and accepted.
    firm_c = client_for(app, world.firm_user)
    html = fresh(app, firm_c, "get", f"/portal/figures?year={year}").get_data(as_text=True)
    sub_data = form_data(html, "/portal/figures")
    assert sub_data["staff"] == "96.5" and sub_data["tech_staff"] == "9.5"
    sub_data["tech_staff"] = "10.5"
    assert fresh(app, firm_c, "post", "/portal/figures", data=sub_data).status_code == 302
    sub = db.session.scalars(select(FigureSubmission)).one()
    assert sub.data == {"tech_staff": "10.5"}
    page = fresh(app, officer, "get", f"/firms/{firm_id}").get_data(as_text=True)
    review = form_data(page, f"/submissions/{sub.id}/review")
    review["decision"] = "accept"
    resp = fresh(app, officer, "post", f"/firms/{firm_id}/submissions/{sub.id}/review", data=review)
    assert resp.status_code == 302
    fy = _year(db, firm_id, year)
    assert (fy.staff, fy.tech_staff) == (Decimal("96.5"), Decimal("10.5"))

    # Assessed with the decimals: 10.5 / 96.5 = 10.88% ≥ 10% (H4), on the page and in the API.
    a = db.session.scalars(select(Assessment).where(Assessment.firm_id == firm_id)).one()
    h4 = a.result["hnte"]["conditions"]["H4"] if "hnte" in a.result else a.result["conditions"]["H4"]
    assert h4["status"] == "pass" and "10.5人" in h4["explain"] and "96.5人" in h4["explain"]
    token = issue_token(world.officer, "staff-test")
    db.session.commit()  # services flush; the caller commits (issue 13)
    api = fresh(
        app,
        app.test_client(),
        "get",
        f"/api/v1/firms/{firm_id}/assessment",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200 and api.get_json()["result"] == a.result  # the same explanation

    # Exported as 96.5 (the read-only yearly columns); the export imported back changes nothing.
    before = {y: _snap(_year(db, firm_id, y)) for y in years}
    export = fresh(app, officer, "get", "/pool/export.xlsx")
    ws = load_workbook(BytesIO(export.data)).active
    header = [c.value for c in ws[1]]
    row = next(
        dict(zip(header, r, strict=False))
        for r in ws.iter_rows(min_row=2, values_only=True)
        if r[0] == world.own.credit_code
    )
    assert row[f"{TODAY.year - 1}年职工总数（人）"] == 96.5
    fresh(
        app,
        officer,
        "post",
        "/pool/import",
        data={"file": (BytesIO(export.data), "export.xlsx")},
        content_type="multipart/form-data",
    )
    fresh(app, officer, "post", "/pool/import/confirm")
    assert {y: _snap(_year(db, firm_id, y)) for y in years} == before


def test_more_than_two_decimal_places_is_refused_naming_the_field(app, world, db):
    officer = client_for(app, world.officer)
    year = last_year()
    before = _snap(_year(db, world.own.id, year))
    _data, resp = _edit(app, officer, world.own.id, year, staff="96.555")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "职工总数" in text and "最多两位小数" in text
    _data, resp = _edit(app, officer, world.own.id, year, tech_staff="-1")
    assert "人数不能为负数" in resp.get_data(as_text=True)
    assert _snap(_year(db, world.own.id, year)) == before
