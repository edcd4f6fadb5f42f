"""Excel in: read a pool sheet, check every row, then upsert all of it or nothing.

``check`` reads and validates (no writes) and returns the preview or the errors (row, column,
reason, in the UI language: Chinese by default); ``apply`` re-checks and writes everything in one transaction. Rows for firms
or counties outside the user's scope are errors, never silently skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from pipeline import runtime, uscc
from pipeline.criteria import is_valid_domain
from pipeline.errors import Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext, tl
from pipeline.messages import credit_code_reason
from pipeline.models import County, Firm, StageChange, User
from pipeline.models.base import utcnow
from pipeline.models.firm import NOTES_MAX_CHARS
from pipeline.services.audit import record, snapshot
from pipeline.services.exports import (
    _DANGEROUS,
    COLUMNS,
    VERSION_HEADER,
    ReportCell,
    is_readonly_header,
    parse_stamp,
)
from pipeline.services.integrity import flush_or_conflict
from pipeline.services.scope import can_see_county, can_see_town, town_node
from pipeline.text import InvisibleCharacter, clean_name
from pipeline.vocabulary import FIRM_FIELDS, POOL_LEVELS, STAGES

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIRM_FIELDS_TOWN = next(c.header for c in COLUMNS if c.key == "town")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
FIELDS = tuple(c.key for c in COLUMNS if c.key not in ("county", "town", "annual_report")) + (
    "county_id",
    "town_id",
)


# Reading (issue 12): the same limits and name rule as the profile form.
TEXT_LIMITS = {"notes": NOTES_MAX_CHARS}
NAME_KEYS = frozenset({"name", "industry", "contact_name", "address"})


def clean_imported_name(text: str) -> str:
    try:
        cleaned = clean_name(text)
    except InvisibleCharacter as exc:
        raise ValueError(
            gettext(
                "Contains an invisible control character (%(code)s); delete it and try again", code=exc.code
            )
        )
    if cleaned is None:
        raise ValueError(gettext("Enter a name, not only spaces"))
    return cleaned


class ImportRefused(Invalid):
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
    # issue 11: rows whose firm changed after the export (applied only when ticked), rows without an
    # export stamp (not checked for conflicts), rows left out by "update only", conflicts not ticked
    conflicts: int = 0
    unstamped: int = 0
    skipped_new: int = 0
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _limits() -> tuple[int, int]:
    cfg = runtime.settings()
    return cfg["IMPORT_MAX_MB"] * 1024 * 1024, cfg["IMPORT_MAX_ROWS"]


def read_sheet(data: bytes, filename: str = "") -> list[list]:
    """The first sheet's rows as lists of cell values; ImportRefused with a Chinese reason otherwise."""
    max_bytes, max_rows = _limits()
    if len(data) > max_bytes:
        raise ImportRefused(
            gettext(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB. Split it and import "
                "the parts one by one",
                size=format(len(data) / 1024 / 1024, ".1f"),
                limit=max_bytes // 1024 // 1024,
            )
        )
    if not data:
        raise ImportRefused(gettext("The file is empty"))
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(_OLE_MAGIC):
            raise ImportRefused(
                gettext(
                    "“%(name)s” is an old .xls workbook: open it in Excel or WPS, save it as .xlsx "
                    "and upload that",
                    name=filename or gettext("this file"),
                )
            )
        raise ImportRefused(
            gettext(
                "“%(name)s” is not an Excel file: fill in the downloaded template (.xlsx) and upload " "that",
                name=filename or gettext("this file"),
            )
        )
    from pipeline.services.xlsx_read import Limits, SheetRefused, read_rows

    try:
        return read_rows(data, Limits(max_rows=max_rows))
    except SheetRefused as exc:
        if str(exc):
            raise ImportRefused(str(exc))
        raise ImportRefused(
            gettext(
                "Cannot read “%(name)s”: the file is damaged or not an Excel workbook. Save it as "
                ".xlsx and try again",
                name=filename or gettext("this file"),
            )
        )


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
        raise ValueError(gettext("Dates are written like 2020-05-18"))
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(gettext("“%(text)s” is not a valid date", text=_text(value)))


@dataclass(frozen=True)
class _Sheet:
    """The sheet's data rows (from Excel row 2) and where each known column stands."""

    rows: list[list]
    index: dict[str, int]  # header → column position
    stamp_at: int | None  # the export's version-stamp column, if the file has it

    def cell(self, raw: list, col):
        i = self.index.get(col.header)
        return raw[i] if i is not None and i < len(raw) else None


def _sheet(rows: list[list]) -> _Sheet:
    """Row 1's headers checked (required present, none unknown or repeated) and at least one data row."""
    if not rows:
        raise ImportRefused(gettext("The sheet is empty: row 1 must hold the headers"))
    headers = [(_text(h) or "") for h in rows[0]]
    known = {c.header for c in COLUMNS}
    missing = [c.header for c in COLUMNS if c.required and c.header not in headers]
    if missing:
        raise ImportRefused(
            gettext(
                "Required columns missing: %(columns)s (use the template on this page)",
                columns=gettext(", ").join(missing),
            )
        )
    unknown = [h for h in headers if h and h not in known and not is_readonly_header(h)]
    if unknown:
        raise ImportRefused(
            gettext(
                "Unknown columns: %(columns)s (use the template on this page)",
                columns=gettext(", ").join(unknown),
            )
        )
    dupes = {h for h in headers if h and headers.count(h) > 1}
    if dupes:
        raise ImportRefused(gettext("Repeated columns: %(columns)s", columns=gettext(", ").join(dupes)))
    if len(rows) < 2:
        raise ImportRefused(gettext("No data rows: enter the firms from row 2 on"))
    return _Sheet(
        rows=rows[1:],
        index={h: i for i, h in enumerate(headers) if h in known},
        stamp_at=headers.index(VERSION_HEADER) if VERSION_HEADER in headers else None,
    )


@dataclass
class _Reading:
    """What reading the rows needs: the user's place, the name lookups, the codes seen so far."""

    user: User
    own_town: object  # the town officer's town node, else None
    towns: dict
    county_by: dict[str, County]  # by name and by division code
    stage_by: dict[str, str]  # by label and by key
    level_by: dict[str, str]
    seen: dict[str, int] = field(default_factory=dict)  # credit code → the first row that has it


def _reading(user: User) -> _Reading:
    from pipeline.services.departments import town_lookup

    counties = list(db.session.scalars(select(County)))
    return _Reading(
        user=user,
        own_town=town_node(user),
        towns=town_lookup(),
        county_by={c.name: c for c in counties} | {c.code: c for c in counties},
        stage_by={v: k for k, v in STAGES.items()} | {k: k for k in STAGES},
        level_by={v: k for k, v in POOL_LEVELS.items()} | {k: k for k in POOL_LEVELS},
    )


# One reader a cell: (reading, row number, column, text, raw value) → the values it sets; a ValueError
# (or CreditCodeError) is the cell's error.
def _cell_credit_code(ctx: _Reading, n: int, col, text: str, value) -> dict:
    code = uscc.validate(text)
    if code in ctx.seen:
        raise ValueError(gettext("Same unified social credit code as row %(row)s", row=ctx.seen[code]))
    ctx.seen[code] = n
    return {col.key: code}


def _cell_county(ctx: _Reading, n: int, col, text: str, value) -> dict:
    county = ctx.county_by.get(text)
    if county is None:
        raise ValueError(gettext("There is no county named “%(name)s”", name=text))
    own_town = ctx.own_town
    if not (
        can_see_county(ctx.user, county.id) or (own_town is not None and county.id == own_town.county_id)
    ):
        raise ValueError(gettext("“%(name)s” is outside your jurisdiction", name=county.name))
    return {"county_id": county.id}


def _cell_annual_report(ctx: _Reading, n: int, col, text: str, value) -> dict:
    from pipeline.services.exports import ANNUAL_REPORT_NOT_SUBMITTED

    if text == ANNUAL_REPORT_NOT_SUBMITTED:
        return {col.key: ReportCell(False, None)}
    return {col.key: ReportCell(True, _date(value))}


def _cell_town(ctx: _Reading, n: int, col, text: str, value) -> dict:
    return {"_town": text}  # resolved by _resolve_town, once the row's county is known


def _cell_date(ctx: _Reading, n: int, col, text: str, value) -> dict:
    return {col.key: _date(value)}


def _cell_stage(ctx: _Reading, n: int, col, text: str, value) -> dict:
    if text not in ctx.stage_by:
        raise ValueError(
            gettext(
                "“%(text)s” is not a valid stage; use one of: %(choices)s",
                text=text,
                choices=gettext(", ").join(map(tl, STAGES.values())),
            )
        )
    return {col.key: ctx.stage_by[text]}


def _cell_level(ctx: _Reading, n: int, col, text: str, value) -> dict:
    if text not in ctx.level_by:
        raise ValueError(
            gettext(
                "“%(text)s” is not a valid pool level; use one of: %(choices)s",
                text=text,
                choices=gettext(", ").join(map(tl, POOL_LEVELS.values())),
            )
        )
    return {col.key: ctx.level_by[text]}


def _cell_tech_domain(ctx: _Reading, n: int, col, text: str, value) -> dict:
    if not is_valid_domain(text):
        raise ValueError(gettext("“%(code)s” is not a code in the high-tech field catalogue", code=text))
    return {col.key: text}


def _cell_email(ctx: _Reading, n: int, col, text: str, value) -> dict:
    if not _EMAIL.match(text):
        raise ValueError(gettext("“%(text)s” is not a valid e-mail address", text=text))
    return {col.key: text}


def _cell_text(ctx: _Reading, n: int, col, text: str, value) -> dict:
    limit = Firm.__table__.c[col.key].type.length or TEXT_LIMITS.get(col.key)
    if limit and len(text) > limit:
        raise ValueError(gettext("More than %(n)s characters", n=limit))
    return {col.key: clean_imported_name(text) if col.key in NAME_KEYS else text}


_CELL_BY_KEY = {
    "credit_code": _cell_credit_code,
    "tech_domain": _cell_tech_domain,
    "contact_email": _cell_email,
}
_CELL_BY_KIND = {
    "county": _cell_county,
    "annual_report": _cell_annual_report,
    "town": _cell_town,
    "date": _cell_date,
    "stage": _cell_stage,
    "level": _cell_level,
}


def _cell_reader(col):
    return _CELL_BY_KEY.get(col.key) or _CELL_BY_KIND.get(col.kind, _cell_text)


def _read_row(ctx: _Reading, sheet: _Sheet, n: int, raw: list, err) -> dict:
    """Excel row ``n`` as field values; each bad cell is an error naming the row and the column."""
    values: dict = {}
    for col in COLUMNS:
        value = sheet.cell(raw, col)
        text = _text(value)
        if text is None:
            if col.required:
                err(RowError(n, col.header, gettext("%(column)s is required", column=tl(col.header))))
            else:
                values[col.key] = None
            continue
        try:
            values.update(_cell_reader(col)(ctx, n, col, text, value))
        except uscc.CreditCodeError as exc:
            err(RowError(n, col.header, credit_code_reason(exc)))
        except ValueError as exc:
            err(RowError(n, col.header, str(exc)))
    if sheet.stamp_at is not None and sheet.stamp_at < len(raw):
        values["_stamp"] = parse_stamp(raw[sheet.stamp_at])
    _resolve_town(ctx.user, n, values, ctx.towns, ctx.own_town, err)
    issued, expiry = values.get("hnte_cert_date"), values.get("hnte_cert_expiry")
    if issued and expiry and expiry <= issued:
        err(
            RowError(
                n,
                FIRM_FIELDS["hnte_cert_expiry"],
                gettext("The certificate expiry date must be after the issue date"),
            )
        )
    return values


def _read_rows(ctx: _Reading, sheet: _Sheet, result: ImportResult) -> list[tuple[int, dict]]:
    """``(Excel row number, values)`` of every row that is not blank."""
    parsed = []
    for n, raw in enumerate(sheet.rows, start=2):
        if all(_text(v) is None for v in raw):
            continue
        parsed.append((n, _read_row(ctx, sheet, n, raw, result.errors.append)))
    return parsed


def _existing_firms(codes: list[str]) -> dict[str, Firm]:
    """The pool's firms with these credit codes (in chunks of 1000: the drivers' parameter limits)."""
    existing: dict[str, Firm] = {}
    for start in range(0, len(codes), 1000):
        for f in db.session.scalars(select(Firm).where(Firm.credit_code.in_(codes[start : start + 1000]))):
            existing[f.credit_code] = f
    return existing


def _outside_scope(user: User, firm: Firm | None, own_town) -> str | None:
    """Why the user may not change this existing firm (another town or county), or None."""
    if firm is None:
        return None
    if own_town is not None:
        same_town = (
            firm.county_id == own_town.county_id
            and firm.town_id is not None
            and can_see_town(user, db.session.get(type(own_town), firm.town_id))
        )
        return None if same_town else gettext("This firm belongs to another town; you cannot change it")
    if not can_see_county(user, firm.county_id):
        return gettext("This firm belongs to another county; you cannot change it")
    return None


def _plan_update(firm: Firm, values: dict, report_change: bool, result: ImportResult) -> None:
    """What the row would change on an existing firm: ``update``, ``same`` or ``conflict`` (issue 11)."""
    before = snapshot(firm, FIELDS)
    after = {
        **before,
        **{k: v for k, v in values.items() if k in FIELDS and not (k in ("stage", "town_id") and v is None)},
    }
    after = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in after.items()}
    changed = [k for k in FIELDS if before.get(k) != after.get(k)]
    # issue 17: the preview shows each change as old → new (the page labels them)
    values["_diff"] = [(k, before.get(k), after.get(k)) for k in changed]
    if report_change:
        changed.append("annual_report")
        values["_diff"].append(("annual_report", None, values.get("annual_report")))
    values["_action"] = "update" if changed else "same"
    values["_changed"] = changed
    conflicts = _conflicts(firm, values, before, after, result) if changed else None
    if conflicts:
        values["_action"], values["_conflicts"], values["_version"] = "conflict", conflicts, firm.version
        result.conflicts += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1


def _plan_row(firm: Firm | None, values: dict, n: int, update_only: bool, result: ImportResult) -> None:
    """Sets the row's ``_action`` (new, skip_new, update, same, conflict) and counts it."""
    report_change = _annual_report_change(firm, values, n, result)
    if firm is None and update_only:
        values["_action"] = "skip_new"
        result.skipped_new += 1
    elif firm is None:
        values["_action"] = "new"
        result.new += 1
    else:
        _plan_update(firm, values, report_change, result)


_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}


def check(user: User, data: bytes, filename: str = "", update_only: bool = False) -> ImportResult:
    """Read and validate; returns the normalised rows (with what each would do) or the errors.

    Issue 11: a row of an export whose firm changed after the export is a ``conflict`` (see
    ``_conflicts``); with ``update_only`` a row for a firm not in the pool is ``skip_new``.
    """
    sheet = _sheet(read_sheet(data, filename))
    ctx = _reading(user)
    result = ImportResult()
    parsed = _read_rows(ctx, sheet, result)
    existing = _existing_firms([v["credit_code"] for _, v in parsed if v.get("credit_code")])
    for n, values in parsed:
        firm = existing.get(values.get("credit_code"))
        refused = _outside_scope(user, firm, ctx.own_town)
        if refused:
            result.errors.append(RowError(n, FIRM_FIELDS["credit_code"], refused))
            continue
        _plan_row(firm, values, n, update_only, result)
        values["_row"] = n
        result.rows.append(values)
    result.errors.sort(key=lambda e: (e.row, _COLUMN_ORDER.get(e.column, 99)))
    return result


def _conflicts(firm: Firm, values: dict, before: dict, after: dict, result: ImportResult) -> list[dict]:
    """Issue 11: the fields of a row whose firm changed after the export and where the file would
    overwrite that change: ``{field, label, old (at export), theirs (now), yours (file), by, at}``.

    The row's stamp gives the firm version it was exported from; the audit rows after that version
    say which fields changed, by whom, and what they were at export. A field changed since and
    posted back as the file has it is not a conflict (the file agrees with the change). A row
    without a stamp (a template, or the column deleted) cannot be checked and is counted.
    """
    from pipeline.services import versions

    stamp = values.get("_stamp")
    if stamp is None:
        result.unstamped += 1
        return []
    exported_version = stamp.version
    if firm.version <= exported_version:
        return []
    since: dict[str, tuple] = {}
    for change in versions.changes_since("firm", firm.id, exported_version):
        for key, (old, _new) in change.fields.items():
            if key in FIELDS and key not in since:
                since[key] = (old, change.user, change.at)
    if not since:  # changed without an audited field (should not happen): every difference is a conflict
        since = {k: (None, None, None) for k in FIELDS if before.get(k) != after.get(k)}
    return [
        {
            "field": key,
            "label": versions.field_label("firm", key),
            "old": versions.display_value("firm", key, old),
            "theirs": versions.display_value("firm", key, before.get(key)),
            "yours": versions.display_value("firm", key, after.get(key)),
            "by": by,
            "at": at,
        }
        for key, (old, by, at) in since.items()
        if before.get(key) != after.get(key)
    ]


def _annual_report_change(firm, values: dict, n: int, result) -> bool:
    """Issue 16: whether the row's 本年度高企年报 cell changes the firm's record (errors named by row)."""
    from pipeline import clock
    from pipeline.compliance import cert_active, report_years
    from pipeline.models import AnnualReport
    from pipeline.services.exports import ANNUAL_REPORT_HEADER

    wanted = values.get("annual_report")
    if wanted is None:
        return False
    today = clock.today()
    if (
        firm is None
        or not cert_active(firm.hnte_cert_date, firm.hnte_cert_expiry, today)
        or today.year not in report_years(firm.hnte_cert_date, firm.hnte_cert_expiry, today.year)
    ):
        result.errors.append(
            RowError(
                n,
                ANNUAL_REPORT_HEADER,
                gettext(
                    "No annual report is due this year for this firm (not a certified HNTE "
                    "with a report due)"
                ),
            )
        )
        return False
    if wanted.on is not None and wanted.on > today:
        result.errors.append(
            RowError(n, ANNUAL_REPORT_HEADER, gettext("Submitted on: the date cannot be in the future"))
        )
        return False
    rec = db.session.scalars(
        select(AnnualReport).where(AnnualReport.firm_id == firm.id, AnnualReport.year == today.year)
    ).first()
    return rec is None or (rec.submitted, rec.submitted_on) != wanted


def _resolve_town(user: User, n: int, values: dict, towns: dict, own_town, err) -> None:
    """The row's 乡镇/街道 cell → ``town_id`` (None when blank); an unknown town, or one outside a town
    officer's own, is an error naming the row and the column (issue 18)."""
    text = values.pop("_town", None)
    values["town_id"] = None
    header = FIRM_FIELDS_TOWN
    if text is None:
        return
    county_id = values.get("county_id")
    if county_id is None:
        return  # the county cell already has its error
    town = towns.get((county_id, text))
    if town is None:
        county = db.session.get(County, county_id)
        err(
            RowError(
                n,
                header,
                gettext(
                    "Row %(row)s, column “%(column)s”: %(county)s has no town, street or park "
                    "named “%(name)s”",
                    row=n,
                    column=tl(header),
                    county=county.name,
                    name=text,
                ),
            )
        )
        return
    if not can_see_town(user, town):
        err(
            RowError(
                n,
                header,
                gettext(
                    "Row %(row)s, column “%(column)s”: “%(name)s” is outside your jurisdiction",
                    row=n,
                    column=tl(header),
                    name=text,
                ),
            )
        )
        return
    values["town_id"] = town.id


def _settle_conflicts(result: ImportResult, confirmed: dict[int, int]) -> None:
    """A ticked conflict row (at the version the officer saw) becomes an update; the others are skipped."""
    for row in result.rows:
        if row["_action"] != "conflict":
            continue
        if confirmed.get(row["_row"]) == row["_version"]:
            row["_action"] = "update"
            result.updated += 1
        else:
            result.skipped_rows.append(row["_row"])


def _stage_change(firm: Firm, from_stage, to_stage: str, user: User, filename: str, now) -> StageChange:
    return StageChange(
        firm_id=firm.id,
        from_stage=from_stage,
        to_stage=to_stage,
        user_id=user.id,
        at=now,
        reason=f"Excel导入（{filename}）",
    )


def _create_firm(user: User, values: dict, filename: str, now) -> Firm:
    """A new firm from a row (a candidate unless the row names its stage), with its first stage change."""
    values["stage"] = values.get("stage") or "candidate"
    if values.get("town_id") is None:  # issue 18: every firm is in a town
        from pipeline.services.departments import unassigned_town

        own = town_node(user)
        values["town_id"] = own.id if own is not None else unassigned_town(values["county_id"]).id
    firm = Firm(**values, stage_changed_at=now)
    with flush_or_conflict():  # its code created meanwhile: Conflict on "credit_code", not a 500
        db.session.add(firm)
    db.session.add(_stage_change(firm, None, firm.stage, user, filename, now))
    record(user, "create", "firm", firm.id, firm.id, None, snapshot(firm, FIELDS))
    return firm


def _update_firm(user: User, firm: Firm, values: dict, filename: str, now) -> None:
    """A row's cells onto its firm; a blank stage or town keeps the firm's."""
    before = snapshot(firm, FIELDS)
    if values.get("stage") is None:
        values.pop("stage", None)
    if values.get("town_id") is None:  # blank town: unchanged
        values.pop("town_id", None)
    if "stage" in values and values["stage"] != firm.stage:
        db.session.add(_stage_change(firm, firm.stage, values["stage"], user, filename, now))
        firm.stage_changed_at = now
    for k, v in values.items():
        setattr(firm, k, v)
    record(user, "update", "firm", firm.id, firm.id, before, snapshot(firm, FIELDS))


def _apply_row(user: User, row: dict, firm: Firm | None, filename: str, today: date, now) -> Firm | None:
    """One checked row: the firm it created or updated, or None when the row changes nothing."""
    if row["_action"] in ("conflict", "skip_new"):
        return None
    values = {k: v for k, v in row.items() if k in FIELDS}
    if firm is None:
        firm = _create_firm(user, values, filename, now)
    elif row["_action"] == "update":
        _update_firm(user, firm, values, filename, now)
    else:
        return None
    report = row.get("annual_report")
    if report is not None and "annual_report" in row.get("_changed", ()):
        from pipeline.services.compliance import record_report

        record_report(user, firm, today.year, report.submitted, report.on, None, today)
    return firm


def _record_import(user: User, filename: str, result: ImportResult, update_only: bool) -> None:
    record(
        user,
        "import",
        "firm",
        None,
        None,
        None,
        {
            "file": filename,
            "new": result.new,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "conflicts_skipped": result.skipped_rows,
            "update_only": update_only,
        },
    )


def apply(
    user: User,
    data: bytes,
    filename: str,
    today: date,
    update_only: bool = False,
    confirmed: dict[int, int] | None = None,
) -> ImportResult:
    """Check again and, only if every row is right, upsert all rows in one transaction.

    ``confirmed`` maps an Excel row number to the firm version the officer saw its conflict at: a
    conflict row is applied only when ticked and the firm has not changed again since the preview;
    every other conflict row is skipped and listed in ``skipped_rows`` (issue 11).
    """
    result = check(user, data, filename, update_only=update_only)
    if not result.ok:
        return result
    _settle_conflicts(result, confirmed or {})
    firms = {
        f.credit_code: f
        for f in db.session.scalars(
            select(Firm).where(Firm.credit_code.in_([r["credit_code"] for r in result.rows]))
        )
    }
    touched = []
    now = utcnow()
    for row in result.rows:
        firm = _apply_row(user, row, firms.get(row["credit_code"]), filename, today, now)
        if firm is not None:
            touched.append(firm.id)
    _record_import(user, filename, result, update_only)
    if touched:
        from pipeline.services.firms import refresh

        refresh(touched, today, user)
    db.session.flush()
    return result
