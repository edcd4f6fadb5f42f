"""The firm portal: a firm user's own roadmap, what is due, its assessment, progress and new figures."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pipeline import clock, permissions
from pipeline.forms import FigureForm
from pipeline.services import firm_page
from pipeline.services import firms as firm_service
from pipeline.services.scope import get_firm_or_404
from pipeline.web import fragments
from pipeline.web.firm import LiveParts, assessment_view

bp = Blueprint("portal", __name__, url_prefix="/portal")

DUE_SOON_DAYS = 60


def _own_firm():
    """The firm of the logged-in firm user (through scope, like every other firm access)."""
    permissions.require(current_user, "portal.use")
    return get_firm_or_404(current_user, current_user.firm_id)


@bp.get("/")
@login_required
def index():
    if not permissions.can(current_user, "portal.use"):
        return redirect(url_for("pool.index"))
    firm = _own_firm()  # the access check, on every request
    today = clock.today()
    # Issue 15: the content is rendered once per firm, day, locale and data stamp; the progress forms
    # are holes filled on every request from the milestone rows of that request.
    html = fragments.cached_html("portal", (firm.id, today), lambda: _content(firm, today))
    content = LiveParts(firm, False, None, source="portal").fill(html)
    return render_template("portal/index.html", firm=firm, content=content)


def _content(firm, today):
    rows = firm_page.content_rows(firm.id, history=False)
    roadmap = rows.roadmap
    milestones = list(roadmap.milestones) if roadmap else []
    open_ms = [m for m in milestones if m.status in ("todo", "doing")]
    due = [m for m in open_ms if m.due <= today + timedelta(days=DUE_SOON_DAYS)]
    submissions = firm_service.recent_submissions(firm, 10)
    return fragments.render_fragment(
        "portal/_content.html",
        firm=firm,
        roadmap=roadmap,
        milestones=milestones,
        due=due,
        today=today,
        view=assessment_view(rows.explained),
        submissions=submissions,
        due_days=DUE_SOON_DAYS,
    )


@bp.route("/figures", methods=["GET", "POST"])
@login_required
def figures():
    """The year's current figures pre-filled; only what the firm changes is submitted (issue 11)."""
    firm = _own_firm()
    today = clock.today()
    form = FigureForm()
    if form.validate_on_submit():
        if firm.registered_on and form.year.data < firm.registered_on.year:
            form.year.errors.append(
                _(
                    "%(year)s is before the firm's registration year (%(reg)s)",
                    year=form.year.data,
                    reg=firm.registered_on.year,
                )
            )
        elif form.year.data > today.year:
            form.year.errors.append(
                _("Figures can be submitted up to %(year)s (as estimates)", year=today.year)
            )
        else:
            try:
                sub = firm_service.submit_figures(current_user, firm, form.data)
            except firm_service.FirmError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(
                    _(
                        "Figures for %(year)s submitted; they take effect once an officer has reviewed them.",
                        year=sub.year,
                    ),
                    "success",
                )
                return redirect(url_for("portal.index", _anchor="submissions"))
    elif request.method == "GET":
        year = request.args.get("year", type=int) or today.year - 1
        current = firm_service.current_year_values(firm, year)
        form = FigureForm(formdata=None, data={"year": year, **current})
    status = 422 if request.method == "POST" else 200  # issue 13: a refused submission keeps nothing
    return render_template("portal/figures.html", form=form, firm=firm), status
