"""The bell: a user's in-app notifications, marking them read, and their channel choices."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pipeline.models.base import utcnow
from pipeline.reminders import inbox
from pipeline.reminders.rules import RULE_LABELS
from pipeline.services import stamp
from pipeline.services.paging import RowPage
from pipeline.web import fragments

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def bell_context():
    """``unread_notifications()`` for the bell: one COUNT, only when a page actually shows the bell."""

    def unread_notifications() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        user = current_user._get_current_object()  # issue 15: until the data stamp changes
        return stamp.cached("unread_notifications", (user.id,), lambda: inbox.unread_count(user))

    return {"unread_notifications": unread_notifications}


def _local_path(link: str | None) -> str:
    """Reminder links are our own paths; anything else goes back to the list."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return url_for("notifications.index")


@bp.get("/")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = request.args.get("page", 1, type=int)
    user = current_user._get_current_object()

    def context() -> dict:
        items = RowPage(inbox.inbox(user, unread_only), page, 30)
        return {"items": items, "unread_only": unread_only, "rule_labels": RULE_LABELS}

    # Issue 15: the list is the user's own, rendered once per page, filter, locale and data stamp (a
    # reminder sent or marked read is a write); its forms carry only the target and the CSRF token.
    content = fragments.cached_block(
        "notifications", (user.id, unread_only, page), "notifications/index.html", "content", context
    )
    return render_template("notifications/index.html", content_html=content)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification):
    reminder = inbox.mark_read(notification, utcnow())
    if request.form.get("open") == "1":
        return redirect(_local_path(reminder.link))
    return redirect(url_for("notifications.index", unread=request.form.get("unread") or None))


@bp.post("/read-all")
@login_required
def read_all():
    n = inbox.mark_all_read(current_user, utcnow())
    flash(_("%(n)s notifications marked as read.", n=n), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/settings")
@login_required
def settings():
    """The alert choice lives on the account page (issue 17); e-mails link here, so this stays."""
    return redirect(url_for("account.index", _anchor="alerts"))
