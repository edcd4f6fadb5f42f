"""City admin: accounts (create, disable/enable, reset password)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pipeline.errors import Invalid
from pipeline.i18n import ltl
from pipeline.services import accounts, scope
from pipeline.vocabulary import ROLES
from pipeline.web.auth import requires
from pipeline.web.errors import put_on_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(_l("Enter the username")), Length(max=64)]
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name")), Length(max=64)])
    role = SelectField(_l("Role"), choices=[(k, ltl(v)) for k, v in ROLES.items()])
    county = SelectField(_l("County (required for officers)"), choices=[], validators=[Optional()])
    firm_code = StringField(
        _l("Firm's unified social credit code (required for firm users)"),
        validators=[Optional(), Length(max=18)],
    )
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(_l("Set an initial password"))])


class ActionForm(FlaskForm):
    pass


@bp.route("/", methods=["GET", "POST"])
@requires("user.admin")
def index():
    form = UserForm()
    form.county.choices = [("", "—")] + [(c.code, c.name) for c in scope.counties()]
    status = 422 if form.is_submitted() else 200  # issue 13: a refused account keeps nothing
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_user,
                form.username.data,
                form.password.data,
                form.role.data,
                form.display_name.data,
                form.county.data or None,
                form.firm_code.data or None,
                form.email.data or None,
                form.phone.data or None,
            )
        except Invalid as exc:  # an AccountError, or a Conflict on the user name
            put_on_form(form, exc)
            status = exc.status  # 409 for a taken name
        else:
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("admin.index"))
    page = accounts.accounts_page(current_user)
    return render_template(
        "admin/index.html", form=form, users=page.users, action=ActionForm(), locked=page.locked
    ), status


@bp.post("/users/<int:user_id>/toggle")
@requires("user.admin")
def toggle(user):
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "warning")
    else:
        accounts.set_active(current_user, user.username, not user.active)
        flash(
            _("Account %(username)s enabled.", username=user.username)
            if user.active
            else _("Account %(username)s disabled.", username=user.username),
            "success",
        )
    return redirect(url_for("admin.index"))


# ---- issue 17: edit an account (name, e-mail, phone) and reset its password ------------------------


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name")), Length(max=64)])
    email = StringField(
        _l("Email"), validators=[Optional(), Length(max=120)], description=_l("Reminders and digests go here")
    )
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=30)],
        description=_l("Printed on the firm's briefing PDF as the officer's contact number"),
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password"))],
        description=_l("Tell the user in person; they can change it under My account"),
    )


def _edit_page(user, form=None, reset=None, status=200):
    if form is None:
        form = EditUserForm(obj=user)
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        reset=reset or ResetPasswordForm(prefix="rp"),
        action=ActionForm(),
    ), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("user.admin")
def edit_user(user):
    form = EditUserForm()
    if not form.is_submitted():
        return _edit_page(user)
    if form.validate():
        try:
            changed = accounts.update_user(
                current_user, user, form.display_name.data, form.email.data, form.phone.data
            )
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(
                _("Account %(username)s saved.", username=user.username)
                if changed
                else _("Nothing changed for %(username)s.", username=user.username),
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _edit_page(user, form=form, status=422)


@bp.post("/users/<int:user_id>/password")
@requires("user.admin")
def reset_user_password(user):
    reset = ResetPasswordForm(prefix="rp")
    if reset.validate_on_submit():
        try:
            accounts.reset_password(current_user, user.username, reset.password.data)
        except accounts.AccountError as exc:
            reset.password.errors.append(str(exc))
        else:
            flash(
                _(
                    "The password of %(username)s has been reset (and any lock lifted).",
                    username=user.username,
                ),
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return _edit_page(user, reset=reset, status=422)


@bp.post("/users/<int:user_id>/unlock")
@requires("user.admin")
def unlock(user):
    """Lift a login lockout from the user list (issue 12); the failed attempts are forgotten."""
    accounts.unlock(current_user, user)
    flash(_("Account %(username)s unlocked.", username=user.username), "success")
    return redirect(url_for("admin.index"))


@bp.route("/rewards", methods=["GET", "POST"])
@requires("rewards.edit")
def rewards():
    """Issue 17: the reward amounts the roadmap PDF quotes, editable by the city admin."""
    from flask import request

    from pipeline.services import rewards as svc

    items = svc.rewards()
    seen = svc.version(items)
    errors, status = [], 200
    if request.method == "POST":
        form = FlaskForm()
        if not form.validate():
            errors.append(_("The form has expired; reload the page and try again."))
            status = 400
        else:
            amounts = [request.form.get(f"amount-{i}", "") for i in range(len(items))]
            try:
                changed = svc.save(current_user, amounts, request.form.get("version", ""))
            except svc.RewardError as exc:  # refused before anything is written
                errors.append(str(exc))
                status = 409 if isinstance(exc, svc.StaleRewards) else 422
                items = svc.rewards()
                if status == 422:  # show what was typed, to correct it
                    items = [{**r, "posted": a} for r, a in zip(items, amounts, strict=False)]
                seen = svc.version(items)
            else:
                if changed:
                    flash(_("Reward amounts saved; the next roadmap PDFs quote them."), "success")
                else:
                    flash(_("Nothing changed."), "info")
                return redirect(url_for("admin.rewards"))
    return render_template("admin/rewards.html", items=items, version=seen, errors=errors), status
