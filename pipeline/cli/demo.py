"""``flask seed-demo``."""

from __future__ import annotations

import time

import click
from flask import Flask

from pipeline.cli.options import today_option


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--firms", default=1450, show_default=True, help="要生成的企业数量")
    @click.option("--seed", default=42, show_default=True, help="随机种子（相同种子生成相同企业）")
    @today_option()
    @click.option("--no-assess", is_flag=True, help="只写入数据，不做评估和路线图")
    def seed_demo_command(firms: int, seed: int, today, no_assess: bool) -> None:
        """生成演示城市（连云港9个县区、企业、账号），可重复运行，不会重复写入。"""
        from pipeline.services.demo import seed_demo

        day = today
        started = time.perf_counter()
        result = seed_demo(day, firms=firms, seed=seed)
        click.echo(
            f"县区 {result.counties} 个；新增企业 {result.firms_created} 家，共 {result.firms_total} 家；"
            f"新增账号 {result.users_created} 个；用时 {time.perf_counter() - started:.1f} 秒"
        )
        if not no_assess and result.firms_created:
            from pipeline.services.assessments import assess_all

            stats = assess_all(day)
            click.echo(f"已评估 {stats['assessed']} 家企业，用时 {stats['seconds']:.1f} 秒")
            from pipeline.services.roadmaps import planned_firm_ids, regenerate

            started = time.perf_counter()
            stats = regenerate(planned_firm_ids(), day)
            click.echo(f"已生成路线图 {stats['planned']} 家，用时 {time.perf_counter() - started:.1f} 秒")
            from pipeline.services.compliance import refresh as compliance_refresh  # issue 16

            watch = compliance_refresh(day)
            click.echo(f"已认定企业合规监测 {watch['firms']} 家，存在风险 {watch.get('at_risk', 0)} 家")
        click.echo("演示账号（密码相同）：")
        for username, password, who in result.logins:
            click.echo(f"  {username:<18} {password}   {who}")
