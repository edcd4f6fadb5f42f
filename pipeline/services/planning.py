"""The planner's editable data: application batches and IP lead times (city admin only).

Every change is audited; the calendar's version (a hash of its contents) is what each roadmap
records, so a roadmap made under an older calendar can be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pipeline import permissions
from pipeline.errors import Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import ApplicationBatch, CalendarYear, County, Job, LeadTime, Roadmap
from pipeline.roadmap import DEFAULT_LEAD_TIMES
from pipeline.services import replan, scope
from pipeline.services.audit import record, snapshot
from pipeline.services.integrity import conflict, flush_or_conflict
from pipeline.services.roadmaps import planner_calendar, planner_lead_times

BATCH_FIELDS = ("code", "year", "opens_on", "cutoff", "note")


@dataclass(frozen=True)
class CalendarPage:
    """The admin's planning page: the batches as entered (by cutoff), the calendar the planner uses,
    how many roadmaps target each batch, the lead times, the years' 科小/年报 dates, the counties
    (fast track) and the latest re-plan jobs."""

    batches: list[ApplicationBatch]
    calendar: object
    targeted: dict[str | None, int]
    lead_times: dict
    years: list[dict]
    counties: list[County]
    replan_jobs: list[Job]


YEARS_AHEAD = 4  # this year and the next three are always listed, with or without a row


def _calendar_years(today: date, cal) -> list[dict]:
    rows = {r.year: r for r in db.session.scalars(select(CalendarYear))}
    years = sorted(set(range(today.year, today.year + YEARS_AHEAD)) | set(rows))
    return [
        {"year": y, "row": rows.get(y), "tsme": cal.tsme_window(y), "annual_report": cal.annual_report_due(y)}
        for y in years
    ]


def calendar_page(user, today: date) -> CalendarPage:
    permissions.require(user, "planning.edit")
    cal = planner_calendar(today)
    return CalendarPage(
        batches=list(db.session.scalars(select(ApplicationBatch).order_by(ApplicationBatch.cutoff))),
        calendar=cal,
        targeted=dict(
            db.session.execute(
                select(Roadmap.target_batch, func.count()).group_by(Roadmap.target_batch)
            ).all()
        ),
        lead_times=planner_lead_times(),
        years=_calendar_years(today, cal),
        counties=scope.counties(),
        replan_jobs=replan.latest_jobs(),
    )


class PlanningError(Invalid):
    """A change that cannot be right; the message (UI language, Chinese by default) names the field."""


def _replan(user, reason: str, today: date | None):
    """Queue the re-plan of the roadmaps this edit makes out of date, in the edit's transaction."""
    from pipeline import clock
    from pipeline.services.replan import queue_replan

    return queue_replan(user, reason, today or clock.today())


def save_batch(
    user, data: dict, batch: ApplicationBatch | None = None, today: date | None = None
) -> ApplicationBatch:
    code = (data.get("code") or "").strip()
    cutoff: date = data["cutoff"]
    opens_on: date | None = data.get("opens_on")
    if opens_on and opens_on > cutoff:
        raise PlanningError(gettext("The opening date cannot be after the cutoff"), field="cutoff")
    clash = db.session.scalars(select(ApplicationBatch).where(ApplicationBatch.code == code)).first()
    if clash is not None and clash is not batch:
        raise conflict("application_batch", ("code",))
    before = snapshot(batch, BATCH_FIELDS) if batch else None
    with flush_or_conflict():  # a concurrent save of the same code: Conflict on "code", not a 500
        if batch is None:
            batch = ApplicationBatch(code=code, year=data["year"], cutoff=cutoff)
            db.session.add(batch)
        batch.code, batch.year, batch.cutoff, batch.opens_on, batch.note = (
            code,
            data["year"],
            cutoff,
            opens_on,
            (data.get("note") or "").strip() or None,
        )
    record(
        user,
        "update" if before else "create",
        "application_batch",
        batch.id,
        None,
        before,
        snapshot(batch, BATCH_FIELDS),
    )
    _replan(user, f"batch {code}", today)
    db.session.flush()
    return batch


def delete_batch(user, batch: ApplicationBatch, today: date | None = None):
    """Delete the batch and queue the re-plan of the roadmaps that aimed at it (and the others the
    calendar change affects); returns the re-plan job (None when no roadmap is affected)."""
    record(user, "delete", "application_batch", batch.id, None, snapshot(batch, BATCH_FIELDS), None)
    db.session.delete(batch)
    db.session.flush()
    job = _replan(user, f"delete batch {batch.code}", today)
    db.session.flush()
    return job


def save_lead_time(user, kind: str, months: int, basis: str, today: date | None = None) -> LeadTime | None:
    if not 0 < months <= 120:
        raise PlanningError(gettext("The lead time must be 1–120 months"))
    row = db.session.scalars(select(LeadTime).where(LeadTime.kind == kind)).first()
    before = snapshot(row, ("kind", "months", "basis")) if row else None
    default = DEFAULT_LEAD_TIMES.get(kind)
    if (
        row is None
        and default is not None
        and (months, basis.strip()) == (default.months, default.basis or "")
    ):
        return None  # the pre-filled default posted back: no row pins it (issue 11)
    if row is None:
        row = LeadTime(kind=kind, months=months, basis=basis)
        db.session.add(row)
    row.months, row.basis = months, basis.strip() or None
    db.session.flush()
    record(
        user,
        "update" if before else "create",
        "lead_time",
        row.id,
        None,
        before,
        snapshot(row, ("kind", "months", "basis")),
    )
    _replan(user, f"lead time {kind}", today)
    db.session.flush()
    return row


YEAR_FIELDS = ("year", "tsme_opens", "tsme_closes", "tsme_renewal_by", "annual_report_due", "note")


def save_calendar_year(user, year: int, data: dict, today: date | None = None) -> CalendarYear | None:
    """The year's 科小 window, renewal date and 年报 deadline (empty field = the default)."""
    opens, closes = data.get("tsme_opens"), data.get("tsme_closes")
    if (opens is None) != (closes is None):
        raise PlanningError(
            gettext("Enter both the opening and the closing date of the tech-SME window, or neither")
        )
    if opens and closes and opens > closes:
        raise PlanningError(gettext("The opening date cannot be after the cutoff"))
    for key in ("tsme_opens", "tsme_closes", "tsme_renewal_by", "annual_report_due"):
        d = data.get(key)
        if d is not None and d.year != year:
            raise PlanningError(gettext("Every date must lie in %(year)s", year=year))
    row = db.session.scalars(select(CalendarYear).where(CalendarYear.year == year)).first()
    before = snapshot(row, YEAR_FIELDS) if row else None
    blank = not any(data.get(k) for k in YEAR_FIELDS if k != "year") and not (data.get("note") or "").strip()
    if row is None and blank:
        return None  # the year's blank row posted back (every date the default): nothing to store (issue 11)
    if row is None:
        row = CalendarYear(year=year)
        db.session.add(row)
    row.tsme_opens, row.tsme_closes = opens, closes
    row.tsme_renewal_by = data.get("tsme_renewal_by")
    row.annual_report_due = data.get("annual_report_due")
    row.note = (data.get("note") or "").strip() or None
    db.session.flush()
    record(
        user,
        "update" if before else "create",
        "calendar_year",
        row.id,
        None,
        before,
        snapshot(row, YEAR_FIELDS),
    )
    _replan(user, f"calendar {year}", today)
    db.session.flush()
    return row


def save_county_fast_track(user, county, on: bool, was: bool | None) -> bool:
    """Set whether ``county`` has a 知识产权保护中心 预审 fast track. ``was`` is the value the form
    showed: when the stored value differs, someone else changed it since, and the form is refused
    (PlanningError) instead of silently overwriting. Returns True when something changed."""
    current = bool(county.ip_fast_track)
    if was is not None and was != current:
        raise PlanningError(
            gettext(
                "%(county)s: the fast-track setting was changed by someone else since this page was loaded; reload the page and try again",
                county=county.name,
            )
        )
    if on == current:
        return False
    before = {"ip_fast_track": current}
    county.ip_fast_track = on
    db.session.flush()
    record(user, "update", "county", county.id, None, before, {"ip_fast_track": on})
    db.session.flush()
    return True
