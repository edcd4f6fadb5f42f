"""After the certificate (issue 16): the stored compliance watch, 年报 records and their deadlines.

``refresh`` turns ORM rows into :mod:`pipeline.compliance` inputs in a fixed number of queries
(firms, fiscal years, incidents, 年报 records, the deadline setting), runs the pure watch and
rewrites the ``compliance_watch`` rows. It is called by every service that changes a firm's data
(through ``services.firms.refresh``), by the 年报 form and import, and by the daily job before the
reminder scan (so the yearly turn of the window and passed 年报 deadlines show up on their own).

Who counts: firms with a certificate active on ``today`` (valid through its expiry day, not before
its date). A firm whose certificate lapsed has no watch row: it no longer counts as certified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import delete, select

from pipeline import compliance as C
from pipeline.errors import Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import AnnualReport, ComplianceWatch, Firm, FiscalYear, Incident
from pipeline.models.base import utcnow
from pipeline.services.audit import record, snapshot
from pipeline.services.profiles import headcount

_CHUNK = 5000


class ComplianceError(Invalid):
    """A 年报 record that cannot be saved; the message names the field (UI language)."""


# The one certificate-state rule (issue 11): who counts as certified on a day.
from pipeline.services.certificates import active_clause  # noqa: E402

# ------------------------------------------------------------------ 年报 deadlines (the core's calendar data)


def calendar(today: date):
    """The planning calendar with the admin's 科小 windows and 年报 deadlines per year (issue 14)."""
    from pipeline.services.roadmaps import planner_calendar

    return planner_calendar(today)


class Deadline(NamedTuple):
    nominal: date
    real: date  # moved past a holiday or weekend


def report_deadline(year: int, cal) -> Deadline:
    """(nominal, real) 年报 deadline of ``year``: the calendar's date (31 May unless the admin set an
    earlier local date for that year); on a holiday or weekend it moves to the next working day.
    The reminder rules compute the same (``rules._report_deadline``)."""
    from pipeline.reminders.rules import next_workday

    nominal = cal.annual_report_due(year)
    return Deadline(nominal, next_workday(nominal))


# ------------------------------------------------------------------ the watch


def _inputs(firms: list, today: date) -> list[C.WatchInput]:
    ids = [f.id for f in firms]
    years: dict[int, dict] = defaultdict(dict)
    incidents: dict[int, list] = defaultdict(list)
    reports: dict[int, dict] = defaultdict(dict)
    refused: dict[int, set] = defaultdict(set)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        for r in db.session.execute(
            select(
                FiscalYear.firm_id,
                FiscalYear.year,
                FiscalYear.sales,
                FiscalYear.total_income,
                FiscalYear.hightech_income,
                FiscalYear.rd_total,
                FiscalYear.staff,
                FiscalYear.tech_staff,
                FiscalYear.is_estimate,
            ).where(
                FiscalYear.firm_id.in_(part), FiscalYear.year >= today.year - 4, FiscalYear.year <= today.year
            )
        ):
            years[r.firm_id][r.year] = C.YearFigures(
                year=r.year,
                sales=r.sales,
                total_income=r.total_income,
                hightech_income=r.hightech_income,
                rd_total=r.rd_total,
                staff=headcount(r.staff),  # 60 or 96.5
                tech_staff=headcount(r.tech_staff),
                is_estimate=r.is_estimate,
            )
        for fid, on in db.session.execute(
            select(Incident.firm_id, Incident.occurred_on).where(
                Incident.firm_id.in_(part), Incident.occurred_on >= today - timedelta(days=366)
            )
        ):
            incidents[fid].append(on)
        for fid, y, done, on in db.session.execute(
            select(
                AnnualReport.firm_id, AnnualReport.year, AnnualReport.submitted, AnnualReport.submitted_on
            ).where(AnnualReport.firm_id.in_(part))
        ):
            if done:
                reports[fid][y] = on
            else:
                refused[fid].add(y)
    cal = calendar(today)
    deadlines = {y: report_deadline(y, cal).real for y in range(today.year - 4, today.year + 1)}
    return [
        C.WatchInput(
            f.id,
            f.hnte_cert_date,
            f.hnte_cert_expiry,
            years.get(f.id, {}),
            tuple(incidents.get(f.id, ())),
            reports.get(f.id, {}),
            deadlines,
            frozenset(refused.get(f.id, ())),
        )
        for f in firms
    ]


def refresh(today: date, firm_ids: Iterable[int] | None = None) -> dict:
    """Recompute and store the watch of the given firms (all when None) in the caller's transaction."""
    ids = None if firm_ids is None else list(firm_ids)
    q = select(Firm.id, Firm.hnte_cert_date, Firm.hnte_cert_expiry).where(active_clause(today))
    firms = []
    if ids is None:
        firms = list(db.session.execute(q))
        db.session.execute(delete(ComplianceWatch))
    else:
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            firms += list(db.session.execute(q.where(Firm.id.in_(part))))
            db.session.execute(delete(ComplianceWatch).where(ComplianceWatch.firm_id.in_(part)))
    now = utcnow()
    rows, counts = [], defaultdict(int)
    for inp in _inputs(firms, today):
        r = C.watch(inp, today)
        counts[r.status] += 1
        rows.append(
            {
                "firm_id": r.firm_id,
                "computed_on": today,
                "computed_at": now,
                "status": r.status,
                "codes": ",".join(r.codes),
                "summary": r.summary(),
                "reasons": [_json_safe(x.to_dict()) for x in r.reasons],
                "notes": list(r.notes),
                "rd_ratio": r.rd_ratio,
                "rd_band": r.rd_band,
                "rd_shortfall": r.rd_shortfall,
                "reports_missed": len(r.reports_missed),
            }
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(ComplianceWatch.__table__.insert(), rows[start : start + 1000])
    return {"firms": len(rows), **counts}


def _json_safe(value):
    """A reason's figures for the JSON column: a Decimal (a monthly-average headcount, issue 11) as
    an int when whole, else as its exact string, like the other figures of the reasons."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def watch_of(firm_id: int) -> ComplianceWatch | None:
    return db.session.get(ComplianceWatch, firm_id)


# ------------------------------------------------------------------ 年报 records

REPORT_FIELDS = ("year", "submitted", "submitted_on", "note")


def reports_of(firm: Firm, today: date) -> list[dict]:
    """Every 年报 year of the firm's certificate up to this year, with its record and deadline."""
    have = {
        r.year: r for r in db.session.scalars(select(AnnualReport).where(AnnualReport.firm_id == firm.id))
    }
    cal = calendar(today)
    out = []
    for y in C.report_years(firm.hnte_cert_date, firm.hnte_cert_expiry, today.year):
        nominal, real = report_deadline(y, cal)
        r = have.get(y)
        submitted = bool(r and r.submitted)
        passed = not submitted and today > real
        out.append(
            {
                "year": y,
                "record": r,
                "submitted": submitted,
                "submitted_on": r.submitted_on if r else None,
                "deadline": real,
                "missed": passed and r is not None,
                "unrecorded": passed and r is None,
                "pending": not submitted and today <= real,
            }
        )
    return out


def record_report(
    user, firm: Firm, year: int, submitted: bool, submitted_on: date | None, note: str | None, today: date
) -> AnnualReport:
    """Record (or correct) one year's 年报; audited; refreshes the watch. The caller commits."""
    years = C.report_years(firm.hnte_cert_date, firm.hnte_cert_expiry, today.year)
    if year not in years:
        raise ComplianceError(
            gettext("Year %(year)s: no annual report is due for this certificate in that year", year=year)
        )
    if submitted_on is not None and submitted_on > today:
        raise ComplianceError(gettext("Submitted on: the date cannot be in the future"))
    if not submitted:
        submitted_on = None
    row = db.session.scalars(
        select(AnnualReport).where(AnnualReport.firm_id == firm.id, AnnualReport.year == year)
    ).first()
    before = snapshot(row, REPORT_FIELDS) if row else None
    if row is None:
        row = AnnualReport(firm_id=firm.id, year=year)
        db.session.add(row)
    row.submitted, row.submitted_on = bool(submitted), submitted_on
    row.note = (note or "").strip() or None
    row.recorded_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        user,
        "update" if before else "create",
        "annual_report",
        row.id,
        firm.id,
        before,
        snapshot(row, REPORT_FIELDS),
    )
    refresh(today, [firm.id])
    return row


def rd_text(ratio: Decimal | None) -> str:
    return "" if ratio is None else f"{(ratio * 100).quantize(Decimal('0.1'))}%"


def report_record(firm_id: int, year: int) -> AnnualReport | None:
    return db.session.scalars(
        select(AnnualReport).where(AnnualReport.firm_id == firm_id, AnnualReport.year == year)
    ).first()


# ------------------------------------------------------------------ the firm page / portal view


def recert_view(firm: Firm, today: date) -> dict | None:
    """In the last year of an active certificate: the roadmap is the re-certification plan (the
    planner plans certified firms with the expiry date; Class II IP already used does not count)."""
    from pipeline.models import Roadmap

    if (
        not C.cert_active(firm.hnte_cert_date, firm.hnte_cert_expiry, today)
        or firm.hnte_cert_expiry.year != today.year
    ):
        return None
    roadmap = db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm.id)).first()
    target = None if roadmap is None else roadmap.target_batch
    on_time = (
        roadmap is not None
        and roadmap.target_year is not None
        and roadmap.target_year <= firm.hnte_cert_expiry.year
    )
    return {
        "expiry": firm.hnte_cert_expiry,
        "target_batch": target,
        "target_cutoff": None if roadmap is None else roadmap.target_cutoff,
        "on_time": on_time,
    }


def tsme_view(firm: Firm, today: date) -> dict | None:
    """The 科小 cycle of this year and, for a firm that (re-)applies, the site-check triggers."""
    from pipeline.models import IPAsset

    if firm.stage in ("exited",):
        return None
    cycle = calendar(today).tsme_window(today.year)
    last = db.session.scalars(
        select(FiscalYear)
        .where(FiscalYear.firm_id == firm.id, FiscalYear.year < today.year, FiscalYear.is_estimate.is_(False))
        .order_by(FiscalYear.year.desc())
        .limit(1)
    ).first()
    ip_count = len(
        list(
            db.session.scalars(
                select(IPAsset.id).where(IPAsset.firm_id == firm.id, IPAsset.status == "granted")
            )
        )
    )
    facts = C.SiteCheckFacts(
        staff=headcount(last.staff) if last else None,
        ip_count=ip_count,
        rd_total=last.rd_total if last else None,
        dishonest=bool(firm.listed_dishonest),
        first_application=not firm.tsme_reg_no,
    )
    registered = firm.tsme_year is not None and firm.tsme_year >= today.year
    return {
        "cycle": cycle,
        "registered_this_year": registered,
        "reg_no": firm.tsme_reg_no,
        "renewal_pending": bool(firm.tsme_reg_no) and not registered and today <= cycle.renewal_by,
        "site_checks": C.site_check_triggers(facts),
        "figures_year": last.year if last else None,
    }


def firm_view(firm: Firm, today: date) -> dict:
    certified = C.cert_active(firm.hnte_cert_date, firm.hnte_cert_expiry, today)
    lapsed = firm.hnte_cert_expiry is not None and firm.hnte_cert_expiry < today
    return {
        "today": today,
        "certified": certified,
        "lapsed": lapsed,
        "watch": watch_of(firm.id) if certified else None,
        "reports": reports_of(firm, today) if certified else [],
        "recert": recert_view(firm, today),
        "tsme": tsme_view(firm, today),
    }
