"""Self-service: the user's own password and personal API tokens (created with a name, shown once, revoked)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from pipeline.extensions import db
from pipeline.services import accounts, tokens

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


def _page(pw_form=None, token_form=None, new_token=None, status=200):
    return render_template(
        "account/index.html",
        pw_form=pw_form or PasswordForm(prefix="pw"),
        token_form=token_form or TokenForm(prefix="tk"),
        new_token=new_token,
        tokens=tokens.tokens_of(current_user),
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
            db.session.rollback()
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
def revoke_token(token_id: int):
    if not any(t.id == token_id for t in tokens.tokens_of(current_user)):
        abort(404)
    if tokens.revoke(current_user, token_id):
        flash(_("The token has been revoked; programs using it are refused from now on."), "success")
    return redirect(url_for("account.index"))
