"""The inbox: one page with everything that needs the user, the count in the navigation, inline actions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pipeline import clock, permissions
from pipeline.models import FigureSubmission, Firm, Milestone
from pipeline.services import firms as firm_service
from pipeline.services import stamp, worklist
from pipeline.services.scope import get_firm_or_404
from pipeline.vocabulary import INBOX_KINDS, INBOX_KINDS_FIRM
from pipeline.web import fragments
from pipeline.web.auth import requires
from pipeline.web.transaction import refuse

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
OVERVIEW_LIMIT = 20  # issue 15: items per kind on the overview (each kind's own view shows more)


@bp.app_context_processor
def inbox_context():
    """``inbox_count()`` for the navigation: a few COUNTs, only on pages that show the menu.

    Issue 15: kept per user and day until the data stamp changes (any committed write), so a page
    pays one primary-key read instead of the counts; the page after a change shows the new count."""

    def inbox_count() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        user, today = current_user._get_current_object(), clock.today()
        return stamp.cached("inbox_count", (user.id, today), lambda: worklist.action_count(user, today))

    return {"inbox_count": inbox_count}


def _filters() -> tuple[str | None, int | None]:
    kind = request.values.get("kind") or None
    if kind not in worklist.KINDS:
        kind = None
    firm_id = request.values.get("firm", type=int)
    if not permissions.can(current_user, "pool.view"):  # a firm user's inbox is their own firm's
        firm_id = None
    return kind, firm_id


def _back():
    kind, firm_id = _filters()
    return redirect(url_for("inbox.index", kind=kind, firm=firm_id))


@bp.get("/")
@login_required
def index():
    kind, firm_id = _filters()
    today = clock.today()
    if firm_id:
        get_firm_or_404(current_user, firm_id)  # a firm outside the scope is 404, as everywhere
    # Issue 15: the lists, counts and firm choices are kept until the data stamp changes (any write);
    # the overview shows the first OVERVIEW_LIMIT of each kind, a kind's own view up to worklist.LIMIT.
    user = current_user._get_current_object()
    limit = worklist.LIMIT if kind else OVERVIEW_LIMIT
    groups = stamp.cached(
        "inbox_items",
        (user.id, today, kind, firm_id, limit),
        lambda: worklist.items(user, today, kind, firm_id, limit),
    )
    counts = stamp.cached(
        "inbox_counts", (user.id, today, firm_id), lambda: worklist.counts(user, today, firm_id)
    )
    staff = permissions.can(user, "pool.view")
    firms = (
        stamp.cached("inbox_firms", (user.id, today), lambda: worklist.firm_choices(user, today))
        if staff
        else []
    )
    if firm_id and firm_id not in {fid for fid, _name in firms} and staff:
        firms = [*firms, (firm_id, get_firm_or_404(user, firm_id).name)]  # the chosen firm stays chosen
    context = {
        "groups": groups,
        "counts": counts,
        "kind": kind,
        "firm_id": firm_id,
        "firms": firms,
        "kinds": worklist.KINDS,
        "today": today,
        "inbox_labels": INBOX_KINDS,
        "inbox_labels_firm": INBOX_KINDS_FIRM,
    }
    # The rendered content too, per user, filter and day; only the confirm forms are rendered live.
    html = fragments.cached_html(
        "inbox_content",
        (user.id, today, kind, firm_id, limit, tuple(firms)),
        lambda: fragments.render_block(
            "inbox/index.html", "content", titles=_titles_in_language(groups), **context
        ),
    )
    content = fragments.fill(html, _confirm_forms(html, kind, firm_id))
    return render_template("inbox/index.html", content_html=content, **context)


def _confirm_forms(html: str, kind, firm_id):
    """The confirm forms of the progress reports shown, each with the milestone's version now."""
    ids = [int(name.split(":", 1)[1]) for name in fragments.hole_names(html) if name.startswith("confirm:")]
    rows = worklist.milestone_versions(ids)
    macros = fragments.macros("inbox/_forms.html") if ids else None

    def live(name: str) -> str:
        if not name.startswith("confirm:"):
            raise KeyError(name)
        m = rows.get(int(name.split(":", 1)[1]))
        if m is None:  # gone since the content was rendered: no form for it
            return ""
        key = (m.id, m.firm_id, m.version, kind, firm_id)
        return fragments.form("inbox_confirm", key, lambda: macros.confirm(m, kind, firm_id))

    return live


MILESTONE_KINDS = ("progress", "overdue", "due_soon")


def _titles_in_language(groups) -> dict[int, str]:
    """Issue 17: milestone id → its title in the UI language, for the milestones the page lists (one
    query, English only): rendered from the engine's message kept with the title; a milestone without
    one (added by hand, older rows) keeps its stored title."""
    from pipeline.web.filters import ui_language

    ids = [it.subject_id for k in MILESTONE_KINDS for it in groups.get(k) or () if it.subject_id]
    return worklist.milestone_titles(ids, ui_language())


@bp.post("/firms/<int:firm_id>/submissions/<int:submission_id>")
@requires("submission.review")
def review(firm: Firm, submission: FigureSubmission):
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    note = (request.form.get("review_note") or "").strip()[:500] or None
    try:
        sub = firm_service.review_submission(current_user, firm, submission, decision, note, clock.today())
    except firm_service.FirmError as exc:
        refuse(_("Could not review: %(error)s", error=exc))
    else:
        flash(
            _("%(firm)s: the figures for %(year)s have been accepted.", firm=firm.name, year=sub.year)
            if sub.status == "accepted"
            else _(
                "%(firm)s: the figures for %(year)s have been returned to the firm.",
                firm=firm.name,
                year=sub.year,
            ),
            "success",
        )
    return _back()


@bp.post("/firms/<int:firm_id>/milestones/<int:milestone_id>")
@requires("milestone.set_status")
def confirm(firm: Firm, milestone: Milestone):
    status = request.form.get("status")
    if status not in ("done", "doing"):
        abort(400)
    from pipeline.services import versions

    try:
        ms = firm_service.update_milestone(
            current_user,
            firm,
            milestone,
            status,
            (request.form.get("evidence_note") or "").strip()[:1000] or None,
            clock.today(),
            version=versions.posted_version(request.form.get("version")),
        )
    except (
        versions.StaleRecord,
        firm_service.FirmError,
    ) as exc:  # issue 11: changed since the inbox was shown
        refuse(str(exc))
        return _back()
    flash(
        _("%(firm)s: “%(title)s” confirmed as done.", firm=firm.name, title=ms.title)
        if status == "done"
        else _(
            "%(firm)s: the report on “%(title)s” was seen; the milestone stays open.",
            firm=firm.name,
            title=ms.title,
        ),
        "success",
    )
    return _back()
