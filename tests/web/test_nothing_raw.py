"""Issue 17, "nothing raw": a crawl over the demo city (seeded small, with some real activity) as the
city admin, a county officer and a firm user. No page may show "None", "null", a raw field key or an
exception class name; the history shows labels and old → new values, the delivery log a Chinese reason."""

from __future__ import annotations

import re
import socket
from collections import Counter, deque
from datetime import date

import pytest
from sqlalchemy import select

from pipeline.models import Firm, FiscalYear, Milestone, User
from pipeline.vocabulary import AUDIT_FIELDS, FIRM_FIELDS, YEAR_FIELDS
from tests.conftest import login
from tests.web.conftest import fresh

TODAY = date(2026, 11, 27)
# field keys that would only reach a page raw (labels exist for all of them)
RAW_KEYS = sorted(
    {k for k in (*FIRM_FIELDS, *YEAR_FIELDS, *FiscalYear.FIELDS, *AUDIT_FIELDS) if "_" in k}
    | {"evidence_note", "progress_note", "progress_pending", "is_estimate", "done_on", "accepted_fields"}
)
BAD = [
    (re.compile(r"(?<![\w.])None(?![\w])"), "None"),
    (re.compile(r"(?<![\w.])null(?![\w])"), "null"),
    (re.compile(r"(?<![\w.])(?:[A-Z][a-z]+)+(?:Error|Exception)(?![\w])"), "exception class name"),
    (re.compile(r"(?<![\w@.\-/])(?:" + "|".join(RAW_KEYS) + r")(?![\w@.\-])"), "raw field key"),
]
SKIP = re.compile(
    r"^/(logout|api/|static/|openapi|language)|\.(xlsx|pdf|zip|csv|json|svg|png)(\?|$)|/export|/download|/pdf"
)
PER_PATTERN = 3  # pages per URL shape (digits replaced): /firms/1, /firms/2, /firms/3 ... enough
LIMIT = 120  # pages per user


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", "\n", html)
    import html as h

    return h.unescape(html)


def problems(html: str) -> list[str]:
    text = visible_text(html)
    out = []
    for rx, what in BAD:
        for m in rx.finditer(text):
            a, b = max(0, m.start() - 40), m.end() + 40
            out.append(f"{what}: …{' '.join(text[a:b].split())}…")
    return out


def crawl(app, client, starts: list[str]) -> tuple[dict, int]:
    seen, shapes, found = set(), Counter(), {}
    queue = deque(starts)
    n = 0
    while queue and n < LIMIT:
        url = queue.popleft().split("#")[0]
        if not url or url in seen or SKIP.search(url):
            continue
        seen.add(url)
        shape = re.sub(r"\d+", "N", url.split("?")[0])
        shapes[shape] += 1
        if shapes[shape] > PER_PATTERN:
            continue
        resp = fresh(app, client, "get", url)
        n += 1
        if resp.status_code in (301, 302, 303):
            queue.append(resp.headers["Location"].replace("http://localhost", ""))
            continue
        assert resp.status_code < 500, f"{url}: HTTP {resp.status_code}"
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        html = resp.get_data(as_text=True)
        bad = problems(html)
        if bad:
            found[url] = bad[:5]
        for href in re.findall(r'href="(/[^"]*)"', html):
            queue.append(href.replace("&amp;", "&"))
    return found, n


@pytest.fixture
def demo_city(app, db, runner, monkeypatch):
    """The demo city, small, plus the everyday writes that fill the history and the delivery log."""
    from pipeline.reminders.deliver import deliver_pending
    from pipeline.reminders.scan import run_scan
    from pipeline.services import firms as svc

    out = runner.invoke(args=["seed-demo", "--firms", "36", "--seed", "5", "--today", TODAY.isoformat()])
    assert out.exit_code == 0, out.output
    firm_user = db.session.scalars(select(User).where(User.role == "firm").order_by(User.id)).first()
    firm = db.session.get(Firm, firm_user.firm_id)
    officer = (
        db.session.scalars(
            select(User).where(
                User.role == "officer", User.county_id == firm.county_id, User.node_id.is_(None)
            )
        ).first()
        or db.session.scalars(
            select(User).where(User.role == "officer", User.county_id == firm.county_id)
        ).first()
    )
    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    # an officer edits the profile, a year's figures, a milestone; moves the stage
    svc.update_firm(officer, firm, {"contact_phone": "0518-85550000", "notes": ""}, TODAY)
    year = db.session.scalar(
        select(FiscalYear.year).where(FiscalYear.firm_id == firm.id).order_by(FiscalYear.year.desc())
    )
    if year:
        svc.save_year(officer, firm, {"year": year, "rd_total": "123.4", "is_estimate": True}, TODAY)
    ms = db.session.scalars(
        select(Milestone).where(Milestone.firm_id == firm.id).order_by(Milestone.id)
    ).first()
    if ms is not None:
        svc.update_milestone(officer, firm, ms, "doing", None, TODAY)
    db.session.commit()
    # the firm submits figures and reports progress; the officer accepts the figures
    sub = svc.submit_figures(firm_user, firm, {"year": str(year or TODAY.year - 1), "staff": "77"})
    svc.review_submission(officer, firm, sub, "accept", None, TODAY)
    db.session.commit()
    # issue 17: the officer sets the county's group robot (its history is shown on the robot page)
    from pipeline.services import robots

    robots.save(
        officer,
        firm.county,
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef0123",
        "daily",
        robots.version(firm.county),
    )
    db.session.commit()
    # e-mail through a mail server that is down: the delivery log has a failure to explain
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for k, v in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_ENABLED": True,
        "MAIL_TIMEOUT": 2,
    }.items():
        monkeypatch.setitem(app.config, k, v)
    run_scan(TODAY)
    deliver_pending(channels_only=("email",), limit=3)
    return {"admin": admin, "officer": officer, "firm_user": firm_user, "firm": firm}


def test_no_page_of_the_demo_city_shows_none_null_a_field_key_or_an_exception_name(app, db, demo_city):
    firm = demo_city["firm"]
    starts = {
        "admin": [
            "/",
            "/admin/",
            "/admin/reminders/",
            "/dashboard/",
            "/pool/",
            f"/firms/{firm.id}",
            "/account/",
            "/robots/",
        ],
        "officer": [
            "/",
            "/pool/",
            "/pool/kanban",
            "/inbox/",
            f"/firms/{firm.id}",
            "/notifications/",
            "/account/",
            "/robots/",
        ],
        "firm_user": ["/", "/portal/", "/portal/figures", "/inbox/", "/notifications/", "/account/"],
    }
    report, total = {}, 0
    for who, urls in starts.items():
        client = app.test_client()
        login(client, demo_city[who])
        found, n = crawl(app, client, urls)
        total += n
        report.update({f"{who} {u}": v for u, v in found.items()})
    assert total > 60  # the crawl really walked the app
    # and it saw what it is meant to judge: the history in words, the delivery log's reason
    officer = app.test_client()
    login(officer, demo_city["officer"])
    html = fresh(app, officer, "get", f"/firms/{firm.id}").get_data(as_text=True)
    assert "联系电话：</span>" in html and "0518-85550000</strong>" in html
    assert "研发费用（万元）：</span>" in html and "→ <strong>123.4</strong>" in html
    assert "状态：</span>待办 → <strong>进行中</strong>" in html
    assert "审核结果：</span>待审核 → <strong>已采纳</strong>" in html
    admin = app.test_client()
    login(admin, demo_city["admin"])
    html = fresh(app, admin, "get", "/admin/reminders/").get_data(as_text=True)
    assert "连接被拒绝" in html
    html = fresh(app, officer, "get", f"/robots/{firm.county_id}").get_data(as_text=True)
    assert (
        "群机器人提醒方式：</span>仅紧急提醒即时发送，其余每周汇总 → <strong>仅紧急提醒即时发送，其余每日汇总</strong>"
        in html
    )
    assert "key=0123****0123" in html
    assert not report, "\n".join(f"{u}:\n  " + "\n  ".join(v) for u, v in report.items())


def test_the_pdfs_of_the_demo_city_show_no_none_or_raw_text(app, db, demo_city):
    """The roadmap of every firm and the county and city briefings, as the HTML WeasyPrint turns into PDF."""
    from pipeline.models import County
    from pipeline.reports.context import briefing_context, roadmap_contexts
    from pipeline.reports.documents import briefing_html, roadmap_html

    ids = list(db.session.scalars(select(Firm.id).order_by(Firm.id)))
    found = {}
    with app.test_request_context():
        for fid, ctx in roadmap_contexts(ids, TODAY).items():
            bad = problems(roadmap_html(ctx))
            if bad:
                found[f"roadmap {fid}"] = bad[:3]
        for county in [None, *db.session.scalars(select(County).order_by(County.id)).all()[:2]]:
            bad = problems(briefing_html(briefing_context(county, TODAY)))
            if bad:
                found[f"briefing {county.name if county else '全市'}"] = bad[:3]
    assert len(ids) >= 30
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
