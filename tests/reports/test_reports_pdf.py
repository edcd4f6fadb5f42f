"""The PDFs hold what readers rely on, embed a CJK font everywhere, and never fetch anything outside static/."""

from __future__ import annotations

import http.server
import threading

import pytest

from tests import factories as f
from tests.reports.conftest import TODAY, pdffonts, pdftext


def _cjk_fonts(fonts: str) -> list[str]:
    return [line for line in fonts.splitlines()[2:] if "CJK" in line.replace("-", " ")]


def test_roadmap_holds_name_verdict_and_milestones(world, tmp_path):
    from pipeline.reports.documents import render_roadmap

    pdf = render_roadmap(world["a"].id, TODAY)
    text = pdftext(pdf, tmp_path)
    flat = "".join(text.split())
    assert "连云港海蓝智能装备有限公司" in flat
    assert "当前评估结论临界" in flat  # the one verdict label of "marginal"
    for title in ("建立研发费用辅助账", "申请实用新型专利2项", "在认定管理工作网提交申报材料"):
        assert title in flat
    assert "已逾期" in flat  # the first milestone is late and the table says so
    assert "王专员" in flat and "0518-85551234" in flat  # the officer's contact
    assert "海州区" in flat
    assert pdf.pages >= 3 and not pdf.truncated


def test_roadmap_embeds_cjk_font_including_page_numbers(world, tmp_path):
    from pipeline.reports.documents import render_roadmap

    pdf = render_roadmap(world["a"].id, TODAY)
    fonts = pdffonts(pdf, tmp_path)
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    cjk = _cjk_fonts(fonts)
    assert cjk and all(" yes " in line for line in cjk), fonts
    # Page-margin text (page numbers, header) must not fall back to a Latin font such as DejaVu.
    assert all("CJK" in line.replace("-", " ") for line in rows), fonts
    text = "".join(pdftext(pdf, tmp_path).split())
    assert f"第1页/共{pdf.pages}页" in text and f"第{pdf.pages}页/共{pdf.pages}页" in text


def test_firm_without_roadmap_says_so(world, tmp_path):
    from pipeline.reports.documents import render_roadmap

    text = "".join(pdftext(render_roadmap(world["b"].id, TODAY), tmp_path).split())
    assert "尚未生成路线图" in text
    assert "连云港北辰新材料有限公司" in text
    # No cached assessment: the document assesses on the fly and shows a verdict anyway.
    assert any(label in text for label in ("达标", "未达标", "数据不全"))


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_hostile_firm_name_renders_as_text_and_fetches_nothing(world, db, tmp_path, local_server):
    from pipeline.reports.documents import render_roadmap
    from pipeline.reports.render import SafeFetcher

    port = local_server
    name = f'<b>x</b><img src="file:///etc/passwd"> http://127.0.0.1:{port}/x'
    firm = f.firm(world["hz"], name=name)
    firm.contact_name = f'<img src="http://127.0.0.1:{port}/c.png">'
    firm.address = (
        '<link rel="attachment" href="file:///etc/passwd"><style>@import url(http://127.0.0.1:9/);</style>'
    )
    db.session.commit()
    fetcher = SafeFetcher()
    pdf = render_roadmap(firm.id, TODAY, fetcher=fetcher)
    flat = "".join(pdftext(pdf, tmp_path).split())
    assert "<b>x</b><imgsrc=" in flat  # the markup is shown as text, not interpreted
    assert "root:x:0:0" not in flat
    assert '<linkrel="attachment"' in flat  # the address is shown, as text
    assert _Recorder.hits == []  # nothing reached the local HTTP server
    assert not any(u.startswith(("http", "file:///etc")) for u in fetcher.fetched)


def test_fetcher_refuses_http_and_files_outside_static(tmp_path, local_server):
    from pipeline.reports.render import STATIC, FetchRefused, SafeFetcher

    fetcher = SafeFetcher()
    for url in (
        f"http://127.0.0.1:{local_server}/x",
        "https://example.org/a.png",
        "file:///etc/passwd",
        (STATIC / ".." / "pipeline" / "config.py").resolve().as_uri(),
        "ftp://127.0.0.1/x",
        STATIC.as_uri() + "/../pipeline/config.py",
    ):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6
    assert _Recorder.hits == []
    ok = fetcher.fetch((STATIC / "css" / "pdf.css").as_uri())
    assert ok is not None
    assert fetcher.fetch("data:text/plain,hello") is not None


def test_page_cap_cuts_the_document(world, app):
    from pipeline.reports.render import render_pdf

    html = "<html><body>" + "".join(f'<p class="pagebreak">第{i}页</p>' for i in range(12)) + "</body></html>"
    pdf = render_pdf(html, max_pages=3)
    assert pdf.pages == 3 and pdf.truncated


def test_county_briefing_figures(world, tmp_path, db):
    from pipeline.reports.context import briefing_context
    from pipeline.reports.documents import render_briefing

    a = world["a"]
    a.hnte_cert_no, a.hnte_cert_expiry = "GR202532000001", TODAY.replace(year=TODAY.year + 1, month=3)
    world["c"].hnte_cert_expiry = TODAY.replace(year=TODAY.year + 2)  # another county's certificate
    db.session.commit()
    ctx = briefing_context(world["hz"], TODAY)
    assert ctx["summary"]["active"] == 1
    assert ctx["city_active"] == 2  # the county pack shows the whole city's progress too
    assert ctx["summary"]["expiring"] == 1  # expires within 12 months
    assert ctx["summary"]["overdue_firms"] == 1
    assert ctx["summary"]["pool"] == 2
    assert [r["name"] for r in ctx["ready"]] == [
        "连云港海蓝智能装备有限公司"
    ]  # marginal counts as nearly ready
    assert ctx["workload"][0]["name"] == "王专员" and ctx["workload"][0]["overdue"] == 1
    text = "".join(pdftext(render_briefing(world["hz"], TODAY), tmp_path).split())
    assert "海州区" in text and "连云港海蓝智能装备有限公司" in text
    assert "连云港港城软件有限公司" not in text  # another county's firm stays out of the county pack
    assert "第一期简报" in text


def test_changes_since_last_pack(world, db, tmp_path):
    from pipeline.reports.context import briefing_context
    from pipeline.reports.documents import render_briefing

    render_briefing(world["hz"], TODAY, record=True)
    db.session.commit()
    f.firm(world["hz"], name="新入库企业有限公司", stage="pool")
    db.session.commit()
    ctx = briefing_context(world["hz"], TODAY)
    pool = next(c for c in ctx["changes"] if c["label"] == "在培企业")
    assert (pool["before"], pool["now"], pool["delta"]) == (2, 3, 1)


def test_city_pack_has_league_of_all_counties(world, tmp_path):
    from pipeline.reports.documents import render_briefing

    text = "".join(pdftext(render_briefing(None, TODAY), tmp_path).split())
    assert "县区排名" in text and "海州区" in text and "连云区" in text
    assert "连云港港城软件有限公司" not in text or "连云区" in text


def test_the_render_process_warm_up_renders_a_real_roadmap_and_writes_nothing(world, app, db, monkeypatch):
    """Issue 15: the render process warms on a real roadmap (the first user's PDF then costs a warm
    one), and only reads."""
    from sqlalchemy import event

    from pipeline.reports import documents, render

    rendered, sent = [], []
    real = documents.render_roadmap
    monkeypatch.setattr(documents, "render_roadmap", lambda fid, today: rendered.append(real(fid, today)))

    def seen(conn, cursor, statement, params, context, many):
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        render.warm_up(app, sample=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(rendered) == 1 and rendered[0][:4] == b"%PDF"
    assert "SELECT" in sent and not {"INSERT", "UPDATE", "DELETE"} & set(sent)
