"""Self-service: the user's own password and personal API tokens (created with a name, shown once, revoked)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from pipeline import permissions
from pipeline.i18n import tl
from pipeline.reminders import inbox as alerts
from pipeline.services import accounts, tokens
from pipeline.vocabulary import ALERT_MODES

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password"))]
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password"))],
        description=_l("At least 8 characters, with two of: letters, digits, symbols"),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Repeat the new password")),
            EqualTo("new", _l("The two new passwords differ")),
        ],
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[
            DataRequired(_l("Name the token, e.g. the system that will use it")),
            Length(max=64, message=_l("At most 64 characters")),
        ],
        description=_l("e.g. county dashboard sync"),
    )


class AlertsForm(FlaskForm):
    """Issue 17: per channel, off / everything at once / critical at once and the rest in a digest."""

    inapp = SelectField(_l("In-app notifications (the bell at the top right)"))
    email = SelectField(_l("E-mail"))
    # the values the page showed: a save from an older page (another tab changed them) is refused
    was = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k, tl(v)) for k, v in ALERT_MODES.items()]
        self.inapp.choices = choices
        self.email.choices = choices


def _modes_text(modes: dict) -> str:
    return f"{modes['inapp']},{modes['email']}"


def alerts_form(formdata=None) -> AlertsForm:
    """The form pre-filled with the user's current choice (or bound to what was posted)."""
    modes = alerts.alert_modes(current_user)
    if formdata is not None:
        return AlertsForm(prefix="al")
    return AlertsForm(prefix="al", formdata=None, data={**modes, "was": _modes_text(modes)})


def _page(pw_form=None, token_form=None, new_token=None, al_form=None, status=200):
    return render_template(
        "account/index.html",
        pw_form=pw_form or PasswordForm(prefix="pw"),
        token_form=token_form or TokenForm(prefix="tk"),
        al_form=al_form or alerts_form(),
        new_token=new_token,
        tokens=tokens.tokens_of(current_user),
        can_set_robot=permissions.can(
            current_user, "county.view", current_user.county_id
        ),  # issue 17: admins, county officers
    ), status


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/password")
@login_required
def password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            from flask import session

            from pipeline.services.sessions import SESSION_KEY

            session[SESSION_KEY] = current_user.session_version  # this session goes on; all older ones ended
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("account.index"))
    return _page(pw_form=form, status=422)


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm(prefix="tk")
    if not form.validate_on_submit():
        return _page(token_form=form, status=422)
    raw = tokens.issue_token(current_user, form.name.data)
    # shown on this response only: never stored, never in a flash (the session cookie would carry it)
    return _page(new_token={"name": form.name.data.strip(), "raw": raw})


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token):
    if tokens.revoke(current_user, token):
        flash(_("The token has been revoked; programs using it are refused from now on."), "success")
    return redirect(url_for("account.index"))


@bp.post("/alerts")
@login_required
def save_alerts():
    """Issue 17: the per-channel alert choice (instant, or critical at once + a daily/weekly digest)."""
    form = alerts_form(formdata=True)
    if not form.validate_on_submit():
        return _page(al_form=form, status=422)
    current = _modes_text(alerts.alert_modes(current_user))
    if form.was.data != current:
        fresh = alerts_form()
        fresh.form_errors.append(
            _(
                "Your alert settings were changed elsewhere (another page or tab) after this page was "
                "opened; they are shown as they are now. Check them and save again."
            )
        )
        return _page(al_form=fresh, status=409)
    changed = alerts.set_alert_modes(current_user, form.inapp.data, form.email.data)
    if form.email.data != "none" and not current_user.email:
        flash(
            _(
                "Saved. Your account has no email address yet, so email reminders cannot be delivered; ask the administrator to add one."
            ),
            "warning",
        )
    elif form.inapp.data == "none" and form.email.data == "none":
        flash(
            _("Saved. You have turned off every reminder channel and will not receive any reminders."),
            "warning",
        )
    elif changed:
        flash(_("Reminder channels saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("account.index", _anchor="alerts"))
