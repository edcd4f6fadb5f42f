"""The pool list (培育库). Issue 5 grows this into the full pool pages."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import County, Firm

bp = Blueprint("pool", __name__)


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    query = select(Firm).order_by(Firm.county_id, Firm.name)
    firms = db.paginate(query, page=page, per_page=50, error_out=False)
    counties = {c.id: c.name for c in db.session.scalars(select(County))}
    return render_template("pool/index.html", firms=firms, counties=counties)
