"""Roadmap actions on the firm page: milestone status, firm progress reports, what-if, regeneration."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_babel import gettext as _

from pipeline.extensions import db
from pipeline.forms import MilestoneForm, ProgressForm, WhatIfForm
from pipeline.vocabulary import MILESTONE_STATUSES
from pipeline.services import firms as firm_service
from pipeline.services.scope import get_firm_or_404
from pipeline.web.auth import staff_required
from pipeline.i18n import join_errors, tl

bp = Blueprint("roadmap", __name__, url_prefix="/firms")


def _back(firm_id: int):
    if current_user.role == "firm" and request.form.get("from") == "portal":
        return redirect(url_for("portal.index", _anchor="roadmap"))
    return redirect(url_for("firm.show", firm_id=firm_id, _anchor="roadmap"))


@bp.post("/<int:firm_id>/milestones/<int:milestone_id>/status")
@staff_required
def status(firm_id: int, milestone_id: int):
    firm = get_firm_or_404(current_user, firm_id)
    form = MilestoneForm()
    if not form.validate():
        flash(_("Could not update the milestone: %(errors)s", errors=join_errors(form.errors)), "danger")
        return _back(firm.id)
    ms = firm_service.update_milestone(current_user, firm, milestone_id, form.status.data,
                                       form.evidence_note.data, date.today())
    flash(_("Milestone “%(title)s” set to “%(status)s”.", title=ms.title, status=tl(MILESTONE_STATUSES[ms.status])), "success")
    return _back(firm.id)


@bp.post("/<int:firm_id>/milestones/<int:milestone_id>/progress")
@login_required
def progress(firm_id: int, milestone_id: int):
    firm = get_firm_or_404(current_user, firm_id)
    form = ProgressForm()
    if not form.validate():
        flash(_("Could not submit the progress note: %(errors)s", errors=join_errors(form.errors)), "danger")
        return _back(firm.id)
    ms = firm_service.report_progress(current_user, firm, milestone_id, form.progress_note.data)
    flash(_("Progress on “%(title)s” submitted; waiting for the officer to confirm.", title=ms.title), "success")
    return _back(firm.id)


@bp.post("/<int:firm_id>/whatif")
@login_required
def whatif(firm_id: int):
    """Plan again with the given changes and show the result; nothing is saved."""
    firm = get_firm_or_404(current_user, firm_id)
    form = WhatIfForm()
    plan, error = None, None
    if form.validate():
        changes: dict = {}
        add_ip = {k: n for k, n in (("utility_model", form.add_utility_models.data),
                                    ("invention_patent", form.add_invention_patents.data)) if n}
        if add_ip:
            changes["add_ip"] = add_ip
        if form.rd_ratio.data is not None:  # "next year": the first fiscal year not yet closed after today's
            changes["rd_ratio"] = {str(date.today().year + 1): float(form.rd_ratio.data) / 100}
        if form.add_tech_staff.data:
            changes["add_tech_staff"] = form.add_tech_staff.data
        try:
            from pipeline.services.roadmaps import what_if
        except ImportError:
            error = _("What-if planning is not available (the planning service is not deployed).")
        else:
            try:
                plan = what_if(firm, changes, date.today())
            except ValueError as exc:
                error = _("Cannot run the what-if: %(error)s", error=exc)
    from pipeline.web.firm import _roadmap

    return render_template("roadmap/whatif.html", firm=firm, form=form, plan=plan, error=error,
                           current=_roadmap(firm.id))


@bp.post("/<int:firm_id>/roadmap/regenerate")
@staff_required
def regenerate(firm_id: int):
    firm = get_firm_or_404(current_user, firm_id)
    try:
        from pipeline.services.roadmaps import regenerate as regen
    except ImportError:
        abort(404)
    regen([firm.id], date.today(), current_user, commit=False)
    db.session.commit()
    flash(_("The cultivation roadmap has been regenerated from the latest data."), "success")
    return _back(firm.id)
