"""City admin: the application calendar (batches and cutoffs) and IP lead times the planner uses."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from pipeline import clock
from pipeline.criteria.rules import REVISIONS, RULES_VERSION
from pipeline.errors import Invalid
from pipeline.forms.dates import IsoDateField
from pipeline.i18n import tl
from pipeline.models import ApplicationBatch, County
from pipeline.roadmap import DEFAULT_LEAD_TIMES, IP_KIND_NAMES
from pipeline.roadmap.calendar import FAST_TRACK_LEAD_TIMES
from pipeline.services import planning, replan
from pipeline.web.auth import requires
from pipeline.web.errors import put_on_form

bp = Blueprint("planning", __name__, url_prefix="/admin/planning")


class BatchForm(FlaskForm):
    code = StringField(
        _l("Batch code"),
        validators=[
            DataRequired(_l("Enter the batch code")),
            Length(max=20),
            Regexp(r"^\d{4}-\w{1,10}$", message=_l("Batch codes look like 2027-1 (year-sequence)")),
        ],
        description=_l("Year-sequence, e.g. 2027-1"),
    )
    year = IntegerField(
        _l("Application year"),
        validators=[
            DataRequired(_l("Enter the application year")),
            NumberRange(2000, 2100, _l("The application year must be a four-digit year")),
        ],
    )
    opens_on = IsoDateField(_l("Opens"), validators=[Optional()])
    cutoff = IsoDateField(
        _l("System cutoff date"), validators=[DataRequired(_l("Enter the cutoff date (format YYYY-MM-DD)"))]
    )
    note = StringField(
        _l("Note (e.g. the reference number of the provincial HNTE office notice)"),
        validators=[Optional(), Length(max=200)],
    )


class LeadTimeForm(FlaskForm):
    months = IntegerField(
        _l("Lead time (months)"),
        validators=[
            DataRequired(_l("Enter the lead time")),
            NumberRange(1, 120, _l("The lead time must be 1–120 months")),
        ],
    )
    basis = StringField(_l("Basis"), validators=[Optional(), Length(max=300)])


class ActionForm(FlaskForm):
    pass


class CalendarYearForm(FlaskForm):
    """One year's 科小 window, renewal date and 年报 deadline (empty = the default date)."""

    tsme_opens = IsoDateField(_l("Tech-SME evaluation opens"), validators=[Optional()])
    tsme_closes = IsoDateField(_l("Tech-SME evaluation closes"), validators=[Optional()])
    tsme_renewal_by = IsoDateField(_l("Tech-SME renewal deadline"), validators=[Optional()])
    annual_report_due = IsoDateField(_l("HNTE annual report deadline"), validators=[Optional()])
    note = StringField(
        _l("Note (e.g. the reference number of the provincial HNTE office notice)"),
        validators=[Optional(), Length(max=200)],
    )


class FastTrackForm(FlaskForm):
    """One county's 预审 fast track: the checkbox, and the value the page showed (stale-form check)."""

    fast_track = BooleanField(_l("IP pre-examination fast track"))
    was = HiddenField()


@bp.get("/")
@requires("planning.edit")
def index():
    today = clock.today()
    page = planning.calendar_page(current_user, today)
    return render_template(
        "planning/index.html",
        batches=page.batches,
        calendar=page.calendar,
        today=today,
        targeted=page.targeted,
        lead_times=page.lead_times,
        kind_names=IP_KIND_NAMES,
        defaults=DEFAULT_LEAD_TIMES,
        form=BatchForm(),
        action=ActionForm(),
        lt_form=LeadTimeForm(),
        years=page.years,
        year_form=CalendarYearForm(),
        rules_version=RULES_VERSION,
        revisions=REVISIONS,
        counties=page.counties,
        ft_form=FastTrackForm(),
        fast_track_lead_times=FAST_TRACK_LEAD_TIMES,
        replan_jobs=page.replan_jobs,
    )


@bp.route("/batches/new", methods=["GET", "POST"])
@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@requires("planning.edit")
def batch(batch: ApplicationBatch | None = None):
    row = batch
    form = BatchForm(obj=row)
    if form.validate_on_submit():
        try:
            planning.save_batch(current_user, form.data, row, clock.today())
        except Invalid as exc:  # a Conflict on the code, or a PlanningError on a date
            put_on_form(form, exc, "cutoff")
        else:
            flash(_("Batch saved.") + " " + _replan_message(), "success")
            return redirect(url_for("planning.index", _anchor="replan"))
    return render_template("planning/batch.html", form=form, row=row)


def _replan_message() -> str:
    job = replan.pending()
    if job is None:
        return _("No roadmap is affected.")
    return _(
        "%(n)s roadmaps will be re-planned in the background (job #%(id)s); the progress and how many "
        "moved are shown below.",
        n=job.total,
        id=job.id,
    )


@bp.route("/batches/<int:batch_id>/delete", methods=["GET", "POST"])
@requires("planning.edit")
def delete(batch: ApplicationBatch):
    """Deleting a batch asks first, saying how many roadmaps aim at it; only the confirmation deletes."""
    row = batch
    form = ActionForm()
    if request.method == "POST" and request.form.get("confirmed") == "yes" and form.validate_on_submit():
        code = row.code
        planning.delete_batch(current_user, row, clock.today())
        flash(_("Batch %(code)s deleted.", code=code) + " " + _replan_message(), "success")
        return redirect(url_for("planning.index", _anchor="replan"))
    return render_template(
        "planning/delete_batch.html", row=row, targeting=replan.targeting(row.code), action=form
    )


@bp.post("/lead-times/<kind>")
@requires("planning.edit")
def lead_time(kind: str):
    if kind not in DEFAULT_LEAD_TIMES:
        abort(404)
    form = LeadTimeForm()
    if form.validate_on_submit():
        planning.save_lead_time(current_user, kind, form.months.data, form.basis.data or "", clock.today())
        flash(
            _("Lead time for %(kind)s updated.", kind=tl(IP_KIND_NAMES.get(kind, kind)))
            + " "
            + _replan_message(),
            "success",
        )
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(_("%(kind)s: %(error)s", kind=tl(IP_KIND_NAMES.get(kind, kind)), error=e), "danger")
    return redirect(url_for("planning.index"))


@bp.post("/years/<int:year>")
@requires("planning.edit")
def calendar_year(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    form = CalendarYearForm()
    if form.validate_on_submit():
        try:
            planning.save_calendar_year(current_user, year, form.data, clock.today())
        except planning.PlanningError as exc:
            flash(_("%(year)s: %(error)s", year=year, error=str(exc)), "danger")
        else:
            flash(_("Planning dates of %(year)s saved.", year=year) + " " + _replan_message(), "success")
    else:
        for field_name, errors in form.errors.items():
            label = getattr(form, field_name).label.text if hasattr(form, field_name) else field_name
            for e in errors:
                if str(e).startswith(str(label)):  # a date's message names its field already
                    flash(_("%(year)s: %(error)s", year=year, error=e), "danger")
                else:
                    flash(_("%(year)s, %(field)s: %(error)s", year=year, field=label, error=e), "danger")
    return redirect(url_for("planning.index"))


@bp.post("/counties/<int:county_id>/fast-track")
@requires("county.settings")
def county_fast_track(county: County):
    form = FastTrackForm()
    if form.validate_on_submit():
        was = {"1": True, "0": False}.get(form.was.data or "")
        try:
            changed = planning.save_county_fast_track(current_user, county, bool(form.fast_track.data), was)
        except planning.PlanningError as exc:
            flash(str(exc), "danger")
        else:
            if changed:
                flash(
                    _(
                        "%(county)s: fast-track setting saved. Roadmaps of its firms follow it when they are next regenerated.",
                        county=county.name,
                    ),
                    "success",
                )
    return redirect(url_for("planning.index", _anchor="fast-track"))
