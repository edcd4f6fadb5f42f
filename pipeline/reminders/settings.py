"""Reminder thresholds and delivery tuning: rows of the ``setting`` table, defaults in code."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.models import Setting
from pipeline.reminders.rules import Thresholds

# Delivery tuning (also settings, so an admin can change them without a deploy).
DELIVERY_DEFAULTS = {
    "reminders.backoff_minutes": 5,  # first retry after 5 min, then 10, 20, 40 ... (capped)
    "reminders.backoff_max_minutes": 360,
}


def load_values(conn) -> dict:
    """All ``reminders.*`` settings as ``{key: value}`` in one query (``conn``: a Connection or Session)."""
    rows = conn.execute(select(Setting.key, Setting.value).where(Setting.key.like("reminders.%"))).all()
    return dict(rows)


def thresholds(conn) -> Thresholds:
    return Thresholds.from_settings(load_values(conn))


def delivery_value(values: dict, key: str) -> int:
    try:
        v = int(values.get(key, DELIVERY_DEFAULTS[key]))
        return v if v > 0 else DELIVERY_DEFAULTS[key]
    except (TypeError, ValueError):
        return DELIVERY_DEFAULTS[key]


MONTH_DAY = ("annual_report_due", "annual_report_from", "tsme_due", "tsme_from", "stale_from")


def form_values(th: Thresholds) -> dict[str, str]:
    """Thresholds as the strings the settings form shows: "14, 3", "5-31", "180"."""
    out = {}
    for name, value in th.__dict__.items():
        if name in MONTH_DAY:
            month, day = value
            out[name] = f"{month}-{day}"
        elif isinstance(value, tuple):
            out[name] = ", ".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out


def parse_form(form) -> tuple[dict[str, object], list[str]]:
    """Form strings → setting values, with a message per bad field in the UI language (Chinese by default) (nothing saved if any)."""
    from datetime import date

    from pipeline.i18n import gettext, tl
    from pipeline.reminders.rules import SETTING_LABELS

    values, errors = {}, []
    for name in Thresholds.__dataclass_fields__:
        key = f"reminders.{name}"
        label = SETTING_LABELS.get(key, name)
        if name not in form:  # not on the form that was posted (an older page): the stored value stays
            continue
        raw = (form.get(name) or "").strip().replace("，", ",").replace("－", "-")
        if not raw:
            errors.append(gettext("“%(label)s” is required", label=tl(label)))
            continue
        try:
            if name in MONTH_DAY:
                month, day = (int(x) for x in raw.split("-"))
                date(2000, month, day)
                values[key] = [month, day]
            elif name in ("stage_stuck_days", "stalled_days"):
                n = int(raw)
                if not 1 <= n <= 3650:
                    raise ValueError
                values[key] = n
            else:
                nums = sorted({int(x) for x in raw.split(",") if x.strip()}, reverse=True)
                if not nums or nums[-1] < 1 or nums[0] > 400:
                    raise ValueError
                values[key] = nums
        except ValueError:
            hint = (
                gettext("month-day, e.g. 5-31")
                if name in MONTH_DAY
                else gettext("a number of days from 1 to 3650")
                if name in ("stage_stuck_days", "stalled_days")
                else gettext("positive whole numbers separated by commas, e.g. 14, 3")
            )
            errors.append(
                gettext(
                    "“%(label)s” was given as “%(raw)s”, which is not valid: use %(hint)s",
                    label=tl(label),
                    raw=raw,
                    hint=hint,
                )
            )
    return values, errors


def save(values: dict[str, object], user) -> None:
    """Store the thresholds (one transaction, audited)."""
    from pipeline.extensions import db
    from pipeline.services.audit import record

    before = load_values(db.session)
    defaults = default_values()
    for key, value in values.items():
        row = db.session.get(Setting, key)
        if row is None:
            if value == defaults.get(key):
                continue  # the form posted back the default: no row pins it (issue 11)
            db.session.add(Setting(key=key, value=value))
        elif row.value != value:
            row.value = value
    record(user, "update", "setting", None, None, {k: before.get(k, defaults.get(k)) for k in values}, values)
    db.session.flush()


def default_values() -> dict[str, object]:
    """The thresholds' defaults as the JSON values ``parse_form`` gives (``[14, 3]``, ``[5, 31]``, 180)."""
    return {
        f"reminders.{name}": list(value) if isinstance(value, tuple) else value
        for name, value in Thresholds().__dict__.items()
    }
