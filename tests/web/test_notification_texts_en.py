"""Issue 17 (English half, i14): event notifications are stored with their message code and shown in
each reader's language: an English officer reads the firm's submission in English, the Chinese firm user
reads the decision in the Chinese sentence it always had (the status by its label, never its key)."""

from __future__ import annotations

import re

from sqlalchemy import select

from pipeline.models import FigureSubmission, Reminder, User
from pipeline.reminders.deliver import deliver_pending
from tests.conftest import login
from tests.web.conftest import fresh, last_year
from tests.web.test_submissions import _form_values

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _client(app, user):
    c = app.test_client()
    with app.app_context():
        login(c, user)
    return c


def _notices(html: str) -> list[str]:
    return re.findall(r'class="notice-(?:title|body)">(.*?)</', html, re.S)


def test_submission_and_decision_notifications_in_each_readers_language(app, world, db):
    db.session.get(User, world.officer.id).locale = "en"
    db.session.commit()
    year = last_year()
    firm_c = _client(app, world.firm_user)
    html = fresh(app, firm_c, "get", f"/portal/figures?year={year}").get_data(as_text=True)
    data = _form_values(html, 'method="post" novalidate')
    data.update(rd_total="320", rd_domestic="320")
    assert fresh(app, firm_c, "post", "/portal/figures", data=data).status_code == 302
    row = db.session.scalars(select(Reminder).where(Reminder.rule == "submission")).one()
    name = world.own.name
    assert row.title == f"{name}报送了{year}年度新数据"  # stored in Chinese, with its code
    assert row.msg_code == "submission" and row.msg_params == {"firm": name, "year": year, "n": 2}
    with app.app_context():
        deliver_pending(channels_only=("inapp",))

    off = _client(app, world.officer)  # the officer saved English
    page = fresh(app, off, "get", "/notifications/").get_data(as_text=True)
    notices = _notices(page)
    assert f"New figures from {name} for {year}" in notices
    assert f"{name} submitted 2 changed figures for {year}; review them on the firm page." in notices
    assert all(not CJK.search(t.replace(name, "")) for t in notices), notices

    sub = db.session.scalars(select(FigureSubmission)).one()
    firm_page = fresh(app, off, "get", f"/firms/{world.own.id}").get_data(as_text=True)
    review = _form_values(firm_page, f'action="/firms/{world.own.id}/submissions/{sub.id}/review"')
    resp = fresh(
        app,
        off,
        "post",
        f"/firms/{world.own.id}/submissions/{sub.id}/review",
        data={
            "csrf_token": review.get("csrf_token", ""),
            "decision": "accept_selected",
            "fields": ["rd_total"],
            "review_note": "",
        },
    )
    assert resp.status_code == 302
    with app.app_context():
        deliver_pending(channels_only=("inapp",))
    mine = fresh(app, _client(app, world.firm_user), "get", "/notifications/").get_data(as_text=True)
    assert f"您报送的{year}年度数据已审核" in _notices(mine)
    assert "审核结果：部分采纳。" in _notices(mine)  # the label, not "partial"
    en = fresh(app, _client(app, world.firm_user), "get", "/notifications/?lang=en").get_data(as_text=True)
    assert f"Your figures for {year} were reviewed" in _notices(en)
    assert "Decision: Partly accepted. " in _notices(en)
