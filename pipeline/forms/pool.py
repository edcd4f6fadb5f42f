"""Pool forms: a stage move (with its reason) and bulk actions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pipeline.i18n import ltl
from pipeline.vocabulary import STAGES


class StageForm(FlaskForm):
    stage = SelectField(_l("Move to stage"), choices=[(k, ltl(v)) for k, v in STAGES.items()])
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason for the stage change")), Length(max=500)]
    )


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Bulk action"),
        choices=[
            ("assign", _l("Assign an officer")),
            ("leader", _l("Make the chosen officer their Baolian leader")),
            ("stage", _l("Change stage")),
        ],
    )
    officer_id = SelectField(_l("Officer"), coerce=int, choices=[], validators=[Optional()])
    stage = SelectField(
        _l("Stage"), choices=[(k, ltl(v)) for k, v in STAGES.items()], validators=[Optional()]
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
