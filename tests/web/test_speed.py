"""Issue 15: pages cost a bounded number of queries whatever the firm count; the kanban pages its columns.

No timings here (those are in bench/bench_pages.py); only counts and contents, which cannot flake.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests import factories as f
from pipeline.services.assessments import refresh_firms
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
    at_10 = {url: _queries(app, db, world.officer, url) for url in ("/pool/", "/pool/?sort=score", "/pool/?q=测试")}
    _add_firms(db, world.county_a, 50)
    for url, before in at_10.items():
        after = _queries(app, db, world.officer, url)
        assert len(after) == len(before), (url, before, after)
        assert len(after) <= 10, after
    # and no query reads the assessment JSON for the rows of the list
    assert not any("assessment.result" in q for q in after)
