"""``flask compliance``: recompute the compliance watch; send the due briefing packs (issue 16)."""

from __future__ import annotations

import click
from flask import Flask

from pipeline.cli.options import today_option


def register(app: Flask) -> None:
    @app.cli.group("compliance")
    def group() -> None:
        """已认定企业合规监测、年报与领导简报定时发送。"""

    @group.command("refresh")
    @today_option("按该日期计算（默认今天）")
    def refresh_command(today) -> None:
        """重新计算全部有效期内高企的合规监测结果。"""
        from pipeline.services.compliance import refresh

        r = refresh(today)
        click.echo(
            f"已计算{r['firms']}家：存在风险{r.get('at_risk', 0)}家，数据不全{r.get('incomplete', 0)}家，"
            f"符合{r.get('ok', 0)}家。"
        )

    @group.command("send-briefings")
    @today_option("按该日期判断（默认今天）")
    def send_command(today) -> None:
        """发送到期的定时简报（每期只发一次）。"""
        from pipeline.services.briefings import send_due

        r = send_due(today)
        click.echo(f"应发{r['due']}份，已发送{r['sent']}份，失败{r['failed']}份。")
