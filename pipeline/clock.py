"""The one clock: today's date in Asia/Shanghai, and the current UTC time for stored timestamps.

Every page, service, CLI command, job and PDF takes ``today`` from here (or has it passed in); the
pure core (criteria, roadmap, forecast) never reads a clock. Stored times stay naive UTC and are
shown in Asia/Shanghai. Tests pin the date with ``set_today`` (or the ``PIPELINE_TODAY`` setting).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_pinned: date | None = None
_pinned_now: datetime | None = None  # tests: the UTC instant the whole app sees


def set_today(day: date | None) -> None:
    """Pin (or, with None, unpin) the date every caller of ``today()`` sees. For tests and --today."""
    global _pinned
    _pinned = day


def set_now_utc(moment: datetime | None) -> None:
    """Pin (or unpin) the current instant as naive UTC: ``today()`` is then its date in Asia/Shanghai.

    For tests of the zone itself (e.g. 18:30 UTC is already the next day in Beijing).
    """
    global _pinned_now
    _pinned_now = moment


def today() -> date:
    """The date in Asia/Shanghai (or the pinned date)."""
    if _pinned is not None:
        return _pinned
    return to_shanghai(now_utc()).date()


def now_utc() -> datetime:
    """The current time as naive UTC, the form every stored timestamp has."""
    if _pinned_now is not None:
        return _pinned_now
    return datetime.now(UTC).replace(tzinfo=None)


def now_shanghai() -> datetime:
    """The current time, aware, in Asia/Shanghai (for the scheduler's run dates)."""
    return to_shanghai(now_utc())


def to_shanghai(moment: datetime) -> datetime:
    """A stored naive-UTC time as an aware Asia/Shanghai time for display."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)
