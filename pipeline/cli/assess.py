"""``flask assess-all``."""

from __future__ import annotations

import click
from flask import Flask

from pipeline.cli.options import today_option
from pipeline.vocabulary import VERDICTS


def register(app: Flask) -> None:
    @app.cli.command("assess-all")
    @today_option()
    def assess_all_command(today) -> None:
        """重新评估全部企业并保存结果（记录规则版本）。"""
        from pipeline.services.assessments import assess_all

        stats = assess_all(today)
        summary = "，".join(f"{VERDICTS.get(k, k)} {v}" for k, v in sorted(stats["verdicts"].items()))
        click.echo(
            f"已评估 {stats['assessed']} 家企业（按 {stats['application_date']} 批次截止日评估）：{summary}"
        )
        click.echo(
            f"用时 {stats['seconds']:.2f} 秒（读取 {stats['load_seconds']:.2f}，计算 "
            f"{stats['engine_seconds']:.2f}，写入 {stats['write_seconds']:.2f}）"
        )
