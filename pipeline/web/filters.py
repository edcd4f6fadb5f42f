"""Jinja filters and globals: money, dates in Asia/Shanghai, labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask

SHANGHAI = ZoneInfo("Asia/Shanghai")


def wan(value, places: int = 2) -> str:
    """A 万元 amount with thousands separators, '—' for missing."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):,.{places}f}"


def pct(value, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{places}f}%"


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored naive UTC shown in Asia/Shanghai."""
    if value is None:
        return "—"
    return value.replace(tzinfo=UTC).astimezone(SHANGHAI).strftime(fmt)


def cn_date(value: date | None) -> str:
    """A date in Chinese ("2026年12月5日") whatever the UI language: the PDF reports use this one."""
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def ui_date(value: date | None) -> str:
    """A date on a web page in the UI language: "2026年12月5日" in Chinese, "5 Dec 2026" in English."""
    if value is None:
        return "—"
    from flask_babel import format_date, get_locale

    locale = get_locale()
    if locale is None or locale.language == "zh":
        return cn_date(value)
    return format_date(value, "d MMM y")


def html_lang() -> str:
    """The ``<html lang>`` of the active UI language: "zh-CN" for Chinese, else the locale (e.g. "en")."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return str(locale).replace("_", "-")


def cert_state(firm) -> str:
    """The firm's certificate state today (active / expired / not_yet / none): the one rule."""
    from pipeline import clock
    from pipeline.services.certificates import firm_state

    return firm_state(firm, clock.today())


def cert_state_of(cert_date, expiry) -> str:
    """The same rule from the two dates (list rows that are not Firm objects)."""
    from pipeline import clock
    from pipeline.services.certificates import state

    return state(cert_date, expiry, clock.today())


def register_filters(app: Flask) -> None:
    from pipeline.roadmap import outlook
    from pipeline.services.roadmaps import input_labels

    app.jinja_env.filters.update(
        wan=wan,
        pct=pct,
        local_dt=local_dt,
        cn_date=cn_date,
        ui_date=ui_date,
        outlook=outlook,
        roadmap_inputs=input_labels,
    )
    from pipeline.vocabulary import LANGUAGES

    app.jinja_env.globals.update(
        html_lang=html_lang,
        languages=LANGUAGES,
        cert_state=cert_state,
        cert_state_of=cert_state_of,
        domain_name=_domain_name,
        grade_label=grade_label,
    )


def _domain_name(code):
    from pipeline.criteria.domains import domain_name

    return domain_name(code)


def grade_label(grade: str | None) -> str:
    """An expert grade as the form's choice shows it ("较高" for B): the same on the page and in the form."""
    from pipeline.i18n import tl
    from pipeline.vocabulary import GRADES

    if not grade:
        return "—"
    label = GRADES.get(grade)
    return tl(label) if label else grade
