"""Issue 16 on the firm page and the portal: the compliance watch, 年报 records, the re-certification
year and the 科小 cycle with its site-check triggers; the officer records a 年报 here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pipeline import clock
from pipeline.forms.compliance import AnnualReportForm
from pipeline.i18n import join_errors
from pipeline.models import Firm
from pipeline.services import compliance as service
from pipeline.web.auth import requires
from pipeline.web.transaction import refuse

bp = Blueprint("compliance", __name__, url_prefix="/firms")


def _version(record) -> str:
    return record.updated_at.isoformat() if record is not None and record.updated_at else ""


@bp.app_template_global()
def compliance_view(firm) -> dict:
    """What the firm page and the portal show about life after the certificate (one firm, few queries)."""
    today = clock.today()
    view = service.firm_view(firm, today)
    view["forms"] = {r["year"]: report_form(r["year"], r["record"]) for r in view["reports"]}
    return view


def report_form(year: int, rec) -> AnnualReportForm:
    """One year's 年报 form pre-filled from its record (or empty), with the record's version."""
    return AnnualReportForm(
        formdata=None,
        year=year,
        submitted=bool(rec and rec.submitted),
        submitted_on=rec.submitted_on if rec else None,
        note=rec.note if rec else None,
        version=_version(rec),
    )


@bp.post("/<int:firm_id>/annual-reports")
@requires("firm.edit")
def record_report(firm: Firm):
    form = AnnualReportForm()
    back = redirect(url_for("firm.show", firm_id=firm.id, _anchor="annual-reports"))
    if not form.validate():
        flash(_("Annual report not saved: %(errors)s", errors=join_errors(form.errors, form)), "danger")
        return back
    current = service.report_record(firm.id, form.year.data)
    if (form.version.data or "") != _version(current):
        flash(
            _(
                "Annual report not saved: someone changed the %(year)s record after this page was opened; "
                "reload the page and try again.",
                year=form.year.data,
            ),
            "danger",
        )
        return back
    try:
        service.record_report(
            current_user,
            firm,
            form.year.data,
            form.submitted.data,
            form.submitted_on.data,
            form.note.data,
            clock.today(),
        )
    except service.ComplianceError as exc:
        refuse(_("Annual report not saved: %(errors)s", errors=str(exc)))
        return back
    flash(_("Annual report for %(year)s saved.", year=form.year.data), "success")
    return back
