"""Excel in: read a pool sheet, check every row, then upsert all of it or nothing.

``check`` reads and validates (no writes) and returns the preview or the errors (row, column,
reason, in Chinese); ``apply`` re-checks and writes everything in one transaction. Rows for firms
or counties outside the user's scope are errors, never silently skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from flask import current_app
from sqlalchemy import select

from pipeline import uscc
from pipeline.criteria import is_valid_domain
from pipeline.extensions import db
from pipeline.models import County, Firm, StageChange, User
from pipeline.models.base import utcnow
from pipeline.models.firm import POOL_LEVELS, STAGES
from pipeline.services.audit import record, snapshot
from pipeline.services.exports import COLUMNS, READONLY_HEADERS, _DANGEROUS
from pipeline.services.scope import can_see_county

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
FIELDS = tuple(c.key for c in COLUMNS if c.key != "county") + ("county_id",)


class ImportRefused(ValueError):
    """The whole file is refused (wrong type, too big, too many rows, wrong headers)."""


@dataclass
class RowError:
    row: int  # Excel row number (the header is row 1)
    column: str
    reason: str


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return cfg["IMPORT_MAX_MB"] * 1024 * 1024, cfg["IMPORT_MAX_ROWS"]


def read_sheet(data: bytes, filename: str = "") -> list[list]:
    """The first sheet's rows as lists of cell values; ImportRefused with a Chinese reason otherwise."""
    max_bytes, max_rows = _limits()
    if len(data) > max_bytes:
        raise ImportRefused(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），上限为 {max_bytes // 1024 // 1024} MB，"
                            "请拆分后分批导入")
    if not data:
        raise ImportRefused("文件为空")
    if not (data.startswith(_ZIP_MAGIC) or data.startswith(_OLE_MAGIC)):
        raise ImportRefused(f"“{filename or '该文件'}”不是 Excel 文件，请使用下载的模板（.xlsx）填写后上传")
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(BytesIO(data))
        sheet = wb.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises its own error types for every kind of broken file
        raise ImportRefused(f"无法读取“{filename or '该文件'}”，文件已损坏或不是 Excel 工作簿，请另存为 .xlsx 后重试")
    while rows and all(v in ("", None) for v in rows[-1]):
        rows.pop()
    if len(rows) - 1 > max_rows:
        raise ImportRefused(f"数据行数 {len(rows) - 1} 超过上限 {max_rows} 行，请拆分后分批导入")
    return rows


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        value = value.isoformat()[:10]
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(_DANGEROUS):
        text = text[1:]  # undo the export's formula neutralisation
    return text or None


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE.match(_text(value) or "")
    if not m:
        raise ValueError("日期格式应为 2020-05-18")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"“{_text(value)}”不是有效日期")


def check(user: User, data: bytes, filename: str = "") -> ImportResult:
    """Read and validate; returns the normalised rows (with what each would do) or the errors."""
    rows = read_sheet(data, filename)
    if not rows:
        raise ImportRefused("工作表为空：第1行应为表头")
    headers = [(_text(h) or "") for h in rows[0]]
    by_header = {c.header: c for c in COLUMNS}
    missing = [c.header for c in COLUMNS if c.required and c.header not in headers]
    if missing:
        raise ImportRefused(f"缺少必填列：{'、'.join(missing)}（请使用页面上的模板）")
    unknown = [h for h in headers if h and h not in by_header and h not in READONLY_HEADERS]
    if unknown:
        raise ImportRefused(f"无法识别的列：{'、'.join(unknown)}（请使用页面上的模板）")
    dupes = {h for h in headers if h and headers.count(h) > 1}
    if dupes:
        raise ImportRefused(f"列重复：{'、'.join(dupes)}")
    index = {h: i for i, h in enumerate(headers) if h in by_header}
    if len(rows) < 2:
        raise ImportRefused("没有数据行：第2行起填写企业")

    counties = list(db.session.scalars(select(County)))
    county_by = {c.name: c for c in counties} | {c.code: c for c in counties}
    stage_by = {v: k for k, v in STAGES.items()} | {k: k for k in STAGES}
    level_by = {v: k for k, v in POOL_LEVELS.items()} | {k: k for k in POOL_LEVELS}

    result = ImportResult()
    seen: dict[str, int] = {}
    parsed = []
    for n, raw in enumerate(rows[1:], start=2):
        if all(_text(v) is None for v in raw):
            continue
        values: dict = {}
        err = result.errors.append

        def cell(col):
            i = index.get(col.header)
            return raw[i] if i is not None and i < len(raw) else None

        for col in COLUMNS:
            v = cell(col)
            text = _text(v)
            if col.required and text is None:
                err(RowError(n, col.header, f"{col.header}不能为空"))
                continue
            if text is None:
                values[col.key] = None
                continue
            try:
                if col.key == "credit_code":
                    code = uscc.validate(text)
                    if code in seen:
                        raise ValueError(f"与第{seen[code]}行的统一社会信用代码重复")
                    seen[code] = n
                    values[col.key] = code
                elif col.kind == "county":
                    county = county_by.get(text)
                    if county is None:
                        raise ValueError(f"没有名为“{text}”的县区")
                    if not can_see_county(user, county.id):
                        raise ValueError(f"“{county.name}”不在您的管辖范围内")
                    values["county_id"] = county.id
                elif col.kind == "date":
                    values[col.key] = _date(v)
                elif col.kind == "stage":
                    if text not in stage_by:
                        raise ValueError(f"“{text}”不是有效阶段，应为：{'、'.join(STAGES.values())}")
                    values[col.key] = stage_by[text]
                elif col.kind == "level":
                    if text not in level_by:
                        raise ValueError(f"“{text}”不是有效入库级别，应为：{'、'.join(POOL_LEVELS.values())}")
                    values[col.key] = level_by[text]
                elif col.key == "tech_domain":
                    if not is_valid_domain(text):
                        raise ValueError(f"“{text}”不是高新技术领域目录中的代码")
                    values[col.key] = text
                elif col.key == "contact_email":
                    if not _EMAIL.match(text):
                        raise ValueError(f"“{text}”不是有效的邮箱地址")
                    values[col.key] = text
                else:
                    limit = Firm.__table__.c[col.key].type.length
                    if limit and len(text) > limit:
                        raise ValueError(f"超过{limit}个字符")
                    values[col.key] = text
            except (ValueError, uscc.CreditCodeError) as exc:
                err(RowError(n, col.header, str(exc)))
        if values.get("hnte_cert_date") and values.get("hnte_cert_expiry") and \
                values["hnte_cert_expiry"] <= values["hnte_cert_date"]:
            err(RowError(n, "证书到期日", "证书到期日应晚于发证日期"))
        parsed.append((n, values))

    codes = [v["credit_code"] for _, v in parsed if v.get("credit_code")]
    existing: dict[str, Firm] = {}
    for start in range(0, len(codes), 1000):
        for f in db.session.scalars(select(Firm).where(Firm.credit_code.in_(codes[start:start + 1000]))):
            existing[f.credit_code] = f
    for n, values in parsed:
        firm = existing.get(values.get("credit_code"))
        if firm is not None and not can_see_county(user, firm.county_id):
            result.errors.append(RowError(n, "统一社会信用代码", "该企业属于其他县区，您无权修改"))
            continue
        if firm is None:
            values["_action"] = "new"
            result.new += 1
        else:
            before = snapshot(firm, FIELDS)
            after = {**before, **{k: v for k, v in values.items() if k in FIELDS and not (k == "stage" and v is None)}}
            after = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in after.items()}
            changed = [k for k in FIELDS if before.get(k) != after.get(k)]
            values["_action"] = "update" if changed else "same"
            values["_changed"] = changed
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
        values["_row"] = n
        result.rows.append(values)
    result.errors.sort(key=lambda e: (e.row, [c.header for c in COLUMNS].index(e.column)
                                      if e.column in [c.header for c in COLUMNS] else 99))
    return result


def apply(user: User, data: bytes, filename: str, today: date) -> ImportResult:
    """Check again and, only if every row is right, upsert all rows in one transaction."""
    result = check(user, data, filename)
    if not result.ok:
        return result
    firms = {f.credit_code: f for f in db.session.scalars(
        select(Firm).where(Firm.credit_code.in_([r["credit_code"] for r in result.rows])))}
    touched = []
    now = utcnow()
    try:
        for row in result.rows:
            values = {k: v for k, v in row.items() if k in FIELDS}
            firm = firms.get(row["credit_code"])
            if firm is None:
                values["stage"] = values.get("stage") or "candidate"
                firm = Firm(**values, stage_changed_at=now)
                db.session.add(firm)
                db.session.flush()
                db.session.add(StageChange(firm_id=firm.id, from_stage=None, to_stage=firm.stage, user_id=user.id,
                                           at=now, reason=f"Excel导入（{filename}）"))
                record(user, "create", "firm", firm.id, firm.id, None, snapshot(firm, FIELDS))
            elif row["_action"] == "update":
                before = snapshot(firm, FIELDS)
                if values.get("stage") is None:
                    values.pop("stage", None)
                if "stage" in values and values["stage"] != firm.stage:
                    db.session.add(StageChange(firm_id=firm.id, from_stage=firm.stage, to_stage=values["stage"],
                                               user_id=user.id, at=now, reason=f"Excel导入（{filename}）"))
                    firm.stage_changed_at = now
                for k, v in values.items():
                    setattr(firm, k, v)
                record(user, "update", "firm", firm.id, firm.id, before, snapshot(firm, FIELDS))
            else:
                continue
            touched.append(firm.id)
        record(user, "import", "firm", None, None, None,
               {"file": filename, "new": result.new, "updated": result.updated, "unchanged": result.unchanged})
        if touched:
            from pipeline.services.firms import refresh

            refresh(touched, today, user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
