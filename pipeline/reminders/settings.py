"""Reminder thresholds and delivery tuning: rows of the ``setting`` table, defaults in code."""
from __future__ import annotations

from sqlalchemy import select

from pipeline.models import Setting
from pipeline.reminders.rules import Thresholds

# Delivery tuning (also settings, so an admin can change them without a deploy).
DELIVERY_DEFAULTS = {
    "reminders.backoff_minutes": 5,      # first retry after 5 min, then 10, 20, 40 ... (capped)
    "reminders.backoff_max_minutes": 360,
}


def load_values(conn) -> dict:
    """All ``reminders.*`` settings as ``{key: value}`` in one query (``conn``: a Connection or Session)."""
    rows = conn.execute(select(Setting.key, Setting.value).where(Setting.key.like("reminders.%"))).all()
    return {k: v for k, v in rows}


def thresholds(conn) -> Thresholds:
    return Thresholds.from_settings(load_values(conn))


def delivery_value(values: dict, key: str) -> int:
    try:
        v = int(values.get(key, DELIVERY_DEFAULTS[key]))
        return v if v > 0 else DELIVERY_DEFAULTS[key]
    except (TypeError, ValueError):
        return DELIVERY_DEFAULTS[key]
