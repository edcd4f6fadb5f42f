"""HTML → PDF with WeasyPrint 70: a safe URL fetcher, one font configuration per process, a page cap.

Template data is untrusted (firm names come from Excel), so the fetcher refuses everything except
``data:`` URLs and ``file:`` paths inside ``static/``: no http(s), no other file, no redirects.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from pipeline.config import ROOT

STATIC = (ROOT / "static").resolve()
PDF_CSS = STATIC / "css" / "pdf.css"
DEFAULT_MAX_PAGES = 200

log = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
_font_config = None


class FetchRefused(ValueError):
    """A URL the PDF renderer may not read."""


def _weasy_fetcher_base():
    from weasyprint.urls import URLFetcher

    return URLFetcher


class SafeFetcher(_weasy_fetcher_base()):
    """WeasyPrint fetcher that reads only ``data:`` URLs and files under ``static/``.

    Refused URLs are kept in ``refused`` (tests and logs); WeasyPrint then skips the resource and
    the document still renders.
    """

    def __init__(self, static_dir: Path = STATIC, timeout: int = 5):
        super().__init__(
            timeout=timeout, allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False
        )
        self.static_dir = Path(static_dir).resolve()
        self.refused: list[str] = []
        self.fetched: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            self.fetched.append(url[:40])
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return self._refuse(url)
            path = Path(os.path.realpath(url2pathname(unquote(parts.path))))
            if path == self.static_dir or self.static_dir not in path.parents or not path.is_file():
                return self._refuse(url)
            self.fetched.append(url)
            return super().fetch(path.as_uri(), headers)
        return self._refuse(url)

    def _refuse(self, url: str):
        self.refused.append(url)
        log.warning("PDF renderer refused to fetch %s", url[:200])
        raise FetchRefused(f"不允许读取的地址：{url[:200]}")


def font_config():
    """One FontConfiguration per process: loading Noto CJK again for every PDF costs memory and time."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


_stylesheet = None


def _stylesheet_for(fc):
    global _stylesheet
    if _stylesheet is None:
        from weasyprint import CSS

        _stylesheet = CSS(filename=str(PDF_CSS), font_config=fc, url_fetcher=SafeFetcher())
    return _stylesheet


class RenderedPdf(bytes):
    """PDF bytes with the page count and whether the page cap cut the document."""

    pages: int = 0
    truncated: bool = False


def render_pdf(html: str, max_pages: int | None = None, fetcher: SafeFetcher | None = None) -> RenderedPdf:
    """Render ``html`` (already escaped by Jinja) to PDF bytes, keeping at most ``max_pages`` pages."""
    from weasyprint import HTML

    fc = font_config()
    cap = max_pages or DEFAULT_MAX_PAGES
    document = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher or SafeFetcher()).render(
        stylesheets=[_stylesheet_for(fc)], font_config=fc
    )
    total = len(document.pages)
    truncated = total > cap
    if truncated:
        log.warning("PDF cut at %s of %s pages", cap, total)
        document = document.copy(document.pages[:cap])
    out = RenderedPdf(document.write_pdf())
    out.pages = min(total, cap)
    out.truncated = truncated
    return out


_WARM_HTML = (
    "<html><body><h1>小升高 · 高新技术企业培育</h1><table><tr><th>企业</th><th>得分</th></tr>"
    "<tr><td>连云港示例科技有限公司</td><td>71–78</td></tr></table></body></html>"
)


def warm_up(app=None, sample: bool = False) -> float:
    """Load WeasyPrint, the CJK fonts, the PDF stylesheet and the PDF templates once, in this process.

    Called by gunicorn's ``post_worker_init`` (``gunicorn.conf.py``) so that the first roadmap PDF a
    worker serves costs what a warm one does; returns the seconds it took. ``sample`` (the render
    process): also render one real roadmap, discarded, when the database has a firm: a first real
    document costs WeasyPrint ~0.4 s more than the tiny page above (issue 15: first PDF 1.54× a warm one).
    """
    import time

    started = time.perf_counter()
    render_pdf(_WARM_HTML, max_pages=1)
    if app is not None:
        from pipeline.reports import charts  # noqa: F401  (pygal and the chart code)

        for name in ("reports/roadmap_pdf.html", "reports/briefing_pdf.html"):
            try:
                app.jinja_env.get_template(name)
            except Exception:  # a template renamed by another change must not stop the worker
                log.warning("PDF template %s not warmed", name)
        if sample:
            _render_sample(app)
    return time.perf_counter() - started


def _render_sample(app) -> None:
    from sqlalchemy import select

    from pipeline import clock
    from pipeline.extensions import db
    from pipeline.models import Firm
    from pipeline.reports.documents import render_roadmap

    with app.app_context():
        try:
            first = db.session.scalar(select(Firm.id).order_by(Firm.id).limit(1))
            if first is not None:
                render_roadmap(first, clock.today())
        except Exception:  # an empty or migrating database: the warm-up is only an optimisation
            log.warning("sample roadmap not rendered at warm-up", exc_info=True)
        finally:
            db.session.rollback()  # issue 13, allowed: the warm-up only reads; end its transaction
            db.session.remove()
