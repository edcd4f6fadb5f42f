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
from tests.web.conftest import TODAY, fresh, last_year


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


def _queries(app, db, user, url: str, cold: bool = True) -> list[str]:
    """The statements of one request for ``url``; ``cold``: with every cached value dropped first (the
    first request after a write), else a repeat of the same page (a cache hit)."""
    from pipeline.services import stamp

    c = app.test_client()
    login(c, user)
    assert fresh(app, c, "get", url).status_code == 200  # warm: nothing first-time-only in the count
    if cold:
        stamp.clear()
    with count_queries(db) as seen:
        resp = fresh(app, c, "get", url)
    assert resp.status_code == 200
    return seen


def test_pool_page_issues_the_same_number_of_queries_at_10_and_at_60_firms(app, world, db):
    _add_firms(db, world.county_a, 8)
    urls = ("/pool/", "/pool/?sort=score", "/pool/?q=测试")
    at_10 = {url: _queries(app, db, world.officer, url) for url in urls}
    _add_firms(db, world.county_a, 50)
    for url, before in at_10.items():
        after = _queries(app, db, world.officer, url)
        assert len(after) == len(before), (url, before, after)
        assert len(after) <= 18, after  # cold: the user, stamp, nav counts, top bar, the list
    # and no query reads the assessment JSON for the rows of the list
    assert not any("assessment.result" in q for q in after)
    # a repeat of the page reads the user and the data stamp, nothing else (issue 15: cached content)
    for url in urls:
        again = _queries(app, db, world.officer, url, cold=False)
        assert len(again) <= 3 and not any(" firm" in q or "assessment" in q for q in again), again


def test_a_cached_firm_page_reads_the_user_the_firm_and_its_live_forms_in_three_statements(app, world, db):
    """Issue 15: the live holes (milestone actions, 年报 forms, evidence ticks, submissions) come from one
    statement; on PostgreSQL each was a round trip. It returns what the separate reads did, typed alike
    (the 年报 form's version is its record's updated_at), and the page shows it."""
    import re
    from datetime import date

    from sqlalchemy import select

    from pipeline.models import AnnualReport, Milestone, RdEvidence
    from pipeline.services import firm_page

    firm = world.own
    db.session.add(RdEvidence(firm_id=firm.id, piece="rd_unit", present=True))
    db.session.add(RdEvidence(firm_id=firm.id, piece="ledger", present=False))
    db.session.add(
        AnnualReport(firm_id=firm.id, year=2025, submitted=True, submitted_on=date(2026, 3, 2), note="已报")
    )
    db.session.commit()
    url = f"/firms/{firm.id}"
    again = _queries(app, db, world.officer, url, cold=False)
    assert len(again) <= 3, again
    live = firm_page.live_state(firm.id)
    db.session.expire_all()
    ms = db.session.scalars(select(Milestone).where(Milestone.firm_id == firm.id)).all()
    assert {k: tuple(v) for k, v in live.ms.items()} == {m.id: (m.id, m.status, m.version) for m in ms}
    rec = db.session.scalars(select(AnnualReport).where(AnnualReport.firm_id == firm.id)).one()
    assert tuple(live.annual[2025]) == (2025, True, date(2026, 3, 2), "已报", rec.updated_at)
    present = db.session.scalars(
        select(RdEvidence.piece).where(RdEvidence.firm_id == firm.id, RdEvidence.present)
    )
    assert live.present == frozenset(present) and "rd_unit" in live.present and "ledger" not in live.present
    assert live.has_submissions is False
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", url).get_data(as_text=True)
    ticks = {
        m.group(2): "checked" in m.group(0)
        for m in re.finditer(r'<input([^>]*)name="piece_(\w+)"[^>]*>', html)
    }
    assert ticks["rd_unit"] is True and ticks["ledger"] is False, ticks


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
    # a repeat is the cached content (no firm read); a stage move shows in the counts at once
    with count_queries(db) as seen:
        again = fresh(app, c, "get", "/pool/kanban").get_data(as_text=True)
    assert again[again.index('<div class="kanban">') :] == page[page.index('<div class="kanban">') :]
    assert not any(" firm" in q for q in seen), seen
    moved = f.firm(world.county_a, "看板移出有限公司", stage="coaching")
    db.session.commit()
    page = fresh(app, c, "get", "/pool/kanban").get_data(as_text=True)
    assert f'<span class="count">{n + 1}</span>' in page
    db.session.delete(moved)
    db.session.commit()
    page = fresh(app, c, "get", "/pool/kanban").get_data(as_text=True)
    assert f'<span class="count">{n}</span>' in page
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
    db.session.commit()  # services flush; the caller commits (issue 13)
    officer, firm_user = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(firm_user, world.firm_user)
    own = world.own
    surfaces = {
        "pool": (officer, "/pool/"),
        "search": (officer, "/pool/?q=有限公司"),
        "sorted by score": (officer, "/pool/?sort=score&dir=desc"),
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
            (tmp_path / "r.pdf").write_bytes(_pdf(app, officer, f"/firms/{own.id}/roadmap.pdf"))
            out["roadmap pdf"] = subprocess.run(
                ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
            ).stdout.replace("\n", "")
        return out

    before = read_all()
    for key, text in before.items():
        assert own.name in text, key
    firm = db.session.get(Firm, own.id)
    assert firm_service.update_firm(world.officer, firm, {"name": "甲改名后智造有限公司"}, TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    after = read_all()
    for key, text in after.items():
        assert "甲改名后智造有限公司" in text, key
        if key != "firm":  # the firm page's history rightly keeps the old name ("name: old → new")
            assert "甲科技有限公司" not in text, key


def _pdf(app, client, url: str) -> bytes:
    """The PDF, refreshing as a browser would while it is still being rendered in the background
    (a loaded machine: 503 + Retry-After, issue 12)."""
    import time

    for _ in range(120):
        resp = fresh(app, client, "get", url)
        if resp.status_code != 503:
            break
        time.sleep(1)
    assert resp.status_code == 200 and resp.data[:4] == b"%PDF", resp.status_code
    return resp.data


def _nav_count(html: str) -> int:
    m = re.search(r'id="nav-inbox">[^<]*(?:<span class="nav-count"[^>]*>(\d+)</span>)?', html)
    assert m, "no inbox link in the navigation"
    return int(m.group(1) or 0)


def test_navigation_counts_are_reused_until_a_write_and_the_next_page_shows_the_change(app, world, db):
    """The inbox badge and the bell are cached under the data stamp: no count query on a repeat page,
    and every kind of write (ORM, Core statement, an engine transaction) shows on the next page."""
    from datetime import timedelta

    from sqlalchemy import update

    from pipeline import clock
    from pipeline.models import FigureSubmission, Milestone
    from pipeline.services import worklist

    def expected() -> int:
        with app.app_context():
            return worklist.action_count(db.session.get(type(world.officer), world.officer.id), clock.today())

    c = app.test_client()
    login(c, world.officer)
    n0 = _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True))
    assert n0 == expected()
    with count_queries(db) as seen:
        assert _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True)) == n0
    assert any("data_stamp" in q for q in seen)
    assert not any("milestone" in q or "figure_submission" in q for q in seen), seen  # reused

    # an ORM write: a firm submits figures -> one more item for the officer on the very next page
    sub = FigureSubmission(
        firm_id=world.own.id, year=last_year(), submitted_by_id=world.firm_user.id, data={"sales": "1"}
    )
    db.session.add(sub)
    db.session.commit()
    assert _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True)) == n0 + 1 == expected()

    # the officer accepts it through the inbox form -> back to n0
    r = fresh(
        app,
        c,
        "post",
        f"/inbox/firms/{world.own.id}/submissions/{sub.id}",
        data={"decision": "accept", "review_note": ""},
    )
    assert r.status_code == 302
    assert _nav_count(fresh(app, c, "get", "/inbox/").get_data(as_text=True)) == n0 == expected()

    # a Core UPDATE (no ORM object): every open milestone of the firm becomes overdue
    db.session.execute(
        update(Milestone)
        .where(Milestone.firm_id == world.same.id, Milestone.status.in_(("todo", "doing")))
        .values(due=clock.today() - timedelta(days=1), progress_pending=False)
    )
    db.session.commit()
    n1 = _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True))
    assert n1 == expected() and n1 > n0

    # a write on an engine connection (as the reminder scan does) -> shown on the next page too
    with db.engine.begin() as conn:
        conn.execute(update(Milestone).where(Milestone.firm_id == world.same.id).values(status="done"))
    assert _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True)) == expected() < n1

    # no write at all, but another day: milestones fall due -> the count is per day
    clock.set_today(clock.today() + timedelta(days=800))
    try:
        assert _nav_count(fresh(app, c, "get", "/notifications/").get_data(as_text=True)) == expected() > n0
    finally:
        clock.set_today(None)


def test_the_data_stamp_moves_with_every_committed_write_and_not_with_a_rollback(app, db):
    from sqlalchemy import text

    from pipeline.services import stamp
    from tests import factories as ff

    s0 = stamp.current()
    ff.county("320707", "赣榆区")
    db.session.rollback()
    assert stamp.current() == s0  # rolled back: nothing changed
    ff.county("320707", "赣榆区")
    db.session.commit()
    s1 = stamp.current()
    assert s1 is not None and s1 != s0
    db.session.execute(text("SELECT count(*) FROM firm"))
    db.session.commit()
    assert stamp.current() == s1  # a read-only transaction leaves it
    db.session.execute(text("DELETE FROM county"))
    db.session.commit()
    assert stamp.current() != s1  # a textual write moves it


def test_two_fresh_databases_in_one_process_never_share_a_cached_value(app, db, tmp_path):
    """Each fresh database starts its stamp at the migration's seed: the first write moves it to the
    clock, and the cache is keyed by the database, so one database's figures never answer another's."""
    from flask_migrate import upgrade

    from pipeline import create_app
    from pipeline.services import stamp
    from tests import factories as ff
    from tests.conftest import ROOT

    ff.county("320707", "赣榆区")
    db.session.commit()
    s_a = stamp.current()
    assert stamp.cached("t", (), lambda: "A") == "A"
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db"})
    with other.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        ff.county("320707", "赣榆区")
        db.session.commit()
        s_b = stamp.current()
        assert s_b != s_a and s_b > 1
        assert stamp.cached("t", (), lambda: "B") == "B"
        db.session.remove()
    assert stamp.cached("t", (), lambda: "again") == "A"


def test_dashboard_content_is_reused_until_a_write_and_shows_the_change_on_the_next_page(app, world, db):
    """The rendered figures are kept per scope, day, locale and data stamp: a repeat page recomputes
    nothing, a certificate saved through the firm service shows on the next page, an admin of the
    same scope still gets the scope chooser an officer does not, and English is its own entry."""
    from datetime import timedelta

    from pipeline import clock
    from pipeline.models import Firm
    from pipeline.services import firms as firm_service

    def active(html: str) -> int:
        return int(re.search(r'<div class="kpi-value">(\d+)<', html).group(1))

    officer, admin = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(admin, world.admin)
    first = fresh(app, officer, "get", "/dashboard/").get_data(as_text=True)
    with count_queries(db) as seen:
        again = fresh(app, officer, "get", "/dashboard/").get_data(as_text=True)
    assert active(again) == active(first)
    assert not any("assessment" in q or "milestone" in q for q in seen), seen  # nothing recomputed
    assert 'id="dash-county"' not in again
    as_admin = fresh(app, admin, "get", f"/dashboard/?county={world.county_a.id}").get_data(as_text=True)
    assert 'id="dash-county"' in as_admin and active(as_admin) == active(first)
    english = fresh(app, officer, "get", "/dashboard/?lang=en").get_data(as_text=True)
    assert "Active high-tech enterprises" in english and "Active high-tech enterprises" not in again

    today = clock.today()
    firm = db.session.get(Firm, world.same.id)
    data = {
        "hnte_cert_no": f"GR{today.year}32000001",
        "hnte_cert_date": today - timedelta(days=30),
        "hnte_cert_expiry": today + timedelta(days=1000),
    }
    assert firm_service.update_firm(world.officer, firm, data, today)
    db.session.commit()  # services flush; the caller commits (issue 13)
    after = fresh(app, officer, "get", "/dashboard/").get_data(as_text=True)
    assert active(after) == active(first) + 1
    as_admin = fresh(app, admin, "get", f"/dashboard/?county={world.county_a.id}").get_data(as_text=True)
    assert active(as_admin) == active(first) + 1


# ----------------------------------------------------------------------------- issue 15, session 3: list pages


def _list_urls(world) -> dict[str, str]:
    return {
        "pool": "/pool/",
        "search": "/pool/?q=有限公司",
        "sorted by score": "/pool/?sort=score&dir=desc",
        "kanban column": f"/pool/kanban/column/{world.own.stage}",
        "api": "/api/v1/firms",
    }


def _get(app, client, url: str, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
    resp = fresh(app, client, "get", url, headers=headers)
    assert resp.status_code == 200, (url, resp.status_code)
    text = resp.get_data(as_text=True)
    return text.encode().decode("unicode_escape") if url.startswith("/api/") else text


def test_list_pages_are_reused_until_a_write_and_the_next_request_shows_it(app, world, db):
    """A repeat of each list page (and the API list) reads no firm row; a firm edited through the
    service shows on every one of them on the very next request."""
    from pipeline.models import Firm
    from pipeline.services import firms as firm_service
    from pipeline.services.tokens import issue_token

    token = issue_token(world.officer, "test")
    db.session.commit()
    c = app.test_client()
    login(c, world.officer)
    urls = _list_urls(world)
    for key, url in urls.items():
        assert world.own.name in _get(app, c, url, token), key
        with count_queries(db) as seen:
            assert world.own.name in _get(app, c, url, token), key
        assert not any(" firm" in q or "assessment" in q for q in seen), (key, seen)
    old = world.own.name
    firm = db.session.get(Firm, world.own.id)
    assert firm_service.update_firm(world.officer, firm, {"name": "甲改名后智造有限公司"}, TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    for key, url in urls.items():
        text = _get(app, c, url, token)
        assert "甲改名后智造有限公司" in text and old not in text, key


def test_a_cached_list_is_never_shown_to_a_user_of_another_county(app, world, db):
    """Each list is cached per user: the officer of county B asking for the very URLs the officer of
    county A has just had cached sees only county B's firms; the admin sees every county's."""
    from pipeline.services import stamp
    from pipeline.services.tokens import issue_token

    tokens = {u.id: issue_token(u, "test") for u in (world.officer, world.officer_b, world.admin)}
    db.session.commit()
    s0 = stamp.current()
    pages = {}
    for user in (world.officer, world.officer_b, world.admin):
        c = app.test_client()
        login(c, user)
        pages[user.id] = {
            key: _get(
                app,
                c,
                url.replace(f"column/{world.own.stage}", "column/" + world.other.stage),
                tokens[user.id],
            )
            for key, url in _list_urls(world).items()
        }
    assert stamp.current() == s0  # one stamp throughout: the cache was there to be (mis)used
    for key in _list_urls(world):
        a, b, admin = pages[world.officer.id][key], pages[world.officer_b.id][key], pages[world.admin.id][key]
        if world.own.stage == world.other.stage or "kanban" not in key:
            assert world.own.name in a and world.other.name not in a, key
            assert world.other.name in b and world.own.name not in b and world.same.name not in b, key
            assert world.own.name in admin and world.other.name in admin, key


def test_an_english_list_is_not_served_from_the_chinese_cache(app, world, db):
    """The same user, the same URLs and the same data stamp: a session that chose English gets the
    English page, the Chinese one stays Chinese (the locale is part of every cached key)."""
    from pipeline.services import stamp

    zh, en = app.test_client(), app.test_client()
    login(zh, world.officer)
    login(en, world.officer)
    with en.session_transaction() as sess:
        sess["lang"] = "en"  # the switcher's choice before the account has one: no write, same stamp
    s0 = stamp.current()
    column = f"/pool/kanban/column/{world.own.stage}"
    chinese = {url: _get(app, zh, url, "") for url in ("/pool/", column)}
    english = {url: _get(app, en, url, "") for url in ("/pool/", column)}
    assert stamp.current() == s0
    assert "Credit code" in english["/pool/"] and "Credit code" not in chinese["/pool/"]
    assert "Move to stage" in english[column] and "Move to stage" not in chinese[column]
    assert "Credit code" not in _get(app, zh, "/pool/", "")  # and Chinese again from its own entry
    admin_zh, admin_en = app.test_client(), app.test_client()
    login(admin_zh, world.admin)
    login(admin_en, world.admin)
    with admin_en.session_transaction() as sess:
        sess["lang"] = "en"
    assert "Save targets" not in _get(app, admin_zh, "/dashboard/targets", "")
    assert "Save targets" in _get(app, admin_en, "/dashboard/targets", "")


def test_cached_content_carries_the_asking_sessions_csrf_token_and_its_forms_post(app, world, db):
    """The token in a cached fragment is cut out and the asking session's own put in: two sessions
    of the same officer get the same cached list, each with its own token, and each one's form posts."""
    from pipeline.services import stamp

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        s0, sessions = stamp.current(), []
        for _ in range(2):
            c = app.test_client()
            login(c, world.officer)
            page = fresh(app, c, "get", "/pool/").get_data(as_text=True)
            column = fresh(app, c, "get", f"/pool/kanban/column/{world.own.stage}").get_data(as_text=True)
            for html in (page, column):  # layout, bulk form, cards: one token per response
                found = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))
                assert len(found) == 1 and "\x00" not in html, found
            assert 'id="bulk-form"' in page and 'class="kcard"' in column
            sessions.append((c, found.pop()))
        assert stamp.current() == s0  # the second session was served the first one's cached HTML
        # signed with a time: the session's own raw token is the part before the first "."
        assert sessions[0][1].split(".")[0] != sessions[1][1].split(".")[0]
        for c, token in sessions:
            data = {"csrf_token": token, "action": "stage", "stage": "pool", "reason": "测试"}
            data.update(firm_ids=[world.own.id], back="/pool/")
            resp = fresh(app, c, "post", "/pool/bulk", data=data)
            assert resp.status_code == 302, resp.status_code  # the token is this session's: accepted
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_saved_target_shows_on_the_next_targets_page_with_its_new_version(app, world, db):
    """The targets page is cached for GETs: saving through its own form shows the new value on the
    next page, pre-filled with the new version (so a second save from it is not refused as stale)."""
    c = app.test_client()
    login(c, world.admin)

    def values() -> tuple[str, dict]:
        html = fresh(app, c, "get", "/dashboard/targets?year=2031").get_data(as_text=True)
        return html, dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))

    for hnte in ("700", "800"):
        html, form = values()
        assert (
            fresh(
                app, c, "post", "/dashboard/targets", data={**form, "county": "", "hnte": hnte, "tsme": "900"}
            ).status_code
            == 302
        )
        html, form = values()
        assert form["hnte"] == hnte and f"<td class=\"num\">{hnte}</td>" in html
    with count_queries(db) as seen:
        values()
    assert not any("target" in q for q in seen), seen


def test_the_request_reads_the_stamp_once_until_it_commits(app, db):
    """Within one request the stamp is read once; a commit in this process makes the next read fresh."""
    from pipeline.services import stamp
    from tests import factories as ff

    with app.test_request_context("/"):
        s0 = stamp.current()
        with count_queries(db) as seen:
            assert stamp.current() == s0
        assert seen == []
        ff.county("320799", "测试区")
        db.session.commit()
        assert stamp.current() != s0


def test_the_cache_drops_older_stamps_and_stays_within_its_byte_budget(app, db, monkeypatch):
    from pipeline.services import stamp
    from tests import factories as ff

    stamp.clear()
    calls = []

    def value(tag: str, size: int = 10):
        def compute():
            calls.append(tag)
            return tag * size

        return compute

    ff.county("320798", "甲区")
    db.session.commit()
    stamp.cached("t", (1,), value("a"))
    stamp.cached("t", (1,), value("a"))
    assert calls == ["a"]
    ff.county("320797", "乙区")
    db.session.commit()
    stamp.cached("t", (1,), value("b"))
    assert calls == ["a", "b"] and len(stamp._cache) == 1  # the old stamp's entry is gone
    monkeypatch.setattr(stamp, "CACHE_BYTES", 1000)
    stamp.cached("t", (2,), value("c", 600))
    stamp.cached("t", (3,), value("d", 600))  # over the budget: the least recently used goes
    stamp.cached("t", (2,), value("c", 600))
    assert calls == ["a", "b", "c", "d", "c"]


# ----------------------------------------------------------------------------- detail pages (i15b)


def _page(app, client, url: str, status: int = 200) -> str:
    resp = fresh(app, client, "get", url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _open_milestone(db, firm_id: int):
    from sqlalchemy import select

    from pipeline.models import Milestone

    return db.session.scalars(
        select(Milestone)
        .where(Milestone.firm_id == firm_id, Milestone.status == "todo")
        .order_by(Milestone.id)
    ).first()


def _milestone_item(html: str, mid: int) -> str:
    """The timeline entry of one milestone (its read-only part and its form)."""
    m = re.search(rf'<li class="ms [^"]*" id="ms-{mid}">.*?</li>', html, re.S)
    assert m, f"milestone {mid} is not on the page"
    return m.group(0)


def test_firm_page_and_portal_are_reused_until_a_write_and_show_each_change_on_the_next_request(
    app, world, db
):
    """The read-only content is rendered once per firm, role, day and locale and reused while nothing
    is written; a firm edit, a progress report and a milestone status change posted through the
    pages' forms (as a browser posts them), and a new year's figures each show on the next request
    on the firm page, the portal and the officer's inbox."""
    from pipeline.models import Firm
    from pipeline.services import firms as firm_service
    from tests.web.formdata import form_data

    officer, firm_user = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(firm_user, world.firm_user)
    page, portal = f"/firms/{world.own.id}", "/portal/"
    _page(app, officer, page), _page(app, firm_user, portal)
    for c, url in ((officer, page), (firm_user, portal)):
        with count_queries(db) as seen:
            _page(app, c, url)
        # nothing of the content is read again: no assessment, audit, roadmap or fiscal-year query
        assert not any(
            t in q for q in seen for t in ("FROM assessment", "audit_log", "FROM roadmap", "fiscal_year")
        ), (
            url,
            seen,
        )

    # a firm edit
    firm = db.session.get(Firm, world.own.id)
    assert firm_service.update_firm(world.officer, firm, {"contact_name": "王新联系人"}, TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert "王新联系人" in _page(app, officer, page)

    # the firm reports progress through the portal's form -> the officer sees it to confirm
    ms = _open_milestone(db, world.own.id)
    report = form_data(_page(app, firm_user, portal), f"/milestones/{ms.id}/progress")
    report["progress_note"] = "已提交发明专利申请"
    r = fresh(app, firm_user, "post", f"/firms/{world.own.id}/milestones/{ms.id}/progress", data=report)
    assert r.status_code == 302
    assert "已提交发明专利申请" in _milestone_item(_page(app, officer, page), ms.id)
    assert "已提交发明专利申请" in _milestone_item(_page(app, firm_user, portal), ms.id)
    inbox = _page(app, officer, "/inbox/")
    assert "已提交发明专利申请" in inbox
    db.session.expire_all()
    confirm = form_data(inbox, f"/inbox/firms/{world.own.id}/milestones/{ms.id}")
    assert confirm["version"] == str(db.session.get(type(ms), ms.id).version)  # the form is the row's now

    # the officer marks it done through the firm page's form, posted back as pre-filled
    form = form_data(_page(app, officer, page), f"/milestones/{ms.id}/status")
    r = fresh(
        app,
        officer,
        "post",
        f"/firms/{world.own.id}/milestones/{ms.id}/status",
        data={**form, "status": "done"},
    )
    assert r.status_code == 302
    item = _milestone_item(_page(app, officer, page), ms.id)
    assert 'class="ms ms-done' in item and 'value="done" selected' in item
    assert 'class="ms ms-done' in _milestone_item(_page(app, firm_user, portal), ms.id)
    assert "已提交发明专利申请" not in _page(app, officer, "/inbox/")

    # a new year's figures (a year before the application window: nothing else on the page changes)
    year = last_year() - 3
    assert f"<td>{year}" not in _page(app, officer, page)
    firm_service.save_year(
        world.officer, firm, {"year": year, "sales": 4321, "staff": 70}, TODAY, create_only=True
    )
    db.session.commit()
    html = _page(app, officer, page)
    assert f"<td>{year}" in html and "4,321" in html.replace("4321", "4,321")


def test_english_is_never_served_from_the_chinese_entry(app, world, db):
    officer, firm_user = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(firm_user, world.firm_user)
    for c, url, english in (
        (officer, f"/firms/{world.own.id}", "HNTE conditions"),
        (firm_user, "/portal/", "HNTE conditions"),
        (officer, "/inbox/", "Alert settings"),
        (officer, "/notifications/", "Mark all as read"),
    ):
        zh = _page(app, c, url)
        en = _page(app, c, url + "?lang=en")
        assert english in en and english not in zh, url
        assert english not in _page(app, c, url + "?lang=zh"), url


def test_a_cached_firm_page_is_never_shown_outside_its_scope_or_with_another_roles_parts(app, world, db):
    """The access check runs before the cache; the key holds the firm and what the role may do."""
    officer, officer_b, firm_user = app.test_client(), app.test_client(), app.test_client()
    login(officer, world.officer)
    login(officer_b, world.officer_b)
    login(firm_user, world.firm_user)
    own, same = f"/firms/{world.own.id}", f"/firms/{world.same.id}"
    staff_page = _page(app, officer, own)
    assert f"/firms/{world.own.id}/edit" in staff_page and "/status" in staff_page
    _page(app, officer, same)
    _page(app, officer_b, own, 404)  # another county's officer: cached or not, no page
    _page(app, firm_user, same, 404)  # a firm user sees only their own firm
    as_firm = _page(app, firm_user, own)
    assert f"/firms/{world.own.id}/edit" not in as_firm and "/status" not in as_firm
    assert "/progress" in as_firm and "/delete" not in as_firm  # the firm user's own parts
    again = _page(app, officer, own)  # the officer's entry is untouched by the firm user's
    assert f"/firms/{world.own.id}/edit" in again and "/status" in again


def test_forms_carry_the_current_version_and_the_requesters_own_token_even_when_the_content_is_cached(
    app, world, db, monkeypatch
):
    """A form's pre-fill is never from the cache: with the data stamp frozen (as if a write had been
    missed) the content is the cached one, yet each milestone form carries the row's current version
    and status, and every form carries the token of the session that asked, which the app accepts."""
    from pipeline.models import Milestone, User
    from pipeline.services import stamp
    from tests.web.formdata import form_data

    second = f.user("officer_a2", "officer", county=world.county_a, display_name="海州专员乙")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c1, c2 = app.test_client(), app.test_client()
        login(c1, world.officer)
        login(c2, db.session.get(User, second.id))
        page = f"/firms/{world.own.id}"
        ms = _open_milestone(db, world.own.id)
        monkeypatch.setattr(stamp, "current", lambda: 42)  # frozen: the content is never rendered again
        first = _page(app, c1, page)
        other = _page(app, c2, page)
        tokens1 = set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', first))
        tokens2 = set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', other))
        assert len(tokens1) == 1 and len(tokens2) == 1 and tokens1 != tokens2
        assert first.count(tokens1.pop()) > 5  # delete buttons, regenerate, milestone forms, layout

        row = db.session.get(Milestone, ms.id)
        row.status, row.version = "doing", row.version + 1
        db.session.commit()
        form = form_data(_page(app, c2, page), f"/milestones/{ms.id}/status")
        assert form["version"] == str(row.version) and form["status"] == "doing"
        # the content around it is the cached one (the frozen stamp): only the form was read again
        assert 'class="ms ms-todo' in _milestone_item(_page(app, c2, page), ms.id)
        r = fresh(
            app,
            c2,
            "post",
            f"/firms/{world.own.id}/milestones/{ms.id}/status",
            data={**form, "status": "done"},
        )
        assert r.status_code == 302  # the session's own token and the current version: accepted
        db.session.expire_all()
        assert db.session.get(Milestone, ms.id).status == "done"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_reports_page_counties_are_reused_until_a_write_and_each_user_sees_only_theirs(app, world, db):
    """The counties' names are kept per data stamp; which ones a user may brief is decided per request."""
    from pipeline.models import County

    officer, admin = app.test_client(), app.test_client()
    login(officer, world.officer)
    login(admin, world.admin)
    as_officer = _page(app, officer, "/reports/")
    assert "海州区" in as_officer and "连云区" not in as_officer
    as_admin = _page(app, admin, "/reports/")
    assert "海州区" in as_admin and "连云区" in as_admin
    db.session.get(County, world.county_b.id).name = "连云区（新）"
    db.session.commit()
    assert "连云区（新）" in _page(app, admin, "/reports/")
    assert "连云区" not in _page(app, officer, "/reports/")


def test_the_cached_top_bar_keeps_each_requests_return_path_active_link_and_user(app, world, db):
    """The logged-in top bar is cached per user, page, day and locale: the language switcher still
    returns to the very URL asked for (escaped), the active link follows the page, and a change to the
    user (a write) shows on the next page."""
    from pipeline.models import User
    from pipeline.services import stamp

    c = app.test_client()
    login(c, world.officer)
    s0 = stamp.current()

    def next_path(html: str) -> str:
        return re.search(r'<input type="hidden" name="next" value="([^"]*)"', html).group(1)

    first = _get(app, c, "/pool/?q=甲", "")
    second = _get(app, c, "/pool/?q=<b>乙</b>", "")
    assert next_path(first) == "/pool/?q=甲"
    assert next_path(second) == "/pool/?q=&lt;b&gt;乙&lt;/b&gt;"  # this request's own, escaped
    assert "<b>乙" not in second.split('<main class="content">')[0]
    pool_link = r'<a href="/pool/" class="([^"]*)">'
    kanban_link = r'<a href="/pool/kanban" class="([^"]*)">'
    assert re.search(pool_link, first).group(1) == "active" and re.search(kanban_link, first).group(1) == ""
    kanban = _get(app, c, "/pool/kanban", "")
    assert re.search(pool_link, kanban).group(1) == "" and re.search(kanban_link, kanban).group(1) == "active"
    assert stamp.current() == s0 and "海州专员" in first
    user = db.session.get(User, world.officer.id)
    user.display_name = "海州专员改名"
    db.session.commit()
    assert "海州专员改名" in _get(app, c, "/pool/?q=甲", "")


def test_a_repeat_firm_page_view_reuses_its_filled_forms_until_a_row_they_show_changes(
    app, world, db, monkeypatch
):
    """Issue 15: a repeat view of the firm page fills its dozen form holes once, then reuses the filled
    page while the rows its forms show are the same; a milestone's new status is on the next view."""
    from itsdangerous import TimestampSigner

    from pipeline.models import Milestone
    from pipeline.services import stamp
    from pipeline.web import fragments
    from tests.web.formdata import form_data

    c = app.test_client()
    login(c, world.officer)
    page = f"/firms/{world.own.id}"
    ms = _open_milestone(db, world.own.id)
    fills, real = [], fragments.fill
    monkeypatch.setattr(fragments, "fill", lambda html, live: fills.append(1) or real(html, live))
    monkeypatch.setattr(stamp, "current", lambda: 7)  # the content stays cached: only the holes could change
    # the CSRF token (a hole) is re-signed with the second: hold the clock so a tick cannot refill the page
    held = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: held)
    first = _page(app, c, page)
    assert _page(app, c, page) == first and len(fills) == 1  # the second view was the memoized fill

    row = db.session.get(Milestone, ms.id)
    row.status, row.version = "doing", row.version + 1
    db.session.commit()
    form = form_data(_page(app, c, page), f"/milestones/{ms.id}/status")
    assert len(fills) == 2 and form["version"] == str(row.version) and form["status"] == "doing"


def test_a_request_reads_its_data_stamp_with_its_user_in_one_query(app, world, db):
    """Issue 15 (fixed cost): the stamp that guards every cached fragment comes with the user load,
    not as a round trip of its own; and a write made meanwhile is seen by the next request."""
    c = app.test_client()
    login(c, world.officer)
    assert world.own.name in fresh(app, c, "get", "/pool/").get_data(as_text=True)  # now cached
    with count_queries(db) as seen:
        assert fresh(app, c, "get", "/pool/").status_code == 200
    stamped = [q for q in seen if "data_stamp" in q]
    assert len(stamped) == 1 and "user_account" in stamped[0], seen
    world.own.name = "改名后的科技有限公司"
    db.session.commit()
    assert "改名后的科技有限公司" in fresh(app, c, "get", "/pool/").get_data(as_text=True)


def test_reports_page_reads_its_jobs_live_and_its_briefing_table_once_per_data_stamp(app, world, db):
    """Issue 15: a repeat of the reports page reads the user, the data stamp, the jobs and the
    scheduler's heartbeat (no county, no firm); a job queued or advanced (the job table does not move
    the stamp) shows on the very next request, and only the jobs of the officer's county."""
    from pipeline.models import Job
    from pipeline.services import stamp

    again = _queries(app, db, world.officer, "/reports/", cold=False)
    assert len(again) <= 4, again
    assert not any(" county" in q or " firm" in q for q in again), again
    c = app.test_client()
    login(c, world.officer)
    assert "还没有导出任务" in _page(app, c, "/reports/")
    s0 = stamp.current()
    own = Job(kind="roadmaps_county", county_id=world.county_a.id, status="running", progress=3, total=9)
    other = Job(kind="roadmaps_county", county_id=world.county_b.id, status="running", progress=5, total=7)
    db.session.add_all([own, other])
    db.session.commit()
    assert stamp.current() == s0  # the jobs did not move the stamp: the page must not cache them
    page = _page(app, c, "/reports/")
    assert "<td>3/9</td>" in page and "<td>5/7</td>" not in page
    own.progress = 4
    db.session.commit()
    assert "<td>4/9</td>" in _page(app, c, "/reports/")
