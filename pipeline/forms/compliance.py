"""Issue 16: the 年报 record form on the firm page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from pipeline.forms.dates import IsoDateField


class AnnualReportForm(FlaskForm):
    year = IntegerField(_l("Report year"), validators=[InputRequired(_l("Report year: missing"))])
    submitted = BooleanField(_l("Report submitted"))
    submitted_on = IsoDateField(_l("Submitted on"), validators=[Optional()])
    note = StringField(
        _l("Note"), validators=[Optional(), Length(max=300, message=_l("Note: at most 300 characters"))]
    )
    version = HiddenField()  # the record's last change as the page showed it: a stale form is refused
