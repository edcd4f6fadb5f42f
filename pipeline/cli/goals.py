"""``flask goals …``: the daily snapshot (run by the scheduler or cron) and setting targets."""

from __future__ import annotations

import click
from flask import Flask

from pipeline.cli.options import county_of, today_option


def register(app: Flask) -> None:
    @app.cli.group("goals", help="目标进展：每日快照、年度目标。")
    def goals():
        pass

    @goals.command(
        "snapshot", help="记录今天（或 --today 指定日）各县区与全市的目标数据；同一天重复运行会覆盖。"
    )
    @today_option("快照日期 YYYY-MM-DD，默认今天")
    def snapshot(today):
        from pipeline.services.goals import take_snapshot

        day = today
        n = take_snapshot(day)
        click.echo(f"已记录 {day.isoformat()} 的快照：{n} 行（各县区 + 全市）。")

    @goals.group("targets", help="年度目标。")
    def targets():
        pass

    @targets.command(
        "set", help="设置全市（不给 --county）或某县区某年的目标，以市级管理员身份记入操作日志。"
    )
    @click.option("--county", default=None, help="县区代码或名称；不填为全市")
    @click.option("--year", type=int, required=True, help="年份")
    @click.option("--hnte", type=click.IntRange(0), required=True, help="有效高企目标（家）")
    @click.option("--tsme", type=click.IntRange(0), required=True, help="科技型中小企业目标（家）")
    @click.option("--plan", default=None, help="所属规划名称")
    @click.option("--as-user", "as_user", default=None, help="以哪个市级管理员账号记录（默认第一个管理员）")
    def set_target(county, year, hnte, tsme, plan, as_user):
        from sqlalchemy import select

        from pipeline import permissions
        from pipeline.errors import Invalid
        from pipeline.extensions import db
        from pipeline.models import User
        from pipeline.services.goals import set_target as do_set
        from pipeline.vocabulary import ROLE_ADMIN

        q = select(User).where(permissions.active_with_role(ROLE_ADMIN))
        if as_user:
            q = q.where(User.username == as_user)
        admin = db.session.scalars(q.order_by(User.id)).first()
        if admin is None:
            raise click.ClickException(
                "找不到可用的市级管理员账号" + (f"“{as_user}”" if as_user else "") + "。"
            )
        cid = None
        if county:
            cid = county_of(county).id
        try:
            t = do_set(admin, cid, year, hnte, tsme, plan)
        except Invalid as exc:  # a TargetError, or a Conflict: the county's target saved meanwhile
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"已设置{county or '全市'} {t.year} 年目标：有效高企 {t.hnte_target} 家，科小 {t.tsme_target} 家。"
        )
