"""Goal dashboard (目标进展): where the city and each county stand against the 1000-firm goal."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pipeline import clock, permissions
from pipeline.errors import Conflict
from pipeline.forecast import DEFAULT_ASSUMPTIONS, PASS_SCORE
from pipeline.i18n import tl
from pipeline.services import goals as goal_service
from pipeline.services import scope, stamp, versions
from pipeline.web import fragments
from pipeline.web.errors import put_on_form
from pipeline.web.fragments import render_block
from pipeline.web.transaction import refuse

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


class TargetForm(FlaskForm):
    county = SelectField(_l("Scope"), choices=[], validate_choice=True)
    year = IntegerField(
        _l("Target year"),
        validators=[
            InputRequired(_l("Enter the target year")),
            NumberRange(2000, 2100, _l("The year must be between 2000 and 2100")),
        ],
    )
    hnte = IntegerField(
        _l("Active HNTE target (firms)"),
        validators=[
            Optional(),
            NumberRange(0, 100000, _l("The HNTE target must be a whole number from 0 to 100000")),
        ],
    )
    tsme = IntegerField(
        _l("Tech-based SME target (firms)"),
        validators=[
            Optional(),
            NumberRange(0, 100000, _l("The tech SME target must be a whole number from 0 to 100000")),
        ],
    )
    plan_name = StringField(
        _l("Plan"),
        validators=[Optional(), Length(max=100, message=_l("The plan name can be at most 100 characters"))],
    )
    version = HiddenField()  # the target's version the form was filled from; 0 = none yet (issue 11)


def _today() -> date:
    return clock.today()


def _staff_only():
    permissions.require(current_user, "dashboard.view")


@bp.get("/")
@login_required
def index():
    _staff_only()
    county_id = request.args.get("county", type=int)
    town_id = request.args.get("town", type=int)  # issue 18
    today = _today()
    fig, fc = goal_service.dashboard_data(current_user, today, county_id, town_id)
    # Issue 15: the page's content is rendered once per scope, day, locale and data stamp (and for
    # admins, who get the scope chooser) and reused until any write changes the stamp; the access
    # check above runs on every request, only the rendered figures are shared.
    admin = permissions.can(current_user, "city.view")  # the scope chooser
    key = (tuple(sorted(fig["scope"].items())), today, str(get_locale()), admin)
    content = stamp.cached("dashboard_content", key, lambda: _content(fig, fc, admin))
    return render_template("dashboard/index.html", fig=fig, content_html=content)


def _content(fig: dict, fc, admin: bool) -> Markup:
    """The dashboard's content block (figures, charts' data, tables) rendered on its own."""
    counties = scope.counties() if admin else []
    chart = {
        "forecast": fc.to_dict(),
        "funnel": fig["funnel"],
        "readiness": fig["readiness"],
        "trend": fig["trend"],
        "active_today": fig["active"],
    }
    # The charts' Chinese data labels and their own captions in the UI language (dashboard.js has no text).
    chart["funnel"] = [{**s, "label": tl(s.get("label"))} for s in chart["funnel"]]
    chart["readiness"] = [{**r, "label": tl(r.get("label"))} for r in chart["readiness"]]
    for s in chart["forecast"].get("scenarios", {}).values():
        s["label"] = tl(s.get("label"))
    chart["text"] = chart_text()
    scen = {
        k: {y["year"]: y["active_expected"] for y in v["years"]}
        for k, v in chart["forecast"]["scenarios"].items()
    }
    return render_block(
        "dashboard/index.html",
        "content",
        fig=fig,
        fc=fc,
        chart=chart,
        counties=counties,
        scen=scen,
        verdicts=goal_service.VERDICTS,
        recert_labels=goal_service.RECERT,
        assumptions=[assumption_text(a) for a in fc.assumptions],
    )


def chart_text() -> dict[str, str]:
    """The captions static/js/dashboard.js puts on the charts, in the UI language."""
    return {
        "range": gettext("Forecast range (low–high)"),
        "range_low": gettext("Forecast range (low)"),
        "expected": gettext("Forecast (expected)"),
        "target": gettext("Target"),
        "y_axis": gettext("Active HNTEs at year end"),
        "firms": gettext("Firms"),
        "active": gettext("Active HNTEs"),
        "tsme": tl("科技型中小企业"),
        "pool": gettext("In cultivation"),
        "colon": gettext(": "),
    }


def assumption_text(a: dict, margin: int = DEFAULT_ASSUMPTIONS.solid_margin) -> str:
    """One forecast assumption (pipeline/forecast keeps them as Chinese data) as a sentence in the UI language.

    Keyed by the assumption's key and built from its values; an unknown key keeps the forecast's own sentence.
    """

    def pc(x: float) -> str:
        return f"{x:.0%}"

    def band(v: dict) -> str:
        return gettext(
            "%(expected)s (range %(low)s–%(high)s)",
            expected=pc(v["expected"]),
            low=pc(v["low"]),
            high=pc(v["high"]),
        )

    key, value = a.get("key"), a.get("value")
    if key == "target":
        return gettext(
            "Only firms whose roadmap has a target batch count towards new certifications; firms with "
            "no feasible batch do not."
        )
    if key == "solid":
        return gettext(
            "Firms whose lowest projected score in the target batch is at least %(score)s pass with a "
            "probability of %(band)s.",
            score=PASS_SCORE + margin,
            band=band(value),
        )
    if key == "thin":
        return gettext(
            "Firms whose lowest projected score is %(low)s–%(high)s (a thin margin) pass with a "
            "probability of %(band)s.",
            low=PASS_SCORE,
            high=PASS_SCORE + margin - 1,
            band=band(value),
        )
    if key == "marginal":
        return gettext(
            "Firms whose projected score range straddles %(score)s (the lowest below it, the highest "
            "at or above it) pass with a probability of %(band)s.",
            score=PASS_SCORE,
            band=band(value),
        )
    if key == "below":
        return gettext(
            "Firms whose highest projected score is below %(score)s pass with a probability of " "%(band)s.",
            score=PASS_SCORE,
            band=band(value),
        )
    if key == "timing":
        return gettext(
            "Certificates are announced and issued in September–December of the batch year and count "
            "as active from the year end; a certificate is valid for %(years)s years and no longer counts "
            "at the end of its expiry year unless the firm is recertified.",
            years=value,
        )
    if key == "expiry":
        return gettext(
            "Current certificates expiring within the forecast period are deducted as lapsed when the "
            "roadmap plans no reapplication in the expiry year (or earlier)."
        )
    if key == "renewal":
        return gettext(
            "Firms newly certified within the forecast period are kept at a recertification rate of "
            "%(band)s when their certificates expire three years later.",
            band=band(value),
        )
    if key == "range":
        return gettext(
            "The range (low/high) is the total when every firm takes its low/high probability: it "
            "reflects the uncertainty of the assumptions and is not a statistical confidence interval."
        )
    return a.get("text", "")


@bp.route("/targets", methods=["GET", "POST"])
@login_required
def targets():
    permissions.require(current_user, "targets.edit")
    if request.method == "GET":
        # issue 15: the page (pre-filled form and the targets set) is rendered once per user, query
        # string, day, language and data stamp; a POST is always rendered afresh
        key = (current_user.id, _today(), request.query_string)
        content = fragments.cached_block(
            "targets_page", key, "dashboard/targets.html", "content", lambda: _targets_context(_target_form())
        )
        return render_template("dashboard/targets.html", content_html=content)
    form = _target_form()
    clash = False  # a stale form or a target saved meanwhile: 409, nothing kept
    if form.validate_on_submit():
        cid = int(form.county.data) if form.county.data else None
        try:
            saved = goal_service.set_target(
                current_user,
                cid,
                form.year.data,
                form.hnte.data,
                form.tsme.data,
                form.plan_name.data,
                version=versions.posted_version(form.version.data),
            )
        except versions.StaleRecord as exc:  # issue 11: nothing written; the entries stay in the form
            form.form_errors.append(str(exc))
            form.version.data = exc.current
            clash = True
        except goal_service.TargetError as exc:
            refuse(str(exc))
        except Conflict as exc:  # issue 13: this county's target for the year saved meanwhile
            put_on_form(form, exc, "year")
            clash = True
        else:
            value = "" if cid is None else str(cid)
            name = next((label for v, label in form.county.choices if v == value), tl("全市"))
            flash(
                _(
                    "Saved the %(year)s targets for %(scope)s: %(hnte)s active HNTEs, %(tsme)s tech SMEs.",
                    scope=name,
                    year=saved.year,
                    hnte=saved.hnte_target,
                    tsme=saved.tsme_target,
                ),
                "success",
            )
            return redirect(url_for("dashboard.targets"))
    return render_template("dashboard/targets.html", **_targets_context(form)), (
        409 if clash else 400 if form.errors else 200
    )


def _target_form() -> TargetForm:
    """The targets form with its scope choices; on a GET pre-filled with the current target of the
    chosen scope and year."""
    form = TargetForm()
    form.county.choices = [("", tl("全市"))] + [(str(c.id), c.name) for c in scope.counties()]
    if request.method == "GET":
        year = request.args.get("year", type=int) or _today().year
        cid = request.args.get("county", type=int)
        current = goal_service.target_of(cid, year)
        form.county.data = "" if cid is None else str(cid)
        form.year.data = year
        form.version.data = versions.version_of(current)
        if current is not None:
            form.hnte.data, form.tsme.data, form.plan_name.data = (
                current.hnte_target,
                current.tsme_target,
                current.plan_name,
            )
    return form


def _targets_context(form: TargetForm) -> dict:
    """The form and every target set, by year, with the city target against the counties' sum."""
    return {"form": form, **goal_service.targets_page(current_user)._asdict()}


# ------------------------------------------------------------------ issue 18: targets split by town and chain


class SplitForm(FlaskForm):
    """CSRF and the grid's scope; the grid's cells (``h_<key>``, ``s_<key>``, ``v_<key>``) are read by
    :func:`_posted_rows` (one row per town or chain)."""


def _split_scope() -> tuple[int | None, int]:
    """The county (None = the city) and year the split page is about, checked against the user."""

    source = request.form if request.method == "POST" else request.args
    raw_county = (source.get("county") or "").strip()
    try:
        county_id = int(raw_county) if raw_county else None
        year = int(source.get("year") or _today().year)
    except ValueError:
        abort(404)
    from pipeline.services.splits import split_scope

    return split_scope(current_user, county_id, year)


def _posted_rows(form) -> dict:
    from pipeline.services.splits import PostedRow

    keys = {name[2:] for name in form if name[:2] in ("h_", "s_", "v_")}
    return {
        k: PostedRow(k, form.get(f"h_{k}", ""), form.get(f"s_{k}", ""), form.get(f"v_{k}", "")) for k in keys
    }


@bp.route("/splits", methods=["GET", "POST"])
@login_required
def splits():
    """Targets split by town and by industry chain, each against its parent's target (issue 18)."""
    from pipeline.services import splits as split_service

    county_id, year = _split_scope()
    form = SplitForm()
    errors: list[str] = []
    posted, status = {}, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        posted = _posted_rows(request.form)
        try:
            n = split_service.save_splits(current_user, county_id, year, posted)
        except split_service.SplitStale as exc:  # refused before anything is written
            errors, posted, status = exc.messages, {}, 409  # show the current values, not the stale ones
        except split_service.SplitError as exc:
            errors, status = exc.messages, 400
        else:
            flash(_("Saved %(n)s target splits.", n=n) if n else _("Nothing changed."), "success")
            return redirect(url_for("dashboard.splits", county=county_id or "", year=year))
    view = split_service.rollup(county_id, year)
    counties = scope.counties() if permissions.can(current_user, "city.view") else []
    return render_template(
        "dashboard/splits.html", form=form, view=view, errors=errors, posted=posted, counties=counties
    ), status


@bp.get("/workload")
@login_required
def workload():
    """包联 workload per responsible officer and per leader over the user's goal scope (issue 18)."""
    _staff_only()
    today = _today()
    goal_scope = goal_service.goal_scope(
        current_user, request.args.get("county", type=int), request.args.get("town", type=int)
    )
    counties = scope.counties() if permissions.can(current_user, "city.view") else []
    from pipeline.services.stalls import stalled_days

    return render_template(
        "dashboard/workload.html",
        scope=goal_scope,
        people=goal_service.responsibility(goal_scope, today),
        counties=counties,
        today=today,
        stalled_days=stalled_days(),
    )
