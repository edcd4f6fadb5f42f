"""Excel in and out for the pool: template, upload → preview → confirm, export of the current list."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from pipeline import clock
from pipeline.errors import Conflict
from pipeline.services import exports, imports
from pipeline.web.auth import requires
from pipeline.web.transaction import refuse

bp = Blueprint("imports", __name__, url_prefix="/pool")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    file = FileField(
        _l("Excel file (.xlsx)"), validators=[FileRequired(_l("Choose the Excel file to upload"))]
    )
    update_only = BooleanField(_l("Update existing firms only, never add new ones"))


class ConfirmForm(FlaskForm):
    pass


PREVIEW_MAX_AGE_S = 2 * 3600  # an unconfirmed preview is kept this long, then swept


def _staging_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_previews(now: float | None = None) -> int:
    """Delete staged uploads nobody confirmed (older than PREVIEW_MAX_AGE_S); returns how many."""
    import time

    cutoff = (now if now is not None else time.time()) - PREVIEW_MAX_AGE_S
    removed = 0
    for path in _staging_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _download(data: bytes, filename: str) -> Response:
    from urllib.parse import quote

    resp = Response(data, mimetype=XLSX)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=export.xlsx; filename*=UTF-8''{quote(filename)}"
    )
    resp.headers["Cache-Control"] = "no-store"  # firm data: never kept in a shared or browser cache
    return resp


@bp.get("/import/template.xlsx")
@requires("import.run")
def template():
    return _download(exports.template_bytes(), "培育库导入模板.xlsx")


@bp.get("/export.xlsx")
@requires("import.run")
def export():
    today = clock.today()
    return _download(exports.export_bytes(current_user, request.args, today), exports.export_filename(today))


@bp.route("/import", methods=["GET", "POST"])
@requires("import.run")
def upload():
    form = UploadForm()
    result, refused = None, None
    if form.validate_on_submit():
        storage = form.file.data
        max_bytes = current_app.config["IMPORT_MAX_MB"] * 1024 * 1024
        data = storage.read(max_bytes + 1)
        name = Path(storage.filename or "upload.xlsx").name
        try:
            result = imports.check(current_user, data, name, update_only=form.update_only.data)
        except imports.ImportRefused as exc:
            refused = str(exc)
        else:
            sweep_previews()
            if result.ok:
                token = secrets.token_hex(16)
                (_staging_dir() / f"{token}.xlsx").write_bytes(data)
                session["import"] = {
                    "token": token,
                    "name": name,
                    "user": current_user.id,
                    "update_only": bool(form.update_only.data),
                }
    return render_template(
        "imports/upload.html",
        form=form,
        result=result,
        refused=refused,
        confirm=ConfirmForm(),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        max_mb=current_app.config["IMPORT_MAX_MB"],
    )


@bp.post("/import/confirm")
@requires("import.run")
def confirm():
    staged = session.pop("import", None)
    path = (
        _staging_dir() / f"{staged['token']}.xlsx"
        if staged and staged.get("user") == current_user.id
        else None
    )
    if path is None or not path.exists():
        flash(_("The import preview has expired; upload the file again."), "warning")
        return redirect(url_for("imports.upload"))
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    try:
        result = imports.apply(
            current_user,
            data,
            staged["name"],
            clock.today(),
            update_only=bool(staged.get("update_only")),
            confirmed=_ticked_conflicts(request.form.getlist("confirm_row")),
        )
    except imports.ImportRefused as exc:
        flash(str(exc), "danger")
        return redirect(url_for("imports.upload"))
    except Conflict as exc:  # issue 13: a firm of the file created by someone else meanwhile
        refuse(_("Nothing was imported: %(error)s; upload the file again.", error=exc))
        return redirect(url_for("imports.upload"))
    if not result.ok:  # data changed between preview and confirm
        flash(
            _(
                "Nothing was imported: validation found %(n)s errors; upload the file again.",
                n=len(result.errors),
            ),
            "danger",
        )
        return redirect(url_for("imports.upload"))
    flash(
        _(
            "Import complete: %(new)s firms added, %(updated)s updated, %(unchanged)s unchanged.",
            new=result.new,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    if result.skipped_rows:
        flash(
            _(
                "%(n)s conflicting rows were not ticked and were skipped (rows %(rows)s): their firms "
                "keep the values others saved after the export.",
                n=len(result.skipped_rows),
                rows=_("、").join(map(str, result.skipped_rows)),
            ),
            "warning",
        )
    if result.skipped_new:
        flash(
            _("Update only: %(n)s rows for firms not in the pool were skipped.", n=result.skipped_new),
            "warning",
        )
    return redirect(url_for("pool.index"))


def _ticked_conflicts(values: list[str]) -> dict[int, int]:
    """The preview's ticked conflict rows, ``"<row>:<version>"`` → ``{row: version}``; junk is ignored."""
    out: dict[int, int] = {}
    for value in values:
        row, _sep, version = value.partition(":")
        if row.isdigit() and version.isdigit() and len(row) < 8 and len(version) < 10:
            out[int(row)] = int(version)
    return out
