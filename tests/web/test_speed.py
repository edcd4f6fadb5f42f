"""Issue 15: pages cost a bounded number of queries whatever the firm count; the kanban pages its columns.

No timings here (those are in bench/bench_pages.py); only counts and contents, which cannot flake.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from pipeline.services.assessments import refresh_firms
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import TODAY, fresh


@contextmanager
def count_queries(db):
    """Every statement the app sends to the database while the block runs."""
    seen: list[str] = []

    def before(conn, cursor, statement, params, context, many):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _add_firms(db, county, n: int) -> None:
    ids = []
    for _ in range(n):
        firm = f.firm(county)
        f.year(firm, 2024)
        ids.append(firm.id)
    refresh_firms(ids, TODAY)
    db.session.commit()


def _queries(app, db, user, url: str) -> list[str]:
    c = app.test_client()
    login(c, user)
    assert fresh(app, c, "get", url).status_code == 200  # warm: nothing first-time-only in the count
    with count_queries(db) as seen:
        resp = fresh(app, c, "get", url)
    assert resp.status_code == 200
    return seen


def test_pool_page_issues_the_same_number_of_queries_at_10_and_at_60_firms(app, world, db):
    _add_firms(db, world.county_a, 8)
    at_10 = {
        url: _queries(app, db, world.officer, url) for url in ("/pool/", "/pool/?sort=score", "/pool/?q=测试")
    }
    _add_firms(db, world.county_a, 50)
    for url, before in at_10.items():
        after = _queries(app, db, world.officer, url)
        assert len(after) == len(before), (url, before, after)
        assert len(after) <= 16, after
    # and no query reads the assessment JSON for the rows of the list
    assert not any("assessment.result" in q for q in after)


def test_kanban_shows_counts_and_its_column_endpoint_pages(app, world, db):
    from pipeline.web.pool import KANBAN_LIMIT

    n = KANBAN_LIMIT + 5
    for i in range(n):
        f.firm(world.county_a, f"看板测试{i:02d}有限公司", stage="coaching")
    f.firm(world.county_b, "外县辅导企业有限公司", stage="coaching")
    db.session.commit()
    c = app.test_client()
    login(c, world.officer)
    page = fresh(app, c, "get", "/pool/kanban").get_data(as_text=True)
    # the page carries the columns and their counts, not the cards (they load lazily)
    assert page.count('class="kanban-col"') == 8
    assert f'<span class="count">{n}</span>' in page and "看板测试" not in page
    assert "/pool/kanban/column/coaching" in page
    first = fresh(app, c, "get", "/pool/kanban/column/coaching").get_data(as_text=True)
    second = fresh(app, c, "get", "/pool/kanban/column/coaching?page=2").get_data(as_text=True)
    assert first.count('class="kcard"') == KANBAN_LIMIT and "page=2" in first
    assert second.count('class="kcard"') == 5 and "data-more" not in second
    names = set(re.findall(r"看板测试\d\d有限公司", first)) | set(re.findall(r"看板测试\d\d有限公司", second))
    assert len(names) == n  # every firm once, none twice
    assert "外县辅导企业" not in first + second  # scope holds in the column too
    assert fresh(app, c, "get", "/pool/kanban/column/nosuch").status_code == 404
    # the firm user has no kanban column either
    cf = app.test_client()
    login(cf, world.firm_user)
    assert fresh(app, cf, "get", "/pool/kanban/column/coaching").status_code == 404


def test_an_edited_firm_changes_on_every_page_export_and_pdf_that_shows_it(app, world, db, tmp_path):
    """Nothing cached across a data change: each surface is read once (warm), the firm is renamed, read again."""
    import shutil
    import subprocess
    from io import BytesIO

    from openpyxl import load_workbook

    from pipeline.models import Firm
    from pipeline.services import firms as firm_service
    from pipeline.services.tokens import issue_token

    token = issue_token(world.officer, "test")
    officer, firm_user = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(firm_user, world.firm_user)
    own = world.own
    surfaces = {
        "pool": (officer, "/pool/"),
        "search": (officer, "/pool/?q=有限公司"),
        "firm": (officer, f"/firms/{own.id}"),
        "kanban column": (officer, f"/pool/kanban/column/{own.stage}"),
        "portal": (firm_user, "/portal/"),
        "api": (officer, "/api/v1/firms"),
        "api firm": (officer, f"/api/v1/firms/{own.id}"),
    }

    def read_all() -> dict[str, str]:
        out = {}
        for key, (c, url) in surfaces.items():
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
            resp = fresh(app, c, "get", url, headers=headers)
            assert resp.status_code == 200, (key, resp.status_code)
            out[key] = (
                resp.get_data(as_text=True)
                if not url.startswith("/api/")
                else resp.get_data(as_text=True).encode().decode("unicode_escape")
            )
        xlsx = fresh(app, officer, "get", "/pool/export.xlsx").data
        out["export"] = " ".join(
            str(v)
            for row in load_workbook(BytesIO(xlsx), read_only=True).worksheets[0].iter_rows(values_only=True)
            for v in row
        )
        if shutil.which("pdftotext"):
            pdf = fresh(app, officer, "get", f"/firms/{own.id}/roadmap.pdf").data
            (tmp_path / "r.pdf").write_bytes(pdf)
            out["roadmap pdf"] = subprocess.run(
                ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
            ).stdout.replace("\n", "")
        return out

    before = read_all()
    for key, text in before.items():
        assert own.name in text, key
    firm = db.session.get(Firm, own.id)
    assert firm_service.update_firm(world.officer, firm, {"name": "甲改名后智造有限公司"}, TODAY)
    after = read_all()
    for key, text in after.items():
        assert "甲改名后智造有限公司" in text, key
        if key != "firm":  # the firm page's history rightly keeps the old name ("name: old → new")
            assert "甲科技有限公司" not in text, key
