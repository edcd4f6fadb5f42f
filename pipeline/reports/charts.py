"""SVG charts for the PDFs: pygal (no JavaScript) and two hand-drawn ones (score band, Gantt).

Every chart comes back as a ``data:image/svg+xml;base64,...`` URI for an ``<img>``: the fetcher
allows ``data:`` and nothing reaches the network. Text in hand-drawn SVG is XML-escaped.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from xml.sax.saxutils import escape

from pipeline.vocabulary import SCORE_GROUPS, SCORE_ITEM_LABELS
from pipeline.vocabulary import SCORE_ITEMS as VOCAB_SCORE_ITEMS

FONT = "Noto Sans CJK SC"
INK = "#1f2d3d"
BLUE = "#1d4e89"
GREEN = "#2e7d32"
AMBER = "#c77700"
RED = "#b3261e"
GREY = "#9aa5b1"

_style = None


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _pygal_style():
    global _style
    if _style is None:
        from pygal.style import Style

        _style = Style(
            font_family=FONT,
            background="white",
            plot_background="white",
            foreground=INK,
            foreground_strong=INK,
            foreground_subtle="#d0d7de",
            opacity="1",
            opacity_hover="1",
            colors=(BLUE, "#7fa7d9", "#e3e8ef", GREEN, AMBER, RED, GREY),
            title_font_size=15,
            label_font_size=12,
            major_label_font_size=12,
            legend_font_size=12,
            value_font_size=11,
            value_label_font_size=11,
        )
    return _style


def _config(**kw) -> dict:
    base = dict(
        js=[],
        disable_xml_declaration=True,
        style=_pygal_style(),
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        margin=8,
        print_values=False,
        explicit_size=True,
    )
    base.update(kw)
    return base


def _render(chart) -> str:
    return data_uri(chart.render(is_unicode=True))


SCORE_ITEMS = tuple(
    (key, SCORE_ITEM_LABELS[key], full) for key, _, full in VOCAB_SCORE_ITEMS if key in SCORE_GROUPS
)


def score_items_chart(items: dict) -> str:
    """Horizontal stacked bars per score group: sure points, possible points, points not reached.

    Hand-drawn rather than pygal: pygal sizes its label column by Latin glyph widths and cuts
    Chinese labels, and its CSS-heavy SVG costs a third of a roadmap's render time.
    """
    rows = []
    for key, label, full in SCORE_ITEMS:
        lo, hi = (items.get(key) or [0, 0])[:2]
        rows.append((f"{label}（满分{full}）", [lo, max(hi - lo, 0), max(full - hi, 0)]))
    return hbar_svg(
        rows,
        ("确定得分", "可能得分", "未得分"),
        (BLUE, "#8fb3e0", "#e3e8ef"),
        scale_max=30,
        title="分项得分（分）",
        show_values=(0, 1),
    )


def hbar_svg(
    rows: list[tuple[str, list[float]]],
    series: tuple[str, ...],
    colours: tuple[str, ...],
    scale_max: float | None = None,
    title: str = "",
    label_w: int = 190,
    width: int = 640,
    show_values: tuple[int, ...] = (0,),
) -> str:
    """Stacked horizontal bars with a label column wide enough for Chinese labels (escaped)."""
    bar_h, gap, top = 16, 8, 30 if title else 8
    plot = width - label_w - 40
    peak = scale_max or max([sum(v) for _, v in rows] + [1])
    h = top + len(rows) * (bar_h + gap) + (26 if len(series) > 1 else 8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" viewBox="0 0 {width} {h}" '
        f'font-family="{FONT}" font-size="11">'
    ]
    if title:
        parts.append(
            f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13" fill="{INK}">'
            f'{escape(title)}</text>'
        )
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" fill="{INK}">{escape(label)}</text>'
        )
        x = float(label_w)
        for j, v in enumerate(values):
            w = plot * (v or 0) / peak
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[j]}"/>'
                )
                if j in show_values and w > 14:
                    fill = "white" if j == 0 else INK
                    parts.append(
                        f'<text x="{x + w / 2:.1f}" y="{y + 12}" text-anchor="middle" fill="{fill}" '
                        f'font-size="10">{v:g}</text>'
                    )
            x += w
        if len(series) == 1:
            parts.append(f'<text x="{x + 4:.1f}" y="{y + 12}" fill="{INK}">{values[0]:g}</text>')
    if len(series) > 1:
        lx, ly = label_w, h - 10
        for name, colour in zip(series, colours, strict=False):
            parts.append(
                f'<rect x="{lx}" y="{ly - 8}" width="10" height="9" fill="{colour}" stroke="#c5ccd4" '
                f'stroke-width="0.5"/><text x="{lx + 14}" y="{ly}" fill="#56616d">{escape(name)}</text>'
            )
            lx += 28 + 12 * len(name)
    parts.append("</svg>")
    return data_uri("".join(parts))


def score_band_svg(lo: int, hi: int, threshold: int = 71) -> str:
    """A 0–100 ruler with the firm's score band and the 71-point line."""
    w, h, left, right = 640, 86, 20, 20
    span = w - left - right

    def x(v: float) -> float:
        return left + span * max(0, min(100, v)) / 100

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT}" font-size="12">',
        f'<rect x="{left}" y="30" width="{span}" height="18" fill="#eef2f6" stroke="#c5ced8"/>',
    ]
    for v in range(0, 101, 10):
        parts.append(
            f'<line x1="{x(v):.1f}" y1="48" x2="{x(v):.1f}" y2="53" stroke="#8a96a3"/>'
            f'<text x="{x(v):.1f}" y="66" text-anchor="middle" fill="#56616d">{v}</text>'
        )
    colour = GREEN if lo >= threshold else (AMBER if hi >= threshold else RED)
    parts.append(
        f'<rect x="{x(lo):.1f}" y="30" width="{max(x(hi) - x(lo), 3):.1f}" height="18" fill="{colour}"/>'
    )
    parts.append(
        f'<line x1="{x(threshold):.1f}" y1="22" x2="{x(threshold):.1f}" y2="56" stroke="{RED}" '
        f'stroke-width="2" stroke-dasharray="4 2"/>'
        f'<text x="{x(threshold):.1f}" y="16" text-anchor="middle" fill="{RED}">认定线 {threshold} 分</text>'
    )
    label = f"预测总分 {lo}–{hi} 分" if lo != hi else f"预测总分 {lo} 分"
    anchor_x = min(max(x((lo + hi) / 2), left + 60), w - right - 60)
    parts.append(
        f'<text x="{anchor_x:.1f}" y="82" text-anchor="middle" fill="{INK}" font-weight="bold">'
        f'{escape(label)}</text></svg>'
    )
    return data_uri("".join(parts))


def _month_starts(first: date, last: date) -> list[date]:
    months, d = [], date(first.year, first.month, 1)
    while d <= last:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return months


def gantt_svg(rows: list[dict], today: date, cutoff: date | None) -> str:
    """Gantt-like timeline: one row per milestone, a bar from today (or its start) to its due date.

    ``rows``: dicts with title, due, owner ("firm"/"officer"), status, owner_label. Titles are
    escaped and cut to fit; the full title is in the table next to the chart.
    """
    if not rows:
        return ""
    end = max([r["due"] for r in rows] + ([cutoff] if cutoff else []))
    start = min([today] + [r["due"] for r in rows])
    start = date(start.year, start.month, 1)
    end = date(end.year + (end.month == 12), end.month % 12 + 1, 1) - timedelta(days=1)
    days = max((end - start).days, 1)
    label_w, w, row_h, top = 230, 680, 22, 34
    plot = w - label_w - 14
    h = top + row_h * len(rows) + 40

    def x(d: date) -> float:
        return label_w + plot * ((d - start).days / days)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT}" font-size="11">'
    ]
    months = _month_starts(start, end)
    step = 1 if len(months) <= 14 else (2 if len(months) <= 28 else 3)
    last_year, last_x = None, -99.0
    for i, m in enumerate(months):
        parts.append(f'<line x1="{x(m):.1f}" y1="{top - 6}" x2="{x(m):.1f}" y2="{h - 36}" stroke="#e1e6ec"/>')
        if i % step == 0 and x(m) - last_x >= 34 and x(m) + 34 <= w:
            text = f"{m.year}.{m.month}" if m.year != last_year else f"{m.month}月"
            parts.append(f'<text x="{x(m) + 2:.1f}" y="{top - 10}" fill="#56616d">{text}</text>')
            last_year, last_x = m.year, x(m)
    for i, r in enumerate(rows):
        y = top + i * row_h
        if i % 2 == 0:
            parts.append(f'<rect x="0" y="{y}" width="{w}" height="{row_h}" fill="#f6f8fa"/>')
        title = r["title"] if len(r["title"]) <= 17 else r["title"][:16] + "…"
        parts.append(f'<text x="4" y="{y + 15}" fill="{INK}">{escape(title)}</text>')
        done = r.get("status") in ("done", "waived")
        colour = GREY if done else (GREEN if r.get("owner") == "officer" else BLUE)
        bar_start = x(max(start, min(today, r["due"])))
        bar_end = x(r["due"])
        overdue = not done and r["due"] < today
        if overdue:
            colour = RED
        parts.append(
            f'<rect x="{min(bar_start, bar_end):.1f}" y="{y + 6}" width="{max(abs(bar_end - bar_start), 2):.1f}" '
            f'height="10" rx="2" fill="{colour}" opacity="0.85"/>'
        )
        cx, cy = bar_end, y + 11
        parts.append(
            f'<path d="M{cx:.1f} {cy - 6} L{cx + 6:.1f} {cy} L{cx:.1f} {cy + 6} L{cx - 6:.1f} {cy} Z" '
            f'fill="{colour}"/>'
        )
    ty = h - 36
    tx = x(today)
    parts.append(
        f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{ty}" stroke="{INK}" stroke-width="1.2"/>'
        f'<text x="{tx + 3:.1f}" y="{ty + 14}" fill="{INK}">今天</text>'
    )
    if cutoff:
        cx = x(cutoff)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{top - 4}" x2="{cx:.1f}" y2="{ty}" stroke="{RED}" stroke-width="1.5" '
            f'stroke-dasharray="4 2"/><text x="{cx - 3:.1f}" y="{ty + 14}" text-anchor="end" '
            f'fill="{RED}">申报截止</text>'
        )
    legend_x = label_w
    for colour, text in ((BLUE, "企业负责"), (GREEN, "专员负责"), (RED, "已逾期"), (GREY, "已完成/免除")):
        parts.append(
            f'<rect x="{legend_x + 90}" y="{h - 11}" width="10" height="8" fill="{colour}"/>'
            f'<text x="{legend_x + 104}" y="{h - 3}" fill="#56616d">{text}</text>'
        )
        legend_x += 82
    parts.append("</svg>")
    return data_uri("".join(parts))


def bar_chart(
    title: str,
    labels: list[str],
    series: dict[str, list],
    horizontal: bool = False,
    width: int = 640,
    height: int = 280,
    stacked: bool = False,
    print_values: bool = True,
) -> str:
    """A plain bar chart (stage funnel, readiness, league)."""
    import pygal

    cls = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }[(horizontal, stacked)]
    chart = cls(
        **_config(
            width=width,
            height=height,
            title=title,
            print_values=print_values,
            show_legend=len(series) > 1,
            x_label_rotation=0,
            truncate_label=-1,
            truncate_legend=-1,
        )
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _render(chart)


def progress_svg(label: str, value: int, target: int | None, forecast: int | None = None) -> str:
    """One progress bar toward a target: done, forecast and the target mark."""
    w, h = 640, 54
    left, span = 130, 370
    top = max(target or 0, value, forecast or 0, 1)

    def x(v: float) -> float:
        return left + span * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT}" font-size="12">',
        f'<text x="0" y="26" fill="{INK}">{escape(label)}</text>',
        f'<rect x="{left}" y="12" width="{span}" height="20" fill="#eef2f6"/>',
    ]
    if forecast is not None and forecast > value:
        parts.append(f'<rect x="{left}" y="12" width="{x(forecast) - left:.1f}" height="20" fill="#a9c3e6"/>')
    parts.append(f'<rect x="{left}" y="12" width="{x(value) - left:.1f}" height="20" fill="{BLUE}"/>')
    if target:
        parts.append(
            f'<line x1="{x(target):.1f}" y1="6" x2="{x(target):.1f}" y2="38" stroke="{RED}" stroke-width="2"/>'
        )
        pct = f"{value / target * 100:.0f}%"
        parts.append(f'<text x="{left + span + 8}" y="26" fill="{INK}">{value}/{target}（{pct}）</text>')
    else:
        parts.append(f'<text x="{left + span + 8}" y="26" fill="{INK}">{value}（未设目标）</text>')
    if forecast is not None:
        parts.append(
            f'<text x="{left}" y="50" fill="#56616d">深色：当前有效；浅色：年末预计 {forecast}；'
            f'红线：目标</text>'
        )
    parts.append("</svg>")
    return data_uri("".join(parts))
