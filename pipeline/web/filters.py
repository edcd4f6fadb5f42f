"""Jinja filters and globals: money, dates in Asia/Shanghai, labels."""

from __future__ import annotations

import re
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


def headcount(value) -> str:
    """A staff count without trailing zeros (60, 96.5); — when unknown (issue 11: monthly averages)."""
    if value is None:
        return "—"
    from decimal import Decimal

    return format(Decimal(value).normalize(), "f")


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
    """A date on a web page: YYYY-MM-DD in every UI language, as the date inputs take it (issue 17).
    (PDFs, formal Chinese documents, keep ``cn_date``.)"""
    if value is None:
        return "—"
    return value.isoformat()


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


def ui_language() -> str:
    """ "zh" or "en": the language engine texts are rendered in (from their message codes)."""
    from flask_babel import get_locale

    locale = get_locale()
    return "zh" if locale is None or locale.language == "zh" else locale.language


def engine_text(obj, key: str) -> str:
    """An engine text of a stored assessment / plan dict (``explain``, ``what``, ``title``, ``basis``,
    …) in the UI language, rendered from its message code; the stored Chinese text when the JSON has no
    message (older rows) or the language is Chinese."""
    from pipeline.criteria.messages import text_in

    return text_in(obj, key, ui_language())


def milestone_text(m, roadmap, key: str) -> str:
    """A stored milestone's ``title`` / ``basis`` in the UI language: the plan entry with the same code and
    Chinese title carries the message; a milestone added or retitled by hand keeps its own text."""
    text = getattr(m, key) or ""
    if ui_language() == "zh" or roadmap is None:
        return text
    for pm in (getattr(roadmap, "plan", None) or {}).get("milestones") or []:
        if pm.get("code") == m.code and pm.get("title") == m.title:
            return engine_text(pm, key) if pm.get(key) == text else text
    return text


def reminder_text(r, part: str) -> str:
    """A reminder's ``title`` / ``body`` in the UI language (issue 17): rendered from its message code,
    labels through the catalogue; the stored Chinese text in Chinese or for rows without a code."""
    from pipeline.i18n import tl
    from pipeline.reminders.texts import render_row

    return render_row(r, part, ui_language(), tl)


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
        etext=engine_text,
        mtext=milestone_text,
        rtext=reminder_text,
        headcount=headcount,
    )
    from pipeline.reminders.channels import reason_text

    app.jinja_env.filters["reason_text"] = reason_text  # issue 17: a delivery failure in Chinese
    from pipeline.forms.dates import date_input
    from pipeline.vocabulary import LANGUAGES
    from pipeline.web.fragments import hole

    app.jinja_env.globals.update(
        date_input=date_input,  # issue 17: the one date widget, for inputs a template writes itself
        hole=hole,  # issue 15: where a cached fragment's live part goes
        html_lang=html_lang,
        languages=LANGUAGES,
        cert_state=cert_state,
        cert_state_of=cert_state_of,
        domain_name=_domain_name,
        grade_label=grade_label,
        audit_changes=audit_changes,
        audit_value=audit_value,
        audit_label=audit_label,
        field_labels=field_labels,
        diff_names=diff_names,
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


# ------------------------------------------------------------------ issue 17: the history in words


def audit_value(entity: str, key: str, value, names: dict | None = None) -> str:
    """One audit value as a reader sees it: labels for codes, 是/否, （空） for nothing, names for people."""
    from pipeline.i18n import tl
    from pipeline.vocabulary import AUDIT_EMPTY, AUDIT_NO, AUDIT_VALUES, AUDIT_YES

    if value is None or value == "" or value == []:
        return tl(AUDIT_EMPTY)
    if isinstance(value, bool):
        return tl(AUDIT_YES if value else AUDIT_NO)
    if entity == "roadmap" and key == "why" and isinstance(value, list):  # the inputs that changed
        from pipeline.services.roadmaps import input_labels

        return "、".join(input_labels(value))
    if isinstance(value, list):
        return "、".join(audit_value(entity, key, v, names) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{audit_label(entity, k)}：{audit_value(entity, k, v, names)}" for k, v in value.items()
        )
    if key in ("officer_id", "town_id"):
        return (names or {}).get((key, value)) or (names or {}).get(value) or tl(AUDIT_EMPTY)
    if key == "annual_report" and isinstance(value, tuple):  # an import row's (submitted, on) cell
        from pipeline.vocabulary import ANNUAL_REPORT_CELLS

        done, on = value[0], value[1] if len(value) > 1 else None
        return (
            tl(ANNUAL_REPORT_CELLS["not_submitted"])
            if not done
            else (on.isoformat() if on else tl(AUDIT_YES))
        )
    if key == "tech_domain":
        name = _domain_name(value)
        return f"{value} {name}" if name else str(value)
    table = AUDIT_VALUES.get((entity, key))
    if table and value in table:
        label = table[value]
        return tl(label[0] if isinstance(label, tuple) else label)
    return _plain_number(value)


_NUMBER = re.compile(r"^-?\d+\.\d*0$")


def _plain_number(value) -> str:
    """A stored amount or headcount as typed: 123.40 → 123.4, 77.00 → 77 (two-place columns)."""
    text = str(value)
    if _NUMBER.match(text):
        text = text.rstrip("0").rstrip(".")
    return text


def audit_label(entity: str, key: str) -> str:
    from pipeline.i18n import tl
    from pipeline.vocabulary import AUDIT_ENTITY_FIELDS, AUDIT_FIELDS

    return tl(AUDIT_ENTITY_FIELDS.get(entity, {}).get(key) or AUDIT_FIELDS.get(key) or key)


def field_labels(entity: str, keys) -> list[str]:
    """Field keys (e.g. a submission's accepted fields) as their labels in the UI language."""
    return [audit_label(entity, k) for k in keys or ()]


def audit_changes(entry, names: dict | None = None) -> list[tuple[str, str | None, str | None]]:
    """``[(field label, old, new)]`` of one audit row; old is None for a creation, new None for a deletion."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        old = audit_value(entry.entity, key, before[key], names) if key in before else None
        new = audit_value(entry.entity, key, after[key], names) if key in after else None
        out.append((audit_label(entry.entity, key), old, new))
    return out


def diff_names(rows) -> dict:
    """``{("town_id", id): name, ("officer_id", id): name}`` for the ids an import preview's changes name."""
    from pipeline.services.departments import town_names
    from pipeline.services.firms import officer_names

    towns, officers = set(), set()
    for r in rows:
        for key, old, new in r.get("_diff") or ():
            if key == "town_id":
                towns |= {old, new} - {None}
            elif key == "officer_id":
                officers |= {old, new} - {None}
    out = {("town_id", i): n for i, n in town_names(towns).items()}
    out.update({("officer_id", i): n for i, n in officer_names(officers).items()})
    return out
