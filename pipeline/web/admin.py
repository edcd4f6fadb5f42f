"""City admin: accounts (create, disable/enable, reset password)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from pipeline.extensions import db
from pipeline.models import County, User
from pipeline.vocabulary import ROLES
from pipeline.services import accounts
from pipeline.web.auth import admin_required
from pipeline.i18n import ltl

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter the username")), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name")), Length(max=64)])
    role = SelectField(_l("Role"), choices=[(k, ltl(v)) for k, v in ROLES.items()])
    county = SelectField(_l("County (required for officers)"), choices=[], validators=[Optional()])
    firm_code = StringField(_l("Firm's unified social credit code (required for firm users)"), validators=[Optional(), Length(max=18)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(_l("Set an initial password"))])


class ActionForm(FlaskForm):
    pass


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    form = UserForm()
    form.county.choices = [("", "—")] + [(c.code, c.name) for c in db.session.scalars(select(County).order_by(County.sort))]
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_user, form.username.data, form.password.data, form.role.data,
                                        form.display_name.data, form.county.data or None, form.firm_code.data or None,
                                        form.email.data or None)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("admin.index"))
    users = list(db.session.scalars(select(User).order_by(User.role, User.county_id, User.username).limit(500)))
    return render_template("admin/index.html", form=form, users=users, action=ActionForm())


@bp.post("/users/<int:user_id>/toggle")
@admin_required
def toggle(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "warning")
    else:
        accounts.set_active(current_user, user.username, not user.active)
        flash(_("Account %(username)s enabled.", username=user.username) if user.active
              else _("Account %(username)s disabled.", username=user.username), "success")
    return redirect(url_for("admin.index"))
