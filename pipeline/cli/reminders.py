"""``flask reminders``: run (the scheduler process), scan, deliver, digest."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from pipeline.cli.options import today_option
from pipeline.vocabulary import CHANNELS


def register(app: Flask) -> None:
    @app.cli.group("reminders")
    def group() -> None:
        """提醒：调度进程、扫描、发送、每周汇总。"""

    @group.command("run")
    @click.option("--max-seconds", type=float, default=None, hidden=True, help="运行若干秒后退出（测试用）")
    @click.option(
        "--wait/--no-wait",
        default=True,
        help="调度锁被占用时待命、待其停止后接管（默认），或立即退出",
    )
    def run_command(max_seconds, wait) -> None:
        """启动提醒调度进程（全市只运行一个；第二个进程发现调度锁被占用时待命，前者停止或崩溃后数秒内接管）。"""
        from flask import current_app

        from pipeline.reminders.scheduler import run

        run(
            current_app._get_current_object(),
            echo=lambda m: click.echo(m),
            max_seconds=max_seconds,
            wait=wait,
        )

    @group.command("scan")
    @today_option()
    @with_appcontext
    def scan_command(today) -> None:
        """扫描一次所有提醒规则，写入待发送的提醒（重复运行不会重复写入）。"""
        from pipeline.reminders.rules import RULE_LABELS
        from pipeline.reminders.scan import run_scan

        r = run_scan(today)
        click.echo(
            f"扫描日期 {r.today}：规则命中 {r.hits} 条，应有提醒 {r.candidates} 条，"
            f"新建提醒 {r.created} 条、待发送 {r.deliveries} 条，用时 {r.seconds:.2f} 秒"
        )
        for rule, n in r.by_rule.items():
            click.echo(f"  {RULE_LABELS.get(rule, rule)}（{rule}）：{n}")

    @group.command("deliver")
    @click.option("--channel", type=click.Choice(sorted(CHANNELS)), multiple=True, help="只发送这些渠道")
    @with_appcontext
    def deliver_command(channel) -> None:
        """发送到期的待发送提醒（失败的按退避时间重试）。"""
        from pipeline.reminders.deliver import deliver_pending

        r = deliver_pending(channels_only=tuple(channel) or None)
        click.echo(f"已发送 {r.sent}，失败待重试 {r.failed}，已放弃 {r.gave_up}")
        for did, ch, err in r.errors[:20]:
            click.echo(f"  发送记录 {did}（{CHANNELS.get(ch, ch)}）：{err}")

    @group.command("digest")
    @today_option()
    @click.option(
        "--frequency",
        type=click.Choice(["weekly", "daily"]),
        default="weekly",
        help="每周汇总（默认）或每日汇总",
    )
    @with_appcontext
    def digest_command(today, frequency) -> None:
        """生成县区汇总和用户自选的每日/每周提醒汇总（同一周期重复运行不会重复生成）。"""
        from pipeline.reminders.digest import run_digest, run_user_digests

        r = run_digest(today, frequency)
        click.echo(
            f"{r['period']}：专员 {r['officers']} 人，新建汇总 {r['created']} 条，待发送 {r['deliveries']} 条"
        )
        u = run_user_digests(today, frequency)
        click.echo(f"{u['period']}：个人汇总新建 {u['created']} 条，待发送 {u['deliveries']} 条")
