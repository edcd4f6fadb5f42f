"""Pool forms: a stage move (with its reason) and bulk actions."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pipeline.models.firm import STAGES


class StageForm(FlaskForm):
    stage = SelectField("移至阶段", choices=list(STAGES.items()))
    reason = StringField("原因", validators=[DataRequired("请说明调整阶段的原因"), Length(max=500)])


class BulkForm(FlaskForm):
    action = SelectField("批量操作", choices=[("assign", "指派专员"), ("stage", "调整阶段")])
    officer_id = SelectField("专员", coerce=int, choices=[], validators=[Optional()])
    stage = SelectField("阶段", choices=list(STAGES.items()), validators=[Optional()])
    reason = StringField("原因", validators=[Optional(), Length(max=500)])
