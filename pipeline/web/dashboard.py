"""Goal dashboard (目标进展): where the city and each county stand against the 1000-firm goal."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pipeline.extensions import db
from pipeline.models import County, Target
from pipeline.services import goals as goal_service

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


class TargetForm(FlaskForm):
    county = SelectField("范围", choices=[], validate_choice=True)
    year = IntegerField("年份", validators=[InputRequired("请填写年份"),
                                            NumberRange(2000, 2100, "年份须在 2000–2100 之间")])
    hnte = IntegerField("有效高企目标（家）", validators=[InputRequired("请填写高企目标"),
                                                   NumberRange(0, 100000, "高企目标须为 0–100000 的整数")])
    tsme = IntegerField("科技型中小企业目标（家）", validators=[InputRequired("请填写科小目标"),
                                                       NumberRange(0, 100000, "科小目标须为 0–100000 的整数")])
    plan_name = StringField("所属规划", validators=[Optional(), Length(max=100, message="规划名称最多 100 个字")])


def _today() -> date:
    return date.today()


def _staff_only():
    if current_user.role not in ("admin", "officer"):
        abort(404)


@bp.get("/")
@login_required
def index():
    _staff_only()
    county_id = request.args.get("county", type=int)
    today = _today()
    try:
        fig, fc = goal_service.dashboard_data(current_user, today, county_id)
    except goal_service.NotAllowed:
        abort(404)
    counties = list(db.session.scalars(select(County).order_by(County.sort, County.id))) \
        if current_user.role == "admin" else []
    chart = {"forecast": fc.to_dict(), "funnel": fig["funnel"], "readiness": fig["readiness"],
             "trend": fig["trend"], "active_today": fig["active"]}
    scen = {k: {y["year"]: y["active_expected"] for y in v["years"]} for k, v in chart["forecast"]["scenarios"].items()}
    return render_template("dashboard/index.html", fig=fig, fc=fc, chart=chart, counties=counties, scen=scen,
                           verdicts=goal_service.VERDICTS, recert_labels=goal_service.RECERT)


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets():
    if current_user.role != "admin":
        abort(404)
    counties = list(db.session.scalars(select(County).order_by(County.sort, County.id)))
    form = TargetForm()
    form.county.choices = [("", "全市")] + [(str(c.id), c.name) for c in counties]
    if request.method == "GET":
        form.year.data = form.year.data or _today().year
    if form.validate_on_submit():
        cid = int(form.county.data) if form.county.data else None
        try:
            goal_service.set_target(current_user, cid, form.year.data, form.hnte.data, form.tsme.data,
                                    form.plan_name.data)
        except goal_service.TargetError as exc:
            flash(str(exc), "danger")
        else:
            name = next((c.name for c in counties if c.id == cid), "全市")
            flash(f"已保存{name}{form.year.data}年目标：有效高企 {form.hnte.data} 家、科小 {form.tsme.data} 家。", "success")
            return redirect(url_for("dashboard.targets"))
    rows = db.session.execute(select(Target, County.name).outerjoin(County, County.id == Target.county_id)
                              .order_by(Target.year, County.sort.nulls_first(), County.id)).all()
    by_year: dict[int, list] = {}
    for t, name in rows:
        by_year.setdefault(t.year, []).append((t, name or "全市"))
    return render_template("dashboard/targets.html", form=form, by_year=by_year), (400 if form.errors else 200)
