"""``flask roadmaps regenerate`` and ``flask roadmaps calendar``."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from pipeline.cli.options import county_of, today_option


def register(app: Flask) -> None:
    group = AppGroup("roadmaps", help="一企一策路线图")

    @group.command("regenerate")
    @click.option("--firm", "firm_code", default=None, help="只处理该统一社会信用代码的企业")
    @click.option("--county", default=None, help="只处理该县区（代码或名称）")
    @today_option()
    def regenerate_command(firm_code, county, today) -> None:
        """按最新数据重新生成路线图（保留已完成、已免除和手工添加的节点）。"""
        from sqlalchemy import select

        from pipeline.extensions import db
        from pipeline.models import Firm
        from pipeline.services.roadmaps import regenerate
        from pipeline.vocabulary import PLANNED_STAGES

        day = today
        query = select(Firm.id).where(Firm.stage.in_(PLANNED_STAGES))
        if firm_code:
            query = select(Firm.id).where(Firm.credit_code == firm_code.strip().upper())
        if county:
            query = query.where(Firm.county_id == county_of(county).id)
        ids = list(db.session.scalars(query))
        if not ids:
            raise click.ClickException("没有符合条件的企业")
        started = time.perf_counter()
        stats = regenerate(ids, day)
        click.echo(
            f"已生成路线图 {stats['planned']} 家（新建 {stats['created']}，更新 {stats['updated']}；"
            f"有可行目标批次 {stats['with_target']}），用时 {time.perf_counter() - started:.1f} 秒"
        )

    @group.command("calendar")
    @today_option()
    def calendar_command(today) -> None:
        """显示规划所用的申报批次与知识产权周期。"""
        from pipeline.services.roadmaps import planner_calendar, planner_lead_times

        day = today
        cal = planner_calendar(day)
        click.echo(f"申报日历（版本 {cal.version}）：")
        for b in cal.batches:
            if b.cutoff >= day:
                click.echo(f"  {b.id:<8} 截止 {b.cutoff}")
        click.echo("知识产权周期：")
        for lt in planner_lead_times().values():
            click.echo(f"  {lt.kind:<20} {lt.months:>3} 个月  {lt.basis}")

    app.cli.add_command(group)
