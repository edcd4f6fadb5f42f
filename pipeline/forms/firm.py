"""Forms for a firm's own data: profile, fiscal years, IP, 成果转化, evidence, incidents."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
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
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from pipeline import uscc
from pipeline.criteria import is_valid_domain
from pipeline.forms.dates import IsoDateField
from pipeline.i18n import ltl
from pipeline.messages import credit_code_reason
from pipeline.models.firm import NOTES_MAX_CHARS, RD_PIECES, FiscalYear
from pipeline.text import InvisibleCharacter, clean_name
from pipeline.vocabulary import (
    CONVERSION_FORMS,
    GRADES,
    INCIDENT_KINDS,
    IP_ACQUIRED,
    IP_KINDS,
    IP_STATUSES,
    POOL_LEVELS,
)

_OPT = [("", "—")]


def clean_name_filter(value):
    """Forms' side of the one name rule (pipeline.text): NFC, whitespace folded, invisible characters refused."""
    try:
        return clean_name(value)
    except InvisibleCharacter as exc:
        raise ValueError(
            _("Contains an invisible control character (%(code)s); delete it and try again", code=exc.code)
        )


def _int_or_none(value):
    """A select's value as an id; "" (the "—" choice) is None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _choices(mapping):
    return [(k, ltl(v)) for k, v in mapping.items()]


class DeleteForm(FlaskForm):
    """An empty form: only the CSRF token, for delete buttons."""


class FirmForm(FlaskForm):
    name = StringField(
        _l("Firm name"),
        validators=[DataRequired(_l("Enter the firm name")), Length(max=200)],
        filters=[clean_name_filter],
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(_l("Enter the unified social credit code"))],
    )
    registered_on = IsoDateField(_l("Registration date"), validators=[Optional()])
    tech_domain = StringField(
        _l("Technology field code"),
        validators=[Optional(), Length(max=5)],
        description=_l("Code from the Key High-Tech Fields Supported by the State catalogue, e.g. 10101"),
    )
    industry = StringField(
        _l("Industry"), validators=[Optional(), Length(max=20)], filters=[clean_name_filter]
    )
    pool_level = SelectField(_l("Pool level"), choices=_OPT + _choices(POOL_LEVELS), validators=[Optional()])
    contact_name = StringField(
        _l("Contact person"), validators=[Optional(), Length(max=50)], filters=[clean_name_filter]
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=30)])
    contact_email = StringField(
        _l("Contact email"),
        validators=[Optional(), Email(_l("Enter a valid email address")), Length(max=120)],
    )
    address = StringField(
        _l("Address"), validators=[Optional(), Length(max=200)], filters=[clean_name_filter]
    )
    hnte_cert_no = StringField(_l("HNTE certificate number"), validators=[Optional(), Length(max=20)])
    hnte_cert_date = IsoDateField(_l("Certificate issue date"), validators=[Optional()])
    hnte_cert_expiry = IsoDateField(_l("Certificate expiry date"), validators=[Optional()])
    tsme_reg_no = StringField(
        _l("Tech-based SME registration number"), validators=[Optional(), Length(max=40)]
    )
    tsme_year = IntegerField(
        _l("Registration year"),
        validators=[Optional(), NumberRange(1990, 2200, _l("Enter a plausible year"))],
    )
    grade_advancement = SelectField(
        _l("Technological advancement (expert grade)"),
        choices=_OPT + _choices(GRADES),
        validators=[Optional()],
    )
    grade_core_support = SelectField(
        _l("Core support role (expert grade)"), choices=_OPT + _choices(GRADES), validators=[Optional()]
    )
    standards = BooleanField(_l("Took part in drafting standards"))
    revoked_this_year = BooleanField(_l("HNTE status revoked this year"))
    national_award_5y = BooleanField(_l("National science and technology award in the last five years"))
    provincial_rd_institution = BooleanField(_l("Has a provincial or higher-level R&D institution"))
    led_standard_5y = BooleanField(
        _l("Led an international, national or industry standard in the last five years")
    )
    restricted_industry = BooleanField(_l("In a restricted or phased-out industry"))
    listed_dishonest = BooleanField(_l("On the list of seriously dishonest entities"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=NOTES_MAX_CHARS)])
    version = HiddenField()  # the firm version the form was filled from (issue 11: stale forms refused)
    # Issue 18: where the firm is and who answers for it (choices set by the view, within the user's scope).
    town_id = SelectField(_l("Town / street / park"), coerce=_int_or_none, choices=[], validate_choice=False)
    officer_id = SelectField(
        _l("Responsible officer"), coerce=_int_or_none, choices=[], validate_choice=False
    )
    leader_id = SelectField(_l("Baolian leader"), coerce=_int_or_none, choices=[], validate_choice=False)

    def validate_credit_code(self, field):
        try:
            field.data = uscc.validate(field.data)
        except uscc.CreditCodeError as exc:
            raise ValidationError(credit_code_reason(exc))

    def validate_tech_domain(self, field):
        if field.data and not is_valid_domain(field.data.strip()):
            raise ValidationError(
                _("“%(code)s” is not a code in the high-tech field catalogue", code=field.data)
            )

    def validate_hnte_cert_expiry(self, field):
        if field.data and self.hnte_cert_date.data and field.data <= self.hnte_cert_date.data:
            raise ValidationError(_("The certificate expiry date must be after the issue date"))


_MONEY = [Optional(), NumberRange(min=0, message=_l("Amounts cannot be negative"))]


class HeadcountField(DecimalField):
    """A staff count as the rules use it: the year's average of monthly averages, e.g. 96.5 (issue 11).
    Shown without trailing zeros (60, 96.5), so the pre-filled value posts back as it was."""

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, places=None, **kw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data).normalize(), "f")


def _two_places(form, field):
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(
            _("At most two decimal places (a yearly average of monthly averages, e.g. 96.5)")
        )


_HEADCOUNT = [
    Optional(),
    NumberRange(min=0, message=_l("Headcounts cannot be negative")),
    NumberRange(max=9999999, message=_l("Headcounts cannot exceed 9999999")),
    _two_places,
]


class YearForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(_l("Enter the year")),
            NumberRange(1990, 2200, _l("Enter a plausible year")),
        ],
    )
    sales = DecimalField(_l("Sales revenue (10k CNY)"), places=2, validators=_MONEY)
    total_income = DecimalField(_l("Total income (10k CNY)"), places=2, validators=_MONEY)
    hightech_income = DecimalField(
        _l("High-tech product (service) income (10k CNY)"), places=2, validators=_MONEY
    )
    rd_total = DecimalField(_l("Total R&D expenses (10k CNY)"), places=2, validators=_MONEY)
    rd_domestic = DecimalField(_l("of which R&D expenses in China (10k CNY)"), places=2, validators=_MONEY)
    rd_deductible = DecimalField(
        _l("R&D expenses eligible for super deduction (10k CNY)"), places=2, validators=_MONEY
    )
    net_assets = DecimalField(_l("Net assets (10k CNY)"), places=2, validators=[Optional()])
    total_assets = DecimalField(_l("Total assets (10k CNY)"), places=2, validators=_MONEY)
    total_cost = DecimalField(_l("Total costs and expenses (10k CNY)"), places=2, validators=_MONEY)
    staff = HeadcountField(_l("Total staff"), validators=_HEADCOUNT)
    tech_staff = HeadcountField(_l("Science and technology staff"), validators=_HEADCOUNT)
    tech_staff_tsme = HeadcountField(
        _l("Science and technology staff (tech-based SME definition)"), validators=_HEADCOUNT
    )
    is_estimate = BooleanField(_l("Estimate (year not yet closed)"))
    version = HiddenField()  # the year's version the edit form was filled from (issue 11)

    FIELDS = FiscalYear.FIELDS  # the year's figure columns: one list, the model's

    def validate_hightech_income(self, field):
        income = self.total_income.data if self.total_income.data is not None else self.sales.data
        if field.data is not None and income is not None and field.data > income:
            raise ValidationError(_("High-tech product (service) income cannot exceed total income"))

    def validate_rd_domestic(self, field):
        if field.data is not None and self.rd_total.data is not None and field.data > self.rd_total.data:
            raise ValidationError(_("R&D expenses in China cannot exceed total R&D expenses"))

    def validate_tech_staff(self, field):
        if field.data is not None and self.staff.data is not None and field.data > self.staff.data:
            raise ValidationError(_("Science and technology staff cannot exceed total staff"))


class IPForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=_choices(IP_KINDS))
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title of the IP")), Length(max=200)]
    )
    number = StringField(_l("Application / grant number"), validators=[Optional(), Length(max=60)])
    status = SelectField(_l("Status"), choices=_choices(IP_STATUSES))
    filed_on = IsoDateField(_l("Filing date"), validators=[Optional()])
    granted_on = IsoDateField(_l("Grant date"), validators=[Optional()])
    acquired = SelectField(_l("How acquired"), choices=_choices(IP_ACQUIRED))
    core = BooleanField(_l("Provides core support to the main products (services)"), default=True)
    related = BooleanField(_l("Related to the main products"), default=True)
    used_in_application = StringField(
        _l("Already used in HNTE application batch"),
        validators=[Optional(), Length(max=20)],
        description=_l("e.g. 2024-1; Class II IP can be used only once"),
    )

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.status.data == "granted" and self.granted_on.data is None and not self.granted_on.errors:
            self.granted_on.errors.append(_("Enter the grant date for granted IP"))
            ok = False
        if self.granted_on.data and self.filed_on.data and self.granted_on.data < self.filed_on.data:
            self.granted_on.errors.append(_("The grant date cannot be before the filing date"))
            ok = False
        return ok


class ConversionForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(_l("Enter the year")),
            NumberRange(1990, 2200, _l("Enter a plausible year")),
        ],
    )
    title = StringField(
        _l("Achievement title"), validators=[DataRequired(_l("Enter the achievement title")), Length(max=200)]
    )
    method = SelectField(_l("Conversion method"), choices=_choices(CONVERSION_FORMS))


class IncidentForm(FlaskForm):
    occurred_on = IsoDateField(
        _l("Date of occurrence"),
        validators=[DataRequired(_l("Enter the date of occurrence"))],
    )
    kind = SelectField(_l("Type"), choices=_choices(INCIDENT_KINDS))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])


class EvidenceForm(FlaskForm):
    """One checkbox per R&D-management piece (fields added below)."""


for _key, (_label, _points) in RD_PIECES.items():
    setattr(
        EvidenceForm,
        f"piece_{_key}",
        BooleanField(_l("%(label)s (%(points)s points)", label=ltl(_label), points=_points)),
    )
