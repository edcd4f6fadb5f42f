"""Issue 17: a county's group-robot settings (URL, how it gets reminders) and a test send.

The county's own officers and the city admin (any county); town officers and other counties get 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, ValidationError

from pipeline import clock, permissions
from pipeline.i18n import tl
from pipeline.models import County
from pipeline.reminders import robot_url
from pipeline.services import robots, scope
from pipeline.services.scope import can_see_county
from pipeline.vocabulary import ALERT_MODES

bp = Blueprint("robots", __name__, url_prefix="/robots")


def _url_rule(form, field):
    """The rules the webhook channel applies when it calls the URL; blank = no robot."""
    if not (field.data or "").strip():
        return
    found = robot_url.problem(field.data, robot_url.Rules.from_config(current_app.config))
    if found is not None:
        raise ValidationError(found.text(tl))


class RobotForm(FlaskForm):
    url = StringField(
        _l("Group robot URL (webhook)"),
        validators=[_url_rule],
        filters=[lambda v: (v or "").strip()],
        description=_l(
            "In the WeCom or DingTalk group: add a group robot and copy its webhook address here. "
            "Leave blank if the county has no group robot."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url", "maxlength": 500},
    )
    mode = SelectField(_l("What the group receives"))
    # what the page was built from: a save over settings changed since is refused
    was = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [(k, tl(v)) for k, v in ALERT_MODES.items()]


def _prefilled(county: County) -> RobotForm:
    return RobotForm(
        formdata=None,
        data={"url": county.webhook_url or "", "mode": robots.mode_of(county), "was": robots.version(county)},
    )


def _page(county: County, form: RobotForm, status: int = 200, tested: dict | None = None):
    from pipeline.web.filters import audit_changes

    counties = scope.counties() if permissions.can(current_user, "city.view") else []
    rules = robot_url.Rules.from_config(current_app.config)
    return render_template(
        "robots/settings.html",
        county=county,
        form=form,
        counties=counties,
        history=[(e, audit_changes(e)) for e in robots.history(county)],
        masked=robot_url.masked(county.webhook_url),
        tested=tested,
        hosts=rules.hosts,
        intranet=rules.allow_intranet,
    ), status


@bp.get("/")
@login_required
def index():
    """The officer's own county; the admin's first county (the page lists the others)."""
    if permissions.can(current_user, "city.view"):
        counties = scope.counties()
        if not counties:
            abort(404)
        return redirect(url_for("robots.settings", county_id=counties[0].id))
    if not can_see_county(current_user, current_user.county_id):
        abort(404)
    return redirect(url_for("robots.settings", county_id=current_user.county_id))


@bp.route("/<int:county_id>", methods=["GET", "POST"])
@login_required
def settings(county: County):
    form = RobotForm()
    if not form.is_submitted():
        return _page(county, _prefilled(county))
    if not form.validate():
        return _page(county, form, 422)
    try:
        changed = robots.save(current_user, county, form.url.data, form.mode.data, form.was.data or "")
    except robots.StaleRobot:
        fresh = _prefilled(county)
        fresh.form_errors.append(
            _(
                "The robot settings of %(county)s were changed by someone else after this page was opened; "
                "they are shown as they are now. Check them and save again.",
                county=county.name,
            )
        )
        return _page(county, fresh, 409)
    if not changed:
        flash(_("Nothing changed."), "info")
    elif county.webhook_url:
        flash(_("Group robot settings saved. Send a test message to check the address."), "success")
    else:
        flash(_("Group robot settings saved; the county has no group robot now."), "success")
    return redirect(url_for("robots.settings", county_id=county.id))


@bp.post("/<int:county_id>/test")
@login_required
def test(county: County):
    """One test message to the saved URL, through the webhook channel; the result on the page."""
    check = FlaskForm()
    if not check.validate_on_submit():
        abort(400)
    if not county.webhook_url:
        reason = _("No group robot URL is saved yet; save one first.")
    else:
        when = clock.now_shanghai().strftime("%Y-%m-%d %H:%M")
        reason = robots.test_send(county, current_user, current_app.config, when)
    return _page(county, _prefilled(county), tested={"reason": reason})
