"""Issue 17: the inbox lists what needs the user, in scope, and its inline actions work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pipeline import clock
from pipeline.models import FigureSubmission, Firm, Milestone
from tests.conftest import client_for
from tests.web.conftest import fresh, last_year


def _submit(db, firm, user, year=None):
    sub = FigureSubmission(
        firm_id=firm.id,
        year=year or last_year(),
        submitted_by_id=user.id,
        data={"sales": "3600", "rd_total": "320"},
    )
    db.session.add(sub)
    db.session.commit()
    return sub.id


def test_inbox_shows_a_submission_in_scope_and_accepting_it_clears_it(app, world, db):
    sid = _submit(db, world.own, world.firm_user)
    _submit(db, world.other, world.firm_user)  # county B: never in county A's inbox
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", "/inbox/").get_data(as_text=True)
    assert "待审核的企业报送" in html and world.own.name in html and world.other.name not in html
    assert 'id="nav-inbox"' in html and 'class="nav-count"' in html
    r = fresh(
        app,
        c,
        "post",
        f"/inbox/firms/{world.own.id}/submissions/{sid}",
        data={"decision": "accept", "review_note": ""},
    )
    assert r.status_code == 302 and r.headers["Location"].startswith("/inbox/")
    assert db.session.get(FigureSubmission, sid).status == "accepted"
    html = fresh(app, c, "get", "/inbox/?kind=submission").get_data(as_text=True)
    assert f"/submissions/{sid}" not in html
    # another county's submission cannot be reviewed through the inbox either
    other_sid = db.session.scalar(
        select(FigureSubmission.id).where(FigureSubmission.firm_id == world.other.id)
    )
    assert (
        fresh(
            app,
            c,
            "post",
            f"/inbox/firms/{world.other.id}/submissions/{other_sid}",
            data={"decision": "accept"},
        ).status_code
        == 404
    )


def test_returned_submission_is_the_firms_todo_until_resubmitted(app, world, db):
    sid = _submit(db, world.own, world.firm_user)
    c = client_for(app, world.officer)
    fresh(
        app,
        c,
        "post",
        f"/inbox/firms/{world.own.id}/submissions/{sid}",
        data={"decision": "reject", "review_note": "研发费用与辅助账不符"},
    )
    fc = client_for(app, world.firm_user)
    html = fresh(app, fc, "get", "/inbox/").get_data(as_text=True)
    assert "已退回：请修改后重新报送" in html and "研发费用与辅助账不符" in html
    _submit(db, world.own, world.firm_user)
    html = fresh(app, fc, "get", "/inbox/?kind=returned").get_data(as_text=True)
    assert "研发费用与辅助账不符" not in html
    # firm users cannot use the officer's actions
    assert (
        fresh(
            app, fc, "post", f"/inbox/firms/{world.own.id}/submissions/{sid}", data={"decision": "accept"}
        ).status_code
        == 404
    )


def test_progress_report_confirmed_inline_and_overdue_listed(app, world, db):
    ms = db.session.scalars(
        select(Milestone).where(Milestone.firm_id == world.own.id).order_by(Milestone.due)
    ).first()
    ms.progress_note, ms.progress_pending = "已提交专利申请", True
    late = db.session.scalars(select(Milestone).where(Milestone.firm_id == world.same.id)).first()
    late.due = clock.today() - timedelta(days=3)
    db.session.get(Firm, world.same.id).hnte_cert_expiry = clock.today() + timedelta(days=30)
    db.session.commit()
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", "/inbox/").get_data(as_text=True)
    assert "已提交专利申请" in html and "已逾期 3 天" in html and "有风险的高企证书" in html
    html = fresh(app, c, "get", f"/inbox/?firm={world.same.id}").get_data(as_text=True)
    assert "已提交专利申请" not in html and late.title in html
    r = fresh(app, c, "post", f"/inbox/firms/{world.own.id}/milestones/{ms.id}", data={"status": "done"})
    assert r.status_code == 302
    db.session.expire_all()
    ms = db.session.get(Milestone, ms.id)
    assert ms.status == "done" and not ms.progress_pending and ms.progress_note == "已提交专利申请"
    # a firm outside the scope as filter is 404
    assert fresh(app, c, "get", f"/inbox/?firm={world.other.id}").status_code == 404


def test_inbox_in_english(app, world, db):
    _submit(db, world.own, world.firm_user)
    c = client_for(app, world.officer)
    html = fresh(app, c, "get", "/inbox/?lang=en").get_data(as_text=True)
    assert "Submissions to review" in html


def test_inbox_milestone_titles_in_english_from_their_message(app, world, db):
    """Issue 17: a planned milestone keeps its title's message; the English inbox renders it, the
    Chinese one shows the stored title."""
    import re

    late = db.session.scalars(
        select(Milestone).where(Milestone.firm_id == world.own.id).order_by(Milestone.due)
    ).first()
    assert late.title_msg and late.title_msg["code"].startswith("ms.")
    late.due = clock.today() - timedelta(days=3)
    db.session.commit()
    c = client_for(app, world.officer)
    zh = fresh(app, c, "get", "/inbox/?kind=overdue").get_data(as_text=True)
    en = fresh(app, c, "get", "/inbox/?kind=overdue&lang=en").get_data(as_text=True)
    from markupsafe import escape

    assert f'<span class="inbox-title">{escape(late.title)}</span>' in zh
    titles = re.findall(r'<span class="inbox-title">(.*?)</span>', en)
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    assert titles and all(not cjk.search(t) for t in titles), titles
