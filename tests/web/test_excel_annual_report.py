"""Issue 16: this year's 年报 in the pool's Excel export and import (column 本年度高企年报)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from pipeline import clock
from pipeline.models import AnnualReport, Firm
from tests.web.conftest import TODAY, fresh
from tests.web.test_excel import _officer_client, _upload, _xlsx

HEADER = "本年度高企年报"


def _certify(db, firm_id):
    firm = db.session.get(Firm, firm_id)
    firm.stage, firm.hnte_cert_date = "certified", date(TODAY.year - 1, 11, 1)
    firm.hnte_cert_expiry = date(TODAY.year + 2, 10, 31)
    db.session.commit()
    return firm


def test_annual_report_column_exports_and_imports(app, world, db):
    clock.set_today(TODAY)
    try:
        firm = _certify(db, world.own.id)
        c = _officer_client(app, world)
        on = TODAY - timedelta(days=1)
        row = {
            "统一社会信用代码": firm.credit_code,
            "企业名称": firm.name,
            "县区": "海州区",
            "阶段": "已认定",
            "注册日期": firm.registered_on.isoformat(),
            "技术领域代码": firm.tech_domain,
            "发证日期": firm.hnte_cert_date.isoformat(),
            "证书到期日": firm.hnte_cert_expiry.isoformat(),
            HEADER: on.isoformat(),
        }
        assert all(
            h in [c.header for c in __import__("pipeline.services.exports", fromlist=["COLUMNS"]).COLUMNS]
            for h in row
        )
        resp = _upload(app, c, _xlsx([row]))
        assert "更新 1 家" in resp.get_data(as_text=True)
        fresh(app, c, "post", "/pool/import/confirm")
        rec = db.session.scalars(select(AnnualReport).where(AnnualReport.firm_id == firm.id)).one()
        assert (rec.year, rec.submitted, rec.submitted_on) == (TODAY.year, True, on)
        # The export shows it, and the exported sheet imports back with nothing changed.
        export = fresh(app, c, "get", "/pool/export.xlsx").data
        ws = load_workbook(BytesIO(export)).active
        header = [x.value for x in ws[1]]
        rows = {r[0]: dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)}
        assert rows[firm.credit_code][HEADER].date() == on
        from pipeline.services.imports import check

        result = check(world.officer, export, "export.xlsx")
        assert result.ok and result.updated == 0
        # "未报" records a year not submitted; a firm with no 年报 due is refused, row and column named.
        other = {
            "统一社会信用代码": world.same.credit_code,
            "企业名称": world.same.name,
            "县区": "海州区",
            HEADER: "未报",
        }
        bad = check(world.officer, _xlsx([{**row, HEADER: "未报"}, other]), "x.xlsx")
        assert not bad.ok and [(e.row, e.column) for e in bad.errors] == [(3, HEADER)]
        good = check(world.officer, _xlsx([{**row, HEADER: "未报"}]), "x.xlsx")
        assert good.ok and good.updated == 1
    finally:
        clock.set_today(None)
