"""Issue 17: the one date field of every form, entered and shown as YYYY-MM-DD whatever the browser's locale.

``<input type="date">`` shows the browser's own format (mm/dd/yyyy in an en-US Chromium) and posts an
empty value for what it cannot parse, so dates are plain text inputs here: ``YYYY-MM-DD`` as value and
placeholder, a numeric keyboard on phones, and the server parse says, naming the field, how to write a
date (the example is today's date, from the one clock). ``2027/3/31``, ``2027.3.31``, ``2027年3月31日`` and
``20270331`` are read as well and shown back as ``2027-03-31``.

Forms use :class:`IsoDateField`; a hand-written input (a filter, a table row of inputs) calls
``date_input(name, value, label)`` (a Jinja global), which renders the same widget.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext
from markupsafe import Markup
from wtforms import DateField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput, html_params

from pipeline import clock

PATTERN = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日?|\d{8}"
)
_FORMS = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))$")


def parse_date(raw: str | None) -> date | None:
    """``"2027-03-31"`` (or one of the spellings above) → a date; blank → None; else ValueError."""
    text = (raw or "").strip().replace("－", "-").replace("／", "/").replace("．", ".")
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    m = _FORMS.match(text)
    if m is None:
        raise ValueError(text)
    year, month, day = m.group(1), *[g for g in m.groups()[1:] if g is not None]
    return date(int(year), int(month), int(day))  # ValueError for 2027-02-30


def example() -> str:
    """Today (Asia/Shanghai) as the example: never a year written into the code."""
    return clock.today().isoformat()


def bad_date_message(label: str) -> str:
    return gettext(
        "%(label)s: enter the date as YYYY-MM-DD, e.g. %(example)s", label=label, example=example()
    )


class IsoDateInput(TextInput):
    """A text input for a date: what the browser shows is exactly the value, in any locale."""

    ATTRS = {
        "inputmode": "numeric",
        "placeholder": "YYYY-MM-DD",
        "pattern": PATTERN,
        "maxlength": "11",
        "autocomplete": "off",
        "data-date": "iso",
    }

    def __call__(self, field, **kwargs):
        for key, value in self.ATTRS.items():
            kwargs.setdefault(key, value)
        kwargs.setdefault("title", gettext("Date as YYYY-MM-DD, e.g. %(example)s", example=example()))
        kwargs.pop("type", None)  # never type="date"
        return super().__call__(field, **kwargs)

    @classmethod
    def render(cls, name: str, value, label: str | None = None, **attrs) -> Markup:
        """The same input for a template that writes its own (no form field)."""
        shown = value.isoformat() if isinstance(value, date) else (value or "")
        params = {
            "type": "text",
            "name": name,
            "value": shown,
            **cls.ATTRS,
            "title": gettext("Date as YYYY-MM-DD, e.g. %(example)s", example=example()),
        }
        if label:
            params["aria-label"] = label
        params.update({k.rstrip("_"): v for k, v in attrs.items()})
        return Markup(f"<input {html_params(**params)}>")


class IsoDateField(DateField):
    """A ``datetime.date`` entered and shown as YYYY-MM-DD; a bad date gets a message naming the field."""

    widget = IsoDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_date(" ".join(valuelist))
        except ValueError:
            self.data = None
            raise ValueError(bad_date_message(str(self.label.text))) from None

    def pre_validate(self, form):
        # a date that could not be read keeps its own message: Optional/DataRequired would replace it
        if self.process_errors:
            raise StopValidation()


def date_input(name: str, value=None, label: str | None = None, **attrs) -> Markup:
    return IsoDateInput.render(name, value, label, **attrs)
