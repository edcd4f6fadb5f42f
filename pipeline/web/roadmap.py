"""Roadmap actions on the firm page: milestone status, firm progress reports, what-if, regeneration."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pipeline import clock, permissions
from pipeline.forms import MilestoneForm, ProgressForm, WhatIfForm
from pipeline.i18n import join_errors, tl
from pipeline.models import Firm, Milestone
from pipeline.services import firms as firm_service
from pipeline.services import roadmaps, versions
from pipeline.vocabulary import MILESTONE_STATUSES
from pipeline.web.auth import requires
from pipeline.web.transaction import refuse

bp = Blueprint("roadmap", __name__, url_prefix="/firms")


def _back(firm_id: int, anchor: str = "roadmap"):
    if permissions.can(current_user, "portal.use") and request.form.get("from") == "portal":
        return redirect(url_for("portal.index", _anchor="roadmap"))
    return redirect(url_for("firm.show", firm_id=firm_id, _anchor=anchor))


@bp.post("/<int:firm_id>/milestones/<int:milestone_id>/status")
@requires("milestone.set_status")
def status(firm: Firm, milestone: Milestone):
    form = MilestoneForm()
    if not form.validate():
        flash(_("Could not update the milestone: %(errors)s", errors=join_errors(form.errors)), "danger")
        return _back(firm.id)
    try:
        ms = firm_service.update_milestone(
            current_user,
            firm,
            milestone,
            form.status.data,
            form.evidence_note.data,
            clock.today(),
            version=versions.posted_version(form.version.data),
            acknowledge=False,
        )
    except versions.StaleRecord as exc:
        # Issue 11: nothing written; the page shows this milestone's form again with the officer's
        # entries (and the current version), under the message saying what changed and by whom.
        session["milestone_draft"] = {
            "id": milestone.id,
            "status": form.status.data,
            "evidence_note": form.evidence_note.data or "",
        }
        refuse(str(exc))
        return _back(firm.id, f"ms-{milestone.id}")
    except firm_service.FirmError as exc:
        refuse(str(exc))
        return _back(firm.id)
    flash(
        _(
            "Milestone “%(title)s” set to “%(status)s”.",
            title=ms.title,
            status=tl(MILESTONE_STATUSES[ms.status]),
        ),
        "success",
    )
    return _back(firm.id)


@bp.post("/<int:firm_id>/milestones/<int:milestone_id>/progress")
@requires("milestone.report_progress")
def progress(firm: Firm, milestone: Milestone):
    form = ProgressForm()
    if not form.validate():
        flash(_("Could not submit the progress note: %(errors)s", errors=join_errors(form.errors)), "danger")
        return _back(firm.id)
    try:
        ms = firm_service.report_progress(current_user, firm, milestone, form.progress_note.data)
    except firm_service.FirmError as exc:
        refuse(str(exc))
        return _back(firm.id)
    flash(
        _("Progress on “%(title)s” submitted; waiting for the officer to confirm.", title=ms.title), "success"
    )
    return _back(firm.id)


@bp.get("/<int:firm_id>/whatif")
@requires("firm.view")
def whatif(firm: Firm):
    """Plan again with the given changes and show the result; nothing is saved. A GET with the
    levers in the query string, so the result can be bookmarked and refreshed."""
    from pipeline.clock import today as clock_today
    from pipeline.services.roadmaps import what_if

    form = WhatIfForm(request.args)
    plan, error = None, None
    today = clock_today()
    if request.args and form.validate():
        try:
            plan = what_if(firm, form.changes(today), today)
        except ValueError as exc:
            error = _("Cannot run the what-if: %(error)s", error=exc)
    elif request.args:
        error = join_errors(form.errors, form)
    current = roadmaps.current(firm.id)
    return render_template(
        "roadmap/whatif.html", firm=firm, form=form, plan=plan, error=error, current=current
    )


@bp.post("/<int:firm_id>/roadmap/regenerate")
@requires("roadmap.regenerate")
def regenerate(firm: Firm):
    from pipeline.services.roadmaps import regenerate as regen

    regen([firm.id], clock.today(), current_user)
    flash(_("The cultivation roadmap has been regenerated from the latest data."), "success")
    return _back(firm.id)
