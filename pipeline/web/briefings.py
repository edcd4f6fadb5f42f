"""Issue 16: the admin schedules briefing packs to named recipients and re-sends logged deliveries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired

from pipeline import clock
from pipeline.i18n import join_errors, ltl, tl
from pipeline.services import briefings as service
from pipeline.services import scope
from pipeline.vocabulary import BRIEFING_CADENCES, BRIEFING_DELIVERY_STATUSES
from pipeline.web.auth import requires

bp = Blueprint("briefings", __name__, url_prefix="/admin/briefings")


class ScheduleForm(FlaskForm):
    county = SelectField(_l("Scope"), choices=[], validate_choice=True)
    cadence = SelectField(_l("When"), choices=[(k, ltl(v)) for k, v in BRIEFING_CADENCES.items()])
    recipients = TextAreaField(
        _l("Recipients (one per line: name <e-mail>)"),
        validators=[DataRequired(_l("Recipients: enter at least one e-mail address"))],
    )
    active = BooleanField(_l("Active"), default=True)


class ActionForm(FlaskForm):
    pass


def _form(**kw) -> ScheduleForm:
    form = ScheduleForm(**kw)
    form.county.choices = [("", tl("全市"))] + [(str(c.id), c.name) for c in scope.counties()]
    return form


@bp.route("/", methods=["GET", "POST"])
@requires("briefings.admin")
def index():
    form = _form()
    if form.validate_on_submit():
        try:
            service.save_schedule(
                current_user,
                int(form.county.data) if form.county.data else None,
                form.cadence.data,
                form.recipients.data,
                form.active.data,
            )
        except service.BriefingError as exc:  # an error status below: the boundary keeps nothing
            form.recipients.errors = list(form.recipients.errors) + [str(exc)]
        else:
            flash(_("Briefing schedule saved."), "success")
            return redirect(url_for("briefings.index"))
    elif form.errors:
        flash(join_errors(form.errors, form), "danger")
    page = service.schedules_page(current_user)
    return render_template(
        "admin/briefings.html",
        form=form,
        schedules=page.schedules,
        deliveries=page.deliveries,
        cadences=BRIEFING_CADENCES,
        statuses=BRIEFING_DELIVERY_STATUSES,
        action=ActionForm(),
        today=clock.today(),
    ), (400 if form.errors else 200)


@bp.post("/<int:schedule_id>/toggle")
@requires("briefings.admin")
def toggle(schedule):
    if not ActionForm().validate():
        abort(400)
    service.save_schedule(
        current_user, schedule.county_id, schedule.cadence, schedule.recipients, not schedule.active, schedule
    )
    flash(_("Briefing schedule updated."), "success")
    return redirect(url_for("briefings.index"))


@bp.post("/deliveries/<int:briefing_delivery_id>/resend")
@requires("briefings.admin")
def resend(delivery):
    if not ActionForm().validate():
        abort(400)
    new = service.resend(current_user, delivery)
    flash(
        _("Briefing re-sent.")
        if new.status == "sent"
        else _("Re-send failed: %(error)s", error=new.error or ""),
        "success" if new.status == "sent" else "danger",
    )
    return redirect(url_for("briefings.index"))
