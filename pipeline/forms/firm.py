"""Forms for a firm's own data: profile, fiscal years, IP, 成果转化, evidence, incidents."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from pipeline import uscc
from pipeline.criteria import is_valid_domain
from pipeline.models.firm import (CONVERSION_FORMS, GRADES, INCIDENT_KINDS, IP_ACQUIRED, IP_KINDS, IP_STATUSES,
                                  POOL_LEVELS, RD_PIECES)

_OPT = [("", "—")]


def _choices(mapping):
    return [(k, v) for k, v in mapping.items()]


class DeleteForm(FlaskForm):
    """An empty form: only the CSRF token, for delete buttons."""


class FirmForm(FlaskForm):
    name = StringField("企业名称", validators=[DataRequired("企业名称不能为空"), Length(max=200)])
    credit_code = StringField("统一社会信用代码", validators=[DataRequired("统一社会信用代码不能为空")])
    registered_on = DateField("注册日期", validators=[Optional()])
    tech_domain = StringField("技术领域代码", validators=[Optional(), Length(max=5)],
                              description="《国家重点支持的高新技术领域》代码，如 10101")
    industry = StringField("行业", validators=[Optional(), Length(max=20)])
    pool_level = SelectField("入库级别", choices=_OPT + _choices(POOL_LEVELS), validators=[Optional()])
    contact_name = StringField("联系人", validators=[Optional(), Length(max=50)])
    contact_phone = StringField("联系电话", validators=[Optional(), Length(max=30)])
    contact_email = StringField("联系邮箱", validators=[Optional(), Email("邮箱格式不正确"), Length(max=120)])
    address = StringField("地址", validators=[Optional(), Length(max=200)])
    hnte_cert_no = StringField("高企证书编号", validators=[Optional(), Length(max=20)])
    hnte_cert_date = DateField("发证日期", validators=[Optional()])
    hnte_cert_expiry = DateField("证书到期日", validators=[Optional()])
    tsme_reg_no = StringField("科技型中小企业入库编号", validators=[Optional(), Length(max=40)])
    tsme_year = IntegerField("入库年度", validators=[Optional(), NumberRange(1990, 2200, "年度不合理")])
    grade_advancement = SelectField("技术先进程度（专家评分）", choices=_OPT + _choices(GRADES), validators=[Optional()])
    grade_core_support = SelectField("核心支持作用（专家评分）", choices=_OPT + _choices(GRADES), validators=[Optional()])
    standards = BooleanField("参与制定标准")
    revoked_this_year = BooleanField("本年度被撤销高企资格")
    national_award_5y = BooleanField("近五年获国家级科技奖励")
    provincial_rd_institution = BooleanField("拥有省级以上研发机构")
    led_standard_5y = BooleanField("近五年主导制定国际/国家/行业标准")
    restricted_industry = BooleanField("属限制/淘汰类产业")
    listed_dishonest = BooleanField("列入严重失信名单")
    notes = TextAreaField("备注", validators=[Optional(), Length(max=2000)])

    def validate_credit_code(self, field):
        try:
            field.data = uscc.validate(field.data)
        except uscc.CreditCodeError as exc:
            raise ValidationError(str(exc))

    def validate_tech_domain(self, field):
        if field.data and not is_valid_domain(field.data.strip()):
            raise ValidationError(f"“{field.data}”不是高新技术领域目录中的代码")

    def validate_hnte_cert_expiry(self, field):
        if field.data and self.hnte_cert_date.data and field.data <= self.hnte_cert_date.data:
            raise ValidationError("证书到期日应晚于发证日期")


_MONEY = [Optional(), NumberRange(min=0, message="金额不能为负数")]


class YearForm(FlaskForm):
    year = IntegerField("年度", validators=[DataRequired("请填写年度"), NumberRange(1990, 2200, "年度不合理")])
    sales = DecimalField("销售收入（万元）", places=2, validators=_MONEY)
    total_income = DecimalField("总收入（万元）", places=2, validators=_MONEY)
    hightech_income = DecimalField("高新技术产品（服务）收入（万元）", places=2, validators=_MONEY)
    rd_total = DecimalField("研发费用总额（万元）", places=2, validators=_MONEY)
    rd_domestic = DecimalField("其中境内研发费用（万元）", places=2, validators=_MONEY)
    rd_deductible = DecimalField("加计扣除口径研发费用（万元）", places=2, validators=_MONEY)
    net_assets = DecimalField("净资产（万元）", places=2, validators=[Optional()])
    total_assets = DecimalField("资产总额（万元）", places=2, validators=_MONEY)
    total_cost = DecimalField("成本费用总额（万元）", places=2, validators=_MONEY)
    staff = IntegerField("职工总数", validators=[Optional(), NumberRange(min=0, message="人数不能为负数")])
    tech_staff = IntegerField("科技人员数", validators=[Optional(), NumberRange(min=0, message="人数不能为负数")])
    tech_staff_tsme = IntegerField("科技人员数（科小口径）", validators=[Optional(), NumberRange(min=0, message="人数不能为负数")])
    is_estimate = BooleanField("预计数（年度未结束）")

    FIELDS = ("sales", "total_income", "hightech_income", "rd_total", "rd_domestic", "rd_deductible", "net_assets",
              "total_assets", "total_cost", "staff", "tech_staff", "tech_staff_tsme")

    def validate_hightech_income(self, field):
        income = self.total_income.data if self.total_income.data is not None else self.sales.data
        if field.data is not None and income is not None and field.data > income:
            raise ValidationError("高新技术产品（服务）收入不能超过总收入")

    def validate_rd_domestic(self, field):
        if field.data is not None and self.rd_total.data is not None and field.data > self.rd_total.data:
            raise ValidationError("境内研发费用不能超过研发费用总额")

    def validate_tech_staff(self, field):
        if field.data is not None and self.staff.data is not None and field.data > self.staff.data:
            raise ValidationError("科技人员数不能超过职工总数")


class IPForm(FlaskForm):
    kind = SelectField("类别", choices=_choices(IP_KINDS))
    title = StringField("名称", validators=[DataRequired("请填写知识产权名称"), Length(max=200)])
    number = StringField("申请号/授权号", validators=[Optional(), Length(max=60)])
    status = SelectField("状态", choices=_choices(IP_STATUSES))
    filed_on = DateField("申请日", validators=[Optional()])
    granted_on = DateField("授权日", validators=[Optional()])
    acquired = SelectField("获得方式", choices=_choices(IP_ACQUIRED))
    core = BooleanField("对主要产品（服务）发挥核心支持作用", default=True)
    related = BooleanField("与主营产品相关", default=True)
    used_in_application = StringField("已用于高企申报批次", validators=[Optional(), Length(max=20)],
                                      description="如 2024-1；Ⅱ类知识产权仅可使用一次")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.status.data == "granted" and self.granted_on.data is None and not self.granted_on.errors:
            self.granted_on.errors.append("已授权的知识产权请填写授权日")
            ok = False
        if self.granted_on.data and self.filed_on.data and self.granted_on.data < self.filed_on.data:
            self.granted_on.errors.append("授权日不能早于申请日")
            ok = False
        return ok


class ConversionForm(FlaskForm):
    year = IntegerField("年度", validators=[DataRequired("请填写年度"), NumberRange(1990, 2200, "年度不合理")])
    title = StringField("成果名称", validators=[DataRequired("请填写成果名称"), Length(max=200)])
    method = SelectField("转化方式", choices=_choices(CONVERSION_FORMS))


class IncidentForm(FlaskForm):
    occurred_on = DateField("发生日期", validators=[DataRequired("请填写发生日期（格式 2025-03-01）")])
    kind = SelectField("类别", choices=_choices(INCIDENT_KINDS))
    description = StringField("说明", validators=[Optional(), Length(max=500)])


class EvidenceForm(FlaskForm):
    """One checkbox per R&D-management piece (fields added below)."""


for _key, (_label, _points) in RD_PIECES.items():
    setattr(EvidenceForm, f"piece_{_key}", BooleanField(f"{_label}（{_points}分）"))
