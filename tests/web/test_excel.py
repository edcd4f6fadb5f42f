"""Excel in and out: template, preview → confirm, per-row errors, all-or-nothing, scope, limits, round trip."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from pipeline.models import AuditLog, Firm
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import fresh
from tests.web.workbooks import HEADERS
from tests.web.workbooks import pool_xlsx as _xlsx


def _row(n: int, county="海州区", division="320706", **kw):
    return {
        "统一社会信用代码": f.credit_code(900000 + n, division),
        "企业名称": f"导入测试企业{n}",
        "县区": county,
        "注册日期": "2019-04-01",
        "技术领域代码": "10101",
        "阶段": "入库培育",
        **kw,
    }


def _officer_client(app, world):
    c = app.test_client()
    login(c, world.officer)
    return c


def _upload(app, c, data: bytes, name="pool.xlsx"):
    return fresh(
        app,
        c,
        "post",
        "/pool/import",
        data={"file": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Firm))


def test_template_downloads_with_the_headers(app, world):
    c = _officer_client(app, world)
    resp = fresh(app, c, "get", "/pool/import/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(resp.data)).active
    assert [c.value for c in ws[1]] == HEADERS


def _drop_downs(ws) -> dict[str, str]:
    """Header of each column with a list validation → its choices."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        col = str(dv.sqref).split(":")[0].rstrip("0123456789")
        out[ws[f"{col}1"].value] = dv.formula1
    return out


def test_template_and_export_offer_the_stage_and_level_lists(app, world):
    from pipeline.vocabulary import FIRM_FIELDS, POOL_LEVELS, STAGES

    c = _officer_client(app, world)
    wanted = {
        FIRM_FIELDS["stage"]: '"' + ",".join(STAGES.values()) + '"',
        FIRM_FIELDS["pool_level"]: '"' + ",".join(POOL_LEVELS.values()) + '"',
    }
    for url in ("/pool/import/template.xlsx", "/pool/export.xlsx"):
        ws = load_workbook(BytesIO(fresh(app, c, "get", url).data)).active
        assert _drop_downs(ws) == wanted, url


def test_good_file_preview_then_confirm(app, world, db):
    c = _officer_client(app, world)
    before = _count(db)
    update = {
        "统一社会信用代码": world.own.credit_code,
        "企业名称": world.own.name,
        "县区": "海州区",
        "联系人": "王经理",
        "阶段": "辅导中",
    }
    resp = _upload(app, c, _xlsx([_row(1), _row(2), update]))
    html = resp.get_data(as_text=True)
    assert "新增 2 家，更新 1 家" in html and "确认导入" in html
    # issue 17: each change with its label, old → new (never the field key)
    from pipeline.vocabulary import STAGES

    assert world.own.stage != "coaching"
    assert f"阶段：</span>{STAGES[world.own.stage]} → <strong>辅导中</strong>" in html
    assert "联系人：</span>" in html and "<strong>王经理</strong>" in html
    assert "contact_name" not in html and "stage</" not in html
    assert _count(db) == before  # the preview writes nothing
    resp = fresh(app, c, "post", "/pool/import/confirm")
    assert resp.status_code == 302
    assert _count(db) == before + 2
    own = db.session.get(Firm, world.own.id)
    assert own.contact_name == "王经理" and own.stage == "coaching"
    assert db.session.scalar(select(AuditLog.after).where(AuditLog.action == "import"))["new"] == 2
    # Confirming twice does nothing more.
    assert fresh(app, c, "post", "/pool/import/confirm").status_code == 302
    assert _count(db) == before + 2


def test_one_bad_row_among_500_writes_nothing_and_names_row_and_column(app, world, db):
    c = _officer_client(app, world)
    rows = [_row(i) for i in range(500)]
    rows[336]["注册日期"] = "2019-02-30"
    before = _count(db)
    html = _upload(app, c, _xlsx(rows)).get_data(as_text=True)
    assert "校验未通过：1 处错误" in html and "未写入任何数据" in html
    assert "第 338 行" in html and "注册日期" in html and "不是有效日期" in html
    assert "确认导入" not in html
    assert _count(db) == before


def test_duplicate_credit_code_in_the_file(app, world, db):
    from pipeline.services.imports import check

    rows = [_row(1), _row(2), _row(1)]
    rows[2]["企业名称"] = "另一家"
    result = check(world.officer, _xlsx(rows), "dup.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(4, "统一社会信用代码")]
    assert "与第2行" in result.errors[0].reason


def test_out_of_scope_rows_are_refused(app, world, db):
    from pipeline.services.imports import check

    other_existing = {"统一社会信用代码": world.other.credit_code, "企业名称": "改名", "县区": "海州区"}
    other_county = _row(5, county="连云区", division="320703")
    result = check(world.officer, _xlsx([_row(1), other_existing, other_county]), "scope.xlsx")
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert "其他县区" in reasons[(3, "统一社会信用代码")]
    assert "不在您的管辖范围" in reasons[(4, "县区")]
    # The city admin may import both.
    assert check(world.admin, _xlsx([_row(1), other_county]), "x.xlsx").ok


def test_non_excel_and_broken_files_are_refused(app, world, db):
    c = _officer_client(app, world)
    html = _upload(app, c, "统一社会信用代码,企业名称\n".encode(), "pool.csv").get_data(as_text=True)
    assert "不是 Excel 文件" in html
    html = _upload(app, c, b"PK\x03\x04 not really a zip", "fake.xlsx").get_data(as_text=True)
    assert "无法读取" in html
    html = _upload(app, c, _xlsx([_row(1)], headers=["名称", "代码"]), "wrong.xlsx").get_data(as_text=True)
    assert "缺少必填列" in html


def test_oversized_file_and_too_many_rows(app, world, db):
    c = _officer_client(app, world)
    old = app.config["IMPORT_MAX_MB"], app.config["IMPORT_MAX_ROWS"]
    app.config["IMPORT_MAX_MB"], app.config["IMPORT_MAX_ROWS"] = 1, 10
    try:
        html = _upload(app, c, b"PK\x03\x04" + b"0" * (1024 * 1024 + 10)).get_data(as_text=True)
        assert "文件过大" in html and "上限为 1 MB" in html
        html = _upload(app, c, _xlsx([_row(i) for i in range(11)])).get_data(as_text=True)
        assert "数据行数 11 超过上限 10 行" in html
    finally:
        app.config["IMPORT_MAX_MB"], app.config["IMPORT_MAX_ROWS"] = old


def test_export_imports_back_without_loss_and_neutralises_formulas(app, world, db):
    firm = db.session.get(Firm, world.own.id)
    firm.notes = "=HYPERLINK(\"http://evil\",\"x\")"
    firm.contact_name = "@SUM(A1)"
    firm.contact_phone = "0518-85800000"
    firm.address = "+86 连云港"
    firm.pool_level = "province"
    db.session.commit()
    c = _officer_client(app, world)
    resp = fresh(app, c, "get", "/pool/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.data)).active
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {world.own.credit_code, world.same.credit_code}  # only the officer's county
    exported = rows[world.own.credit_code]
    assert (
        exported["备注"].startswith("'=")
        and exported["联系人"].startswith("'@")
        and exported["地址"].startswith("'+")
    )
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for r in rows.values() for v in r.values())

    from pipeline.models import Firm as F
    from pipeline.services.exports import COLUMNS as COLS
    from pipeline.services.imports import FIELDS, check

    snap = lambda fm: {k: getattr(fm, k) for k in FIELDS}  # noqa: E731
    before = {fm.credit_code: snap(fm) for fm in db.session.scalars(select(F))}
    result = check(world.officer, resp.data, "export.xlsx")
    assert result.ok and result.new == 0 and result.updated == 0 and result.unchanged == 2
    fresh(
        app,
        c,
        "post",
        "/pool/import",
        data={"file": (BytesIO(resp.data), "export.xlsx")},
        content_type="multipart/form-data",
    )
    fresh(app, c, "post", "/pool/import/confirm")
    db.session.expire_all()
    after = {fm.credit_code: snap(fm) for fm in db.session.scalars(select(F))}
    assert after == before
    assert len(COLS) == len(HEADERS)


def test_firm_user_cannot_import(app, world):
    c = app.test_client()
    login(c, world.firm_user)
    assert fresh(app, c, "get", "/pool/import").status_code == 404
    assert _upload(app, c, _xlsx([_row(1)])).status_code == 404
