"""Reports: the firm's roadmap PDF, county and city briefing PDFs, batch export jobs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pipeline import clock, permissions
from pipeline.i18n import tl
from pipeline.models import County, Firm, Job
from pipeline.web import fragments
from pipeline.web.auth import requires

bp = Blueprint("reports", __name__)


def _pdf_response(data: bytes, filename: str) -> Response:
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/reports/")
@login_required
def index():
    from pipeline.models.base import utcnow
    from pipeline.reminders.health import scheduler_running
    from pipeline.reports.jobs import KINDS, briefing_counties, reports_page

    user = current_user._get_current_object()
    page = reports_page(user)

    def briefings():  # called by the template for staff only; kept per user, language and data stamp
        return fragments.cached_html(
            "report_briefings",
            (user.id,),
            lambda: fragments.render_fragment("reports/_briefings.html", counties=briefing_counties(user)),
        )

    return render_template(
        "reports/index.html",
        scheduler_running=scheduler_running(utcnow()),
        jobs=page.jobs,
        briefings=briefings,
        kinds=KINDS,
        county_names=page.county_names,
    )


def _cached_pdf(kind: str, target: str, filename: str):
    """Issue 12: from the PDF cache (per firm/county and data stamp) or a background render, waited on
    for a bounded time; a user with too many renders running gets 429, a slow render 503 + Retry-After."""
    from pipeline.reports import pdfcache

    try:
        data = pdfcache.get_pdf(current_user.id, kind, target, clock.today())
    except pdfcache.RenderLimit as exc:
        msg = _(
            "You already have %(n)s PDFs being generated; open another one when they are finished.",
            n=exc.args[0],
        )
        return _busy_page(429, msg)
    except pdfcache.StillRendering:
        return _busy_page(503, _("The PDF is still being generated; refresh this page in a moment."))
    return _pdf_response(data, filename)


def _busy_page(code: int, message: str) -> Response:
    resp = Response(render_template("errors/plain.html", code=code, message=message, english=""), code)
    resp.headers["Retry-After"] = "10"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/firms/<int:firm_id>/roadmap.pdf")
@requires("firm.view")
def roadmap_pdf(firm: Firm):
    """The firm's 一企一策 roadmap; a firm user gets only its own firm (others are 404)."""
    from pipeline.reports.documents import roadmap_filename

    return _cached_pdf("roadmap", str(firm.id), roadmap_filename(firm))


@bp.get("/reports/briefing/county/<int:county_id>.pdf")
@login_required
def county_briefing_pdf(county: County):
    """A preview of the county pack; only a queued pack counts as an issued one (see the job)."""
    from pipeline.reports.documents import briefing_filename

    return _cached_pdf("briefing", str(county.id), briefing_filename(county, clock.today()))


@bp.get("/reports/briefing/city.pdf")
@login_required
def city_briefing_pdf():
    from pipeline.reports.documents import briefing_filename

    permissions.require(current_user, "city.view")
    return _cached_pdf("briefing", "city", briefing_filename(None, clock.today()))


@bp.post("/reports/jobs")
@login_required
def queue():
    from pipeline.reports.jobs import JobError, job_county, queue_job

    kind = request.form.get("kind", "")
    county = None
    county_id = request.form.get("county_id", type=int)
    if kind != "briefing_city":
        if county_id is None:
            flash(_("Choose a county."), "error")
            return redirect(url_for("reports.index"))
        county = job_county(current_user, county_id)
    try:
        job = queue_job(current_user, kind, county, clock.today())
    except JobError as exc:
        flash(str(exc), "error")
        return redirect(url_for("reports.index"))
    flash(
        _("Export job queued; once the background process has finished you can download it from this page."),
        "success",
    )
    return redirect(url_for("reports.job", job_id=job.id))


@bp.get("/reports/jobs/<int:job_id>")
@login_required
def job(job: Job):
    from pipeline.models.base import utcnow
    from pipeline.reminders.health import scheduler_running
    from pipeline.reports.jobs import job_to_dict

    return render_template(
        "reports/job.html", job=job, info=job_to_dict(job), scheduler_running=scheduler_running(utcnow())
    )


@bp.get("/reports/jobs/<int:job_id>.json")
@login_required
def job_status(job: Job):
    from pipeline.reports.jobs import job_to_dict

    info = job_to_dict(job)
    info["kind_label"], info["status_label"] = (
        tl(info["kind_label"]),
        tl(info["status_label"]),
    )  # the page's language
    if info["done"]:
        info["download_url"] = url_for("reports.download", job_id=job.id)
    return jsonify(info)


@bp.get("/reports/jobs/<int:job_id>/download")
@login_required
def download(job: Job):
    j = job
    if j.status != "done" or not j.result_path:
        abort(404)
    export_dir = Path(current_app.config["EXPORT_DIR"]).resolve()
    path = Path(j.result_path).resolve()
    if export_dir not in path.parents or not path.is_file():
        abort(404)
    mimetype = "application/zip" if path.suffix == ".zip" else "application/pdf"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name.split("-", 2)[-1])
