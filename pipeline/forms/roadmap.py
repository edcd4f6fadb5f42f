"""Roadmap forms: milestone status, firm progress, figure submissions, review, what-if."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pipeline.forms.firm import YearForm
from pipeline.vocabulary import MILESTONE_STATUSES
from pipeline.i18n import ltl

from flask_babel import lazy_gettext as _l


class MilestoneForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(k, ltl(v)) for k, v in MILESTONE_STATUSES.items()])
    evidence_note = StringField(_l("Evidence / notes"), validators=[Optional(), Length(max=1000)])


class ProgressForm(FlaskForm):
    progress_note = TextAreaField(_l("Progress note"), validators=[DataRequired(_l("Enter a progress note")), Length(max=1000)])


class FigureForm(YearForm):
    """A firm user's submission of one year's figures; the officer reviews it."""


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Review"), choices=[("accept", _l("Accept")), ("reject", _l("Return"))])
    review_note = StringField(_l("Review comments"), validators=[Optional(), Length(max=500)])


class WhatIfForm(FlaskForm):
    add_utility_models = IntegerField(_l("Additional utility model patents"), default=0,
                                      validators=[Optional(), NumberRange(0, 50, _l("Must be between 0 and 50"))])
    add_invention_patents = IntegerField(_l("Additional invention patents"), default=0,
                                         validators=[Optional(), NumberRange(0, 20, _l("Must be between 0 and 20"))])
    rd_ratio = DecimalField(_l("Next year's R&D expenses as a share of sales (%)"), places=1,
                            validators=[Optional(), NumberRange(0, 100, _l("Must be between 0 and 100"))])
    add_tech_staff = IntegerField(_l("Additional science and technology staff"), default=0,
                                  validators=[Optional(), NumberRange(0, 500, _l("Must be between 0 and 500"))])
