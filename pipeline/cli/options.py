"""The option types every command shares: ``--today`` (a date, default the one clock's today) and the
county a ``--county`` names (its code or its name)."""

from __future__ import annotations

from datetime import date

import click

from pipeline import clock


class DayType(click.ParamType):
    """A date written YYYY-MM-DD; anything else is refused with a Chinese message naming the option."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"日期格式应为 YYYY-MM-DD，收到“{value}”", param, ctx)


DAY = DayType()


def county_of(ref: str, param_hint: str = "--county"):
    """The county ``ref`` names (code or name), or a Chinese refusal naming the option."""
    from pipeline.services.scope import county_by_ref

    county = county_by_ref(ref)
    if county is None:
        raise click.BadParameter(f"找不到县区“{ref}”（请用县区代码或名称）", param_hint=param_hint)
    return county


def today_option(help: str = "以该日期为“今天”（默认上海当天）"):
    """``--today``: the command receives a ``date``; not given, it is ``clock.today()`` when the command runs."""
    return click.option(
        "--today",
        type=DAY,
        default=None,
        callback=lambda ctx, param, value: value or clock.today(),
        help=help,
    )
