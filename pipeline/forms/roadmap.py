"""Roadmap forms: milestone status, firm progress, figure submissions, review, what-if."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pipeline.forms.firm import YearForm
from pipeline.models.roadmap import MILESTONE_STATUSES


class MilestoneForm(FlaskForm):
    status = SelectField("状态", choices=list(MILESTONE_STATUSES.items()))
    evidence_note = StringField("佐证/说明", validators=[Optional(), Length(max=1000)])


class ProgressForm(FlaskForm):
    progress_note = TextAreaField("进展说明", validators=[DataRequired("请填写进展说明"), Length(max=1000)])


class FigureForm(YearForm):
    """A firm user's submission of one year's figures; the officer reviews it."""


class ReviewForm(FlaskForm):
    decision = SelectField("审核", choices=[("accept", "采纳"), ("reject", "退回")])
    review_note = StringField("审核意见", validators=[Optional(), Length(max=500)])


class WhatIfForm(FlaskForm):
    add_utility_models = IntegerField("新增实用新型专利（项）", default=0,
                                      validators=[Optional(), NumberRange(0, 50, "应在0–50项之间")])
    add_invention_patents = IntegerField("新增发明专利（项）", default=0,
                                         validators=[Optional(), NumberRange(0, 20, "应在0–20项之间")])
    rd_ratio = DecimalField("明年研发费用占销售收入比例（%）", places=1,
                            validators=[Optional(), NumberRange(0, 100, "应在0–100之间")])
    add_tech_staff = IntegerField("新增科技人员（人）", default=0,
                                  validators=[Optional(), NumberRange(0, 500, "应在0–500人之间")])
