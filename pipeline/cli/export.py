"""``flask export``: roadmap and briefing PDFs from the command line, and the job runner."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from pipeline.cli.options import county_of, today_option

export = AppGroup("export", help="导出 PDF：企业路线图、县区/全市简报；运行排队的导出任务。")


def _write(path: str, data: bytes) -> None:
    """Write atomically so that a reader never sees half a PDF."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


@export.command("roadmap")
@click.option("--firm", "code", required=True, help="企业统一社会信用代码")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="输出的 PDF 文件")
@today_option("编制日期 YYYY-MM-DD（默认今天）")
def roadmap_cmd(code: str, output: str, today: date) -> None:
    """一家企业的“一企一策”路线图 PDF。"""
    from pipeline.extensions import db
    from pipeline.models import Firm
    from pipeline.reports.documents import render_roadmap

    firm = db.session.scalars(select(Firm).where(Firm.credit_code == code.strip().upper())).first()
    if firm is None:
        raise click.BadParameter(f"找不到统一社会信用代码为“{code}”的企业", param_hint="--firm")
    pdf = render_roadmap(firm.id, today)
    _write(output, pdf)
    click.echo(f"已导出 {firm.name} 的路线图：{output}（{pdf.pages} 页）")


@export.command("briefing")
@click.option("--county", "county_ref", default=None, help="县区代码或名称")
@click.option("--city", is_flag=True, help="全市简报（含县区排名）")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="输出的 PDF 文件")
@today_option("截至日期 YYYY-MM-DD（默认今天）")
@click.option("--no-record", is_flag=True, help="不记为一期简报（下期不与本期比较）")
def briefing_cmd(county_ref: str | None, city: bool, output: str, today: date, no_record: bool) -> None:
    """县区或全市工作简报 PDF。"""
    from pipeline.reports.documents import render_briefing

    if city == bool(county_ref):
        raise click.UsageError("请指定 --county 县区，或 --city 全市（二选一）。")
    county = None if city else county_of(county_ref)
    pdf = render_briefing(county, today, record=not no_record)
    _write(output, pdf)  # the pack is recorded (committed by the command) only once its file is written
    click.echo(f"已导出{county.name if county else '全市'}简报：{output}（{pdf.pages} 页）")


@export.command("roadmaps")
@click.option("--county", "county_ref", required=True, help="县区代码或名称")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="输出目录")
@today_option("编制日期 YYYY-MM-DD（默认今天）")
def roadmaps_cmd(county_ref: str, output: str, today: date) -> None:
    """一个县区全部在培企业的路线图，每家一个 PDF。"""
    from pipeline.reports.documents import render_roadmaps
    from pipeline.reports.jobs import _county_firm_ids, safe_filename

    county = county_of(county_ref)
    ids = _county_firm_ids(county.id)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with click.progressbar(length=len(ids), label=f"{county.name} 路线图") as bar:
        for start in range(0, len(ids), 50):
            for firm, pdf in render_roadmaps(ids[start : start + 50], today):
                _write(str(out / f"{firm.credit_code}-{safe_filename(firm.name)}.pdf"), pdf)
                n += 1
                bar.update(1)
    click.echo(f"已导出 {n} 份路线图到 {out}")


@export.command("run-jobs")
@click.option("--workers", type=int, default=None, help="并行进程数（默认用满两个核）")
def run_jobs_cmd(workers: int | None) -> None:
    """运行所有排队中的导出任务一次（调度进程每 15 秒也会这样做）。"""
    from pipeline.reports.jobs import run_pending_jobs

    n = run_pending_jobs(workers=workers)
    click.echo(f"已运行 {n} 个导出任务")


def register(app: Flask) -> None:
    app.cli.add_command(export)
