"""The reminders health page (admins): last scan, scheduler lease, counts per channel, delivery log."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pipeline import clock, permissions
from pipeline.extensions import db
from pipeline.models.base import utcnow
from pipeline.reminders import health
from pipeline.reminders import settings as settings_service
from pipeline.reminders.rules import RULE_LABELS, SETTING_LABELS
from pipeline.reminders.scheduler import LEASE_TTL
from pipeline.vocabulary import CHANNELS, DELIVERY_STATUSES
from pipeline.web.auth import requires

bp = Blueprint("reminders", __name__, url_prefix="/admin/reminders")


@bp.app_context_processor
def banner_context():
    """``reminder_scan_overdue()`` for the admin banner in base.html (one query, only for admins)."""

    def reminder_scan_overdue() -> bool:
        if not permissions.can(current_user, "reminders.admin"):
            return False
        return health.scan_missed(utcnow())

    return {"reminder_scan_overdue": reminder_scan_overdue}


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    from pipeline.forms.dates import parse_date

    try:
        return parse_date(raw)
    except ValueError:
        flash(
            _(
                "The date “%(raw)s” is not valid; use year-month-day, e.g. %(example)s. The condition was ignored.",
                raw=raw,
                example=clock.today().isoformat(),
            ),
            "warning",
        )
        return None


@bp.get("/", endpoint="health")
@requires("reminders.admin")
def health_page():
    now = utcnow()
    channel = request.args.get("channel") or None
    status = request.args.get("status") or None
    day_from, day_to = _day("from"), _day("to")
    page = request.args.get("page", 1, type=int)
    log = health.delivery_page(channel, status, day_from, day_to, page)
    ids = [row.Delivery.id for row in log.items]
    lease = health.lease()
    lease_alive = bool(lease and lease.holder and now - lease.heartbeat_at <= LEASE_TTL)
    return render_template(
        "reminders/health.html",
        now=now,
        overdue=health.scan_overdue(now),
        last=health.last_scan(),
        retry_hours=int(float(current_app.config.get("REMINDER_RETRY_HOURS", 48))),
        last_ok_at=health.last_ok_scan_at(),
        scans=health.recent_scans(),
        counts=health.counts_by_channel(),
        lease=lease,
        lease_alive=lease_alive,
        log=log,
        attempts=health.attempts_for(ids),
        channels=CHANNELS,
        statuses=DELIVERY_STATUSES,
        rule_labels=RULE_LABELS,
        setting_labels=SETTING_LABELS,
        thresholds=settings_service.form_values(settings_service.thresholds(db.session)),
        filters={
            "channel": channel,
            "status": status,
            # a date read is shown back as YYYY-MM-DD; one that could not be read as typed
            "from": day_from.isoformat() if day_from else request.args.get("from", ""),
            "to": day_to.isoformat() if day_to else request.args.get("to", ""),
        },
    )


@bp.post("/scan")
@requires("reminders.admin")
def scan_now():
    """Issue 13: queue the scan (a job the scheduler runs); the job page shows its progress and says
    whether a background process is running to take it."""
    from pipeline.reports.jobs import queue_scan

    job = queue_scan(current_user, clock.today())
    flash(
        _("Reminder scan queued; the background process runs it and delivers the in-app notifications."),
        "success",
    )
    return redirect(url_for("reports.job", job_id=job.id))


@bp.post("/deliveries/retry-given-up")
@requires("reminders.admin")
def retry_given_up():
    """Issue 12: one click sends every given-up delivery again (e.g. after a mail outage)."""
    from pipeline.reminders.deliver import requeue_given_up

    channel = request.form.get("channel") or None
    n = requeue_given_up(current_user, channel if channel in ("inapp", "email", "webhook") else None)
    flash(_("%(n)s given-up deliveries requeued; they go out with the next send.", n=n), "success")
    return redirect(url_for("reminders.health"))


@bp.post("/deliveries/<int:delivery_id>/retry")
@requires("reminders.admin")
def retry(delivery):
    from pipeline.reminders.deliver import requeue

    if not requeue(delivery, current_user):
        abort(404)
    flash(_("Delivery %(id)s requeued; it will be retried on the next send.", id=delivery.id), "success")
    return redirect(url_for("reminders.health", status="gave_up"))


@bp.post("/settings")
@requires("reminders.admin")
def save_settings():
    values, errors = settings_service.parse_form(request.form)
    if errors:
        for e in errors:
            flash(e, "danger")
        flash(_("The reminder thresholds were not saved; correct them and submit again."), "danger")
    else:
        settings_service.save(values, current_user)
        flash(_("Reminder thresholds saved; they apply from the next scan."), "success")
    return redirect(url_for("reminders.health") + "#thresholds")
