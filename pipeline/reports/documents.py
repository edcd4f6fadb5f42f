"""The two documents: a firm's roadmap and a county/city briefing pack, as PDF bytes.

Callers apply scope first: these functions trust the firm ids and the county they are given.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template

from pipeline.models import County
from pipeline.reports import charts
from pipeline.reports.context import briefing_context, record_pack, roadmap_contexts
from pipeline.reports.render import RenderedPdf, SafeFetcher, render_pdf


def _max_pages() -> int:
    return int(current_app.config.get("PDF_MAX_PAGES") or 200)


def roadmap_html(ctx: dict) -> str:
    score = ctx.get("score") or {}
    chart_items = charts.score_items_chart(score.get("items") or {}) if score else None
    band = charts.score_band_svg(score.get("min", 0), score.get("max", 0)) if score else None
    gantt = charts.gantt_svg(ctx["gantt_rows"], ctx["today"], ctx["cutoff"]) if ctx["gantt_rows"] else None
    return render_template(
        "reports/roadmap_pdf.html", chart_items=chart_items, chart_band=band, chart_gantt=gantt, **ctx
    )


def render_roadmap(firm_id: int, today: date, fetcher: SafeFetcher | None = None) -> RenderedPdf:
    ctx = roadmap_contexts([firm_id], today)[firm_id]
    return render_pdf(roadmap_html(ctx), _max_pages(), fetcher)


def render_roadmaps(firm_ids: list[int], today: date):
    """Yield ``(firm, pdf bytes)`` for many firms; the context is read once for all of them."""
    contexts = roadmap_contexts(firm_ids, today)
    for fid in firm_ids:
        ctx = contexts.get(fid)
        if ctx is not None:
            yield ctx["firm"], render_pdf(roadmap_html(ctx), _max_pages())


def briefing_html(ctx: dict) -> str:
    shown = ("pool", "coaching", "to_apply", "applied", "certified")  # even when empty
    stages = [(code, label, n) for code, label, n in ctx["stages"] if n or code in shown]
    chart_funnel = charts.hbar_svg(
        [(label, [n]) for _, label, n in stages],
        ("企业数",),
        (charts.BLUE,),
        title="各阶段企业数（家）",
        label_w=80,
        width=360,
    )
    chart_ready = charts.bar_chart(
        "在培企业申报准备度（家）",
        [label[:4] for _, label, _ in ctx["verdicts"]],
        {"企业数": [n for _, _, n in ctx["verdicts"]]},
        width=360,
        height=260,
    )
    s, target = ctx["summary"], ctx["target"]
    progress = [
        charts.progress_svg(
            (ctx["county"].name if ctx["county"] else "全市") + "有效高企",
            s["active"],
            target.hnte_target if target else None,
            s["forecast"],
        )
    ]
    if not ctx["is_city"]:
        ct = ctx["city_target"]
        progress.append(
            charts.progress_svg(
                "全市有效高企", ctx["city_active"], ct.hnte_target if ct else None, ctx["city_forecast"]
            )
        )
    chart_league = None
    if ctx["is_city"]:
        rows = ctx["league"]
        chart_league = charts.bar_chart(
            "各县区有效高企与年度目标（家）",
            [r["county"].name for r in rows],
            {"有效高企": [r["active"] for r in rows], "年度目标": [r["target"] or 0 for r in rows]},
            height=300,
            print_values=False,
        )
    return render_template(
        "reports/briefing_pdf.html",
        chart_funnel=chart_funnel,
        chart_ready=chart_ready,
        chart_progress=progress,
        chart_league=chart_league,
        **ctx,
    )


def render_briefing(county: County | None, today: date, record: bool = False) -> RenderedPdf:
    """The pack; ``record`` keeps its figures for the next pack's "changes" (the caller commits)."""
    ctx = briefing_context(county, today)
    pdf = render_pdf(briefing_html(ctx), _max_pages())
    if record:
        record_pack(county, ctx)
    return pdf


def roadmap_filename(firm) -> str:
    return f"roadmap-{firm.credit_code}.pdf"


def briefing_filename(county: County | None, today: date) -> str:
    return f"briefing-{county.code if county else 'city'}-{today.isoformat()}.pdf"
