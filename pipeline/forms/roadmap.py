"""Roadmap forms: milestone status, firm progress, figure submissions, review, what-if."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pipeline.forms.dates import IsoDateField
from pipeline.forms.firm import YearForm
from pipeline.i18n import ltl
from pipeline.vocabulary import MILESTONE_STATUSES


class MilestoneForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(k, ltl(v)) for k, v in MILESTONE_STATUSES.items()])
    evidence_note = StringField(_l("Evidence / notes"), validators=[Optional(), Length(max=1000)])
    version = HiddenField()  # the milestone version the form was filled from (issue 11)


class ProgressForm(FlaskForm):
    progress_note = TextAreaField(
        _l("Progress note"), validators=[DataRequired(_l("Enter a progress note")), Length(max=1000)]
    )


class FigureForm(YearForm):
    """A firm user's submission of one year's figures; the officer reviews it."""


class ReviewForm(FlaskForm):
    decision = SelectField(
        _l("Review"),
        choices=[
            ("accept_selected", _l("Accept the ticked fields")),
            ("accept", _l("Accept all")),
            ("reject", _l("Return")),
        ],
    )
    review_note = StringField(_l("Review comments"), validators=[Optional(), Length(max=500)])


class WhatIfForm(FlaskForm):
    """Every lever the planner considers (i14); read from the query string (a bookmarkable GET)."""

    class Meta:
        csrf = False  # a GET that changes nothing

    add_invention_patents = IntegerField(
        _l("Additional invention patents"),
        default=0,
        validators=[Optional(), NumberRange(0, 20, _l("Must be between 0 and 20"))],
    )
    add_utility_models = IntegerField(
        _l("Additional utility model patents"),
        default=0,
        validators=[Optional(), NumberRange(0, 50, _l("Must be between 0 and 50"))],
    )
    add_software_copyrights = IntegerField(
        _l("Additional software copyrights"),
        default=0,
        validators=[Optional(), NumberRange(0, 50, _l("Must be between 0 and 50"))],
    )
    add_designs = IntegerField(
        _l("Additional design patents"),
        default=0,
        validators=[Optional(), NumberRange(0, 50, _l("Must be between 0 and 50"))],
    )
    reclassify_staff = IntegerField(
        _l("Existing staff re-checked as tech staff"),
        default=0,
        validators=[Optional(), NumberRange(0, 500, _l("Must be between 0 and 500"))],
    )
    add_tech_staff = IntegerField(
        _l("Additional science and technology staff"),
        default=0,
        validators=[Optional(), NumberRange(0, 500, _l("Must be between 0 and 500"))],
    )
    hire_on = IsoDateField(_l("Hired on (YYYY-MM-DD)"), validators=[Optional()])
    rd_year = IntegerField(
        _l("R&D year"), validators=[Optional(), NumberRange(2000, 2100, _l("Enter a four-digit year"))]
    )
    rd_ratio = DecimalField(
        _l("R&D expenses as a share of sales that year (%)"),
        places=1,
        validators=[Optional(), NumberRange(0, 100, _l("Must be between 0 and 100"))],
    )
    conversion_year = IntegerField(
        _l("Conversion year"), validators=[Optional(), NumberRange(2000, 2100, _l("Enter a four-digit year"))]
    )
    conversions = IntegerField(
        _l("Conversions that year"),
        validators=[Optional(), NumberRange(0, 100, _l("Must be between 0 and 100"))],
    )
    sales_growth = DecimalField(
        _l("Sales growth per year (%)"),
        places=1,
        validators=[Optional(), NumberRange(-90, 500, _l("Must be between -90 and 500"))],
    )
    standards = BooleanField(_l("Takes part in drafting a standard"))

    def changes(self, today) -> dict:
        """The what-if changes of the planner (pipeline.roadmap.what_if) for the filled fields."""
        out: dict = {}
        add_ip = {
            k: n
            for k, n in (
                ("invention_patent", self.add_invention_patents.data),
                ("utility_model", self.add_utility_models.data),
                ("software_copyright", self.add_software_copyrights.data),
                ("design", self.add_designs.data),
            )
            if n
        }
        if add_ip:
            out["add_ip"] = add_ip
        if self.reclassify_staff.data:
            out["reclassify_staff"] = self.reclassify_staff.data
        if self.add_tech_staff.data:
            out["hires"] = [{"n": self.add_tech_staff.data, "on": (self.hire_on.data or today).isoformat()}]
        if self.rd_ratio.data is not None:
            out["rd_ratio"] = {str(self.rd_year.data or today.year + 1): float(self.rd_ratio.data) / 100}
        if self.conversions.data is not None:
            out["conversions"] = {str(self.conversion_year.data or today.year): self.conversions.data}
        if self.sales_growth.data is not None:
            out["sales_growth"] = float(self.sales_growth.data) / 100
        if self.standards.data:
            out["standards"] = True
        return out
