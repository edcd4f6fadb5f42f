"""Excel out: the pool sheet's columns, the template, and the export of a filtered list.

The export has exactly the import's columns (plus read-only ones the import ignores), so a sheet
exported, edited and imported back loses nothing. Text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are written with a leading apostrophe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import County
from pipeline.vocabulary import ANNUAL_REPORT_CELLS, FIRM_FIELDS, POOL_LEVELS, STAGES, VERDICTS


ANNUAL_REPORT_HEADER = ANNUAL_REPORT_CELLS["header"]
ANNUAL_REPORT_NOT_SUBMITTED = ANNUAL_REPORT_CELLS["not_submitted"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | date | county | stage | level
    required: bool = False
    width: int = 14
    note: str = ""


COLUMNS = (
    Column("credit_code", FIRM_FIELDS["credit_code"], required=True, width=22, note="18位，按此更新或新增"),
    Column("name", FIRM_FIELDS["name"], required=True, width=30),
    Column("county", FIRM_FIELDS["county"], "county", required=True, width=12, note="县区名称或行政区划代码"),
    Column("registered_on", FIRM_FIELDS["registered_on"], "date", width=12, note="如 2020-05-18"),
    Column("tech_domain", FIRM_FIELDS["tech_domain"], width=12, note="《国家重点支持的高新技术领域》代码，如 10101"),
    Column("industry", FIRM_FIELDS["industry"], width=12),
    Column("stage", FIRM_FIELDS["stage"], "stage", width=10, note="、".join(STAGES.values()) + "；空白=不变（新企业为候选）"),
    Column("pool_level", FIRM_FIELDS["pool_level"], "level", width=10, note="、".join(POOL_LEVELS.values()) + "或空白"),
    Column("contact_name", FIRM_FIELDS["contact_name"], width=10),
    Column("contact_phone", FIRM_FIELDS["contact_phone"], width=16),
    Column("contact_email", FIRM_FIELDS["contact_email"], width=22),
    Column("address", FIRM_FIELDS["address"], width=30),
    Column("hnte_cert_no", FIRM_FIELDS["hnte_cert_no"], width=18),
    Column("hnte_cert_date", FIRM_FIELDS["hnte_cert_date"], "date", width=12),
    Column("hnte_cert_expiry", FIRM_FIELDS["hnte_cert_expiry"], "date", width=12),
    Column("tsme_reg_no", FIRM_FIELDS["tsme_reg_no"], width=20),
    Column("notes", FIRM_FIELDS["notes"], width=30),
    # issue 16: this year's HNTE 年报 (not a firm field: read from / written to annual_report)
    Column("annual_report", ANNUAL_REPORT_HEADER, "annual_report", width=16,
           note=f"本年度高企年报：填报日期（如 2026-05-20）、“{ANNUAL_REPORT_NOT_SUBMITTED}”或空白（不变）；仅限有效期内、本年度须填报年报的高企"),
)
READONLY_HEADERS = ("评估结论", "预计得分下限", "预计得分上限")
SHEET_TITLE = "培育库"
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text that Excel would evaluate gets a leading apostrophe (OWASP CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _cell_value(column: Column, firm, counties: dict[int, str], reports: dict | None = None):
    if column.kind == "county":
        return counties.get(firm.county_id, "")
    if column.kind == "annual_report":
        rec = (reports or {}).get(firm.id)
        if rec is None:
            return None
        return rec[1] if rec[0] else ANNUAL_REPORT_NOT_SUBMITTED
    value = getattr(firm, column.key)
    if column.kind == "stage":
        return STAGES.get(value, value)
    if column.kind == "level":
        return POOL_LEVELS.get(value or "", "")
    return value


def _sheet(wb):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active
    ws.title = SHEET_TITLE
    head_fill = PatternFill("solid", fgColor="1F4E8C")
    headers = [c.header for c in COLUMNS]
    ws.append(headers)
    for i, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = column.width
    ws.freeze_panes = "B2"
    return ws


def _validations(ws, rows: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    last = max(rows + 1, 1000)
    for key, values in (("stage", STAGES.values()), ("pool_level", POOL_LEVELS.values())):
        idx = [c.key for c in COLUMNS].index(key) + 1
        letter = ws.cell(row=1, column=idx).column_letter
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="取值不在列表中", error="请从下拉列表中选择")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    for key in ("credit_code", "contact_phone"):  # text format keeps leading zeros and long digits
        idx = [c.key for c in COLUMNS].index(key) + 1
        # Text format on the filled rows (an export) or on the first 500 blank rows (the template).
        for row in ws.iter_rows(min_row=2, max_row=rows + 1 if rows else 501, min_col=idx, max_col=idx):
            row[0].number_format = "@"


def _notes_sheet(wb) -> None:
    ws = wb.create_sheet("填写说明")
    ws.append(["列名", "是否必填", "说明"])
    for c in COLUMNS:
        ws.append([c.header, "必填" if c.required else "", c.note])
    ws.append([])
    ws.append(["导入规则", "", "整表校验通过才写入（全部成功或全部不写）；按统一社会信用代码更新已有企业或新增企业；"
                             "只能导入本人管辖县区的企业。“评估结论”等只读列导入时忽略。"])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 80


def template_bytes() -> bytes:
    from openpyxl import Workbook  # imported here, not at the top: every flask command would pay 0.2 s

    wb = Workbook()
    ws = _sheet(wb)
    _validations(ws, 0)
    _notes_sheet(wb)
    return _save(wb)


def export_bytes(rows) -> bytes:
    """``rows`` are (Firm, Assessment|None) pairs, e.g. from ``firms.pool_query``."""
    from pipeline import clock
    from pipeline.models import AnnualReport

    counties = {c.id: c.name for c in db.session.scalars(select(County))}
    reports = {fid: (done, on) for fid, done, on in db.session.execute(
        select(AnnualReport.firm_id, AnnualReport.submitted, AnnualReport.submitted_on)
        .where(AnnualReport.year == clock.today().year))}
    from openpyxl import Workbook  # imported here, not at the top: every flask command would pay 0.2 s
    from openpyxl.styles import Font

    wb = Workbook()
    ws = _sheet(wb)
    start = len(COLUMNS) + 1
    for j, header in enumerate(READONLY_HEADERS):
        cell = ws.cell(row=1, column=start + j, value=header)
        cell.font = Font(bold=True, color="6B7483")
        ws.column_dimensions[cell.column_letter].width = 12
    n = 0
    for firm, assessment in rows:
        values = [neutralise(_cell_value(c, firm, counties, reports)) for c in COLUMNS]
        if assessment is not None:
            values += [VERDICTS.get(assessment.verdict, assessment.verdict), assessment.score_min, assessment.score_max]
        ws.append(values)
        n += 1
    for i, c in enumerate(COLUMNS, start=1):
        if c.kind in ("date", "annual_report"):
            for row in ws.iter_rows(min_row=2, max_row=n + 1, min_col=i, max_col=i):
                row[0].number_format = "yyyy-mm-dd"
    _validations(ws, n)
    _notes_sheet(wb)
    return _save(wb)


def _save(wb) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(today: date) -> str:
    return f"培育库企业_{today.isoformat()}.xlsx"
