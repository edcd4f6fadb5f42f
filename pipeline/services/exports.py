"""Excel out: the pool sheet's columns, the template, and the export of a filtered list.

The export has exactly the import's columns (plus read-only ones the import ignores), so a sheet
exported, edited and imported back loses nothing. Text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are written with a leading apostrophe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import NamedTuple

from sqlalchemy import select

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import Assessment, County
from pipeline.vocabulary import (
    ANNUAL_REPORT_CELLS,
    EXPORT_VERSION_HEADER,
    FIRM_FIELDS,
    POOL_LEVELS,
    ROLE_OFFICER,
    STAGES,
    VERDICTS,
    YEAR_FIELDS,
)

ANNUAL_REPORT_HEADER = ANNUAL_REPORT_CELLS["header"]
ANNUAL_REPORT_NOT_SUBMITTED = ANNUAL_REPORT_CELLS["not_submitted"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | date | county | town | stage | level
    required: bool = False
    width: int = 14
    note: str = ""


COLUMNS = (
    Column("credit_code", FIRM_FIELDS["credit_code"], required=True, width=22, note="18位，按此更新或新增"),
    Column("name", FIRM_FIELDS["name"], required=True, width=30),
    Column("county", FIRM_FIELDS["county"], "county", required=True, width=12, note="县区名称或行政区划代码"),
    Column(
        "town",
        FIRM_FIELDS["town"],
        "town",
        width=14,
        note="所属乡镇/街道/园区名称（须属于该县区）；空白=不变（新企业为“未划分乡镇”）",
    ),
    Column("registered_on", FIRM_FIELDS["registered_on"], "date", width=12, note="如 2020-05-18"),
    Column(
        "tech_domain",
        FIRM_FIELDS["tech_domain"],
        width=12,
        note="《国家重点支持的高新技术领域》代码，如 10101",
    ),
    Column("industry", FIRM_FIELDS["industry"], width=12),
    Column(
        "stage",
        FIRM_FIELDS["stage"],
        "stage",
        width=10,
        note="、".join(STAGES.values()) + "；空白=不变（新企业为候选）",
    ),
    Column(
        "pool_level",
        FIRM_FIELDS["pool_level"],
        "level",
        width=10,
        note="、".join(POOL_LEVELS.values()) + "或空白",
    ),
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
    Column(
        "annual_report",
        ANNUAL_REPORT_HEADER,
        "annual_report",
        width=16,
        note=f"本年度高企年报：填报日期（如 2026-05-20）、“{ANNUAL_REPORT_NOT_SUBMITTED}”或空白（不变）；仅限有效期内、本年度须填报年报的高企",
    ),
)
READONLY_HEADERS = ("评估结论", "预计得分下限", "预计得分上限")
SHEET_TITLE = "培育库"
_YEAR_LABELS = {label for label, _money in YEAR_FIELDS.values()}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


class ReportCell(NamedTuple):
    """Issue 16: this year's 年报 as the 本年度高企年报 cell says it: submitted or not, and on which day."""

    submitted: bool
    on: date | None


def neutralise(value):
    """A text that Excel would evaluate gets a leading apostrophe (OWASP CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
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


def _list_validations(ws, rows: int) -> None:
    """Drop-down lists on the stage and pool-level columns (at least 1000 rows, for later entries);
    a normal and a write-only sheet both keep them in ``data_validations``."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = max(rows + 1, 1000)
    for key, values in (("stage", STAGES.values()), ("pool_level", POOL_LEVELS.values())):
        letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="取值不在列表中",
            error="请从下拉列表中选择",
        )
        dv.add(f"{letter}2:{letter}{last}")
        ws.data_validations.append(dv)


def _validations(ws, rows: int) -> None:
    _list_validations(ws, rows)
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
    ws.append(
        [
            "导入规则",
            "",
            "整表校验通过才写入（全部成功或全部不写）；按统一社会信用代码更新已有企业或新增企业；"
            "只能导入本人管辖县区的企业。“评估结论”等只读列导入时忽略。",
        ]
    )
    ws.append(
        [
            VERSION_HEADER,
            "",
            "导出时每行企业的数据版本和导出时间，请勿修改。导入时如某企业在导出后已被他人修改，"
            "该行显示为冲突（导出时 / 当前 / 文件中），只有勾选确认的冲突行才会写入。",
        ]
    )
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 80


def template_bytes() -> bytes:
    from openpyxl import Workbook  # imported here, not at the top: every flask command would pay 0.2 s

    wb = Workbook()
    ws = _sheet(wb)
    _validations(ws, 0)
    _notes_sheet(wb)
    return _save(wb)


EXTRA_HEADERS = ("专员", "目标批次")  # read-only, after the verdict columns
VERSION_HEADER = EXPORT_VERSION_HEADER  # issue 11: "<firm version>@<export time, UTC>", after them
_STAMP = re.compile(r"^\s*v?(\d{1,9})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})Z?\s*$")


def version_stamp(version: int, exported_at: datetime) -> str:
    """The cell that says which firm version a row was exported from, and when (UTC)."""
    return f"{int(version or 1)}@{exported_at:%Y-%m-%dT%H:%M:%S}Z"


class Stamp(NamedTuple):
    """A row's export stamp: the firm version it was exported from, and when (UTC)."""

    version: int
    exported_at: datetime


def parse_stamp(value) -> Stamp | None:
    """The stamp of a stamp cell; None when blank or not a stamp (e.g. edited)."""
    m = _STAMP.match(str(value)) if value is not None else None
    if not m:
        return None
    return Stamp(int(m[1]), datetime.strptime(m[2], "%Y-%m-%dT%H:%M:%S"))


YEAR_SPAN = 3  # the yearly figures of the last three fiscal years, read-only


def year_headers(today: date) -> list[tuple[int, str, str]]:
    """``(year, field, header)`` of the read-only yearly figure columns, e.g. "2025年研发费用（万元）"."""
    first = today.year - YEAR_SPAN
    return [
        (y, key, f"{y}年{label}")
        for y in range(first, today.year)
        for key, (label, _money) in YEAR_FIELDS.items()
    ]


def is_readonly_header(header: str) -> bool:
    """Columns the export adds and the import ignores (verdict, officer, batch, yearly figures)."""
    if header in READONLY_HEADERS or header in EXTRA_HEADERS or header == VERSION_HEADER:
        return True
    m = re.fullmatch(r"(\d{4})年(.+)", header or "")
    return bool(m) and m.group(2) in _YEAR_LABELS


@dataclass(frozen=True)
class _ExportLookups:
    """What turns a pool row into export cells: names by id, 年报 cells, yearly figures."""

    counties: dict[int, str]
    towns: dict[int, str]
    officers: dict[int, str]
    reports: dict[int, ReportCell]  # firm id → this year's 年报
    figures: dict[int, dict[int, object]]  # firm id → year → its FiscalYear row (read by field name)
    years: list[tuple[int, str, str]]  # (year, field, header) of the read-only figure columns
    exported_at: datetime


_TEXT_COLS = frozenset(i for i, c in enumerate(COLUMNS) if c.key in ("credit_code", "contact_phone"))
_DATE_COLS = frozenset(i for i, c in enumerate(COLUMNS) if c.kind in ("date", "annual_report"))


def _year_figures(ids, today: date) -> dict[int, dict[int, object]]:
    """The listed firms' figures of the last YEAR_SPAN closed years (one query)."""
    from pipeline.models import FiscalYear

    figures: dict[int, dict[int, object]] = {}
    ycols = [getattr(FiscalYear, k) for k in YEAR_FIELDS]
    for row in db.session.execute(
        select(FiscalYear.firm_id, FiscalYear.year, *ycols).where(
            FiscalYear.firm_id.in_(select(ids.c.id)),
            FiscalYear.year >= today.year - YEAR_SPAN,
            FiscalYear.year < today.year,
        )
    ):
        figures.setdefault(row.firm_id, {})[row.year] = row
    return figures


def _report_cells(ids) -> dict[int, ReportCell]:
    """Issue 16: this year's 年报 of the listed firms (one query)."""
    from pipeline import clock
    from pipeline.models import AnnualReport

    return {
        fid: ReportCell(done, on)
        for fid, done, on in db.session.execute(
            select(AnnualReport.firm_id, AnnualReport.submitted, AnnualReport.submitted_on).where(
                AnnualReport.year == clock.today().year, AnnualReport.firm_id.in_(select(ids.c.id))
            )
        )
    }


def _export_lookups(ids, today: date) -> _ExportLookups:
    from pipeline import clock
    from pipeline.models import User
    from pipeline.services.departments import town_names

    return _ExportLookups(
        counties=dict(db.session.execute(select(County.id, County.name)).all()),
        towns=town_names(),  # issue 18
        officers=dict(
            db.session.execute(
                select(User.id, User.display_name).where(permissions.role_is(ROLE_OFFICER))
            ).all()
        ),
        reports=_report_cells(ids),
        figures=_year_figures(ids, today),
        years=year_headers(today),
        exported_at=clock.now_utc(),
    )


def _export_head(ws, years: list) -> None:
    """Column widths, the frozen first column and the header row (editable columns in blue)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers = (
        [c.header for c in COLUMNS]
        + list(READONLY_HEADERS)
        + list(EXTRA_HEADERS)
        + [VERSION_HEADER]
        + [h for _, _, h in years]
    )
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = c.width
    for i in range(len(COLUMNS) + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    ws.freeze_panes = "B2"
    head_font, ro_font = Font(bold=True, color="FFFFFF"), Font(bold=True, color="6B7483")
    head_fill = PatternFill("solid", fgColor="1F4E8C")
    head = []
    for i, h in enumerate(headers):
        cell = WriteOnlyCell(ws, value=h)
        if i < len(COLUMNS):
            cell.font, cell.fill = head_font, head_fill
        else:
            cell.font = ro_font
        head.append(cell)
    ws.append(head)


def _export_query(user, params, today: date):
    """The user's filtered pool list: the firm id, one value per editable column, then the read-only
    tail (officer, verdict, score range, target batch, version), streamed in batches of 1000."""
    from pipeline.models import Firm, Roadmap
    from pipeline.services.pool import pool_query

    cols = [
        Firm.county_id
        if c.kind == "county"
        else Firm.town_id
        if c.kind == "town"
        else Firm.id
        if c.kind == "annual_report"
        else getattr(Firm, c.key)
        for c in COLUMNS
    ]
    q = pool_query(
        user,
        params,
        today,
        columns=(
            Firm.id,
            *cols,
            Firm.officer_id,
            Assessment.verdict,
            Assessment.score_min,
            Assessment.score_max,
            Roadmap.target_batch,
            Firm.version,
        ),
    )
    return q.outerjoin(Roadmap, Roadmap.firm_id == Firm.id).execution_options(yield_per=1000)


def _export_value(c: Column, v, lookups: _ExportLookups):
    """An editable column's stored value as the import reads it back (names, labels, 年报 text)."""
    if c.kind == "county":
        return lookups.counties.get(v, "")
    if c.kind == "town":
        return lookups.towns.get(v, "")
    if c.kind == "stage":
        return STAGES.get(v, v)
    if c.kind == "level":
        return POOL_LEVELS.get(v or "", "")
    if c.kind == "annual_report":
        rec = lookups.reports.get(v)
        return None if rec is None else (rec.on if rec.submitted else ANNUAL_REPORT_NOT_SUBMITTED)
    return v


def _export_row(ws, row, lookups: _ExportLookups) -> list:
    """One firm's cells: the editable columns (text and date cells formatted), the read-only tail
    and the yearly figures."""
    from openpyxl.cell import WriteOnlyCell

    fid, values, (officer_id, verdict, smin, smax, batch, version) = (
        row[0],
        row[1 : 1 + len(COLUMNS)],
        row[1 + len(COLUMNS) :],
    )
    out = []
    for i, (c, v) in enumerate(zip(COLUMNS, values, strict=False)):
        v = neutralise(_export_value(c, v, lookups))
        if i in _TEXT_COLS or i in _DATE_COLS:
            cell = WriteOnlyCell(ws, value=v)
            cell.number_format = "@" if i in _TEXT_COLS else "yyyy-mm-dd"
            v = cell
        out.append(v)
    out += [
        VERDICTS.get(verdict, verdict) if verdict else None,
        smin,
        smax,
        neutralise(lookups.officers.get(officer_id)),
        batch,
        version_stamp(version, lookups.exported_at),
    ]
    mine = lookups.figures.get(fid, {})
    for y, key, _h in lookups.years:
        fig = mine.get(y)
        value = getattr(fig, key) if fig else None
        out.append(float(value) if value is not None and not isinstance(value, int) else value)
    return out


def export_bytes(user, params, today: date) -> bytes:
    """The filtered pool list as a workbook, streamed: plain rows in batches, a write-only sheet.

    Nothing is loaded as ORM objects; the yearly figures come from one query for the listed firms.
    """
    from openpyxl import Workbook  # imported here, not at the top: every flask command would pay 0.2 s

    from pipeline.models import Firm
    from pipeline.services.pool import pool_query

    ids = pool_query(user, params, today, columns=(Firm.id,), order=False).subquery()
    lookups = _export_lookups(ids, today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    _export_head(ws, lookups.years)
    n = 0
    for row in db.session.execute(_export_query(user, params, today)):
        ws.append(_export_row(ws, row, lookups))
        n += 1
    _list_validations(ws, n)
    _notes_sheet(wb)
    return _save(wb)


def _save(wb) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(today: date) -> str:
    return f"培育库企业_{today.isoformat()}.xlsx"
