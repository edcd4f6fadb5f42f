"""Issue 17: the admin edits the reward amounts and the roadmap PDF quotes the new ones."""

from __future__ import annotations

from sqlalchemy import select

from pipeline import clock
from pipeline.models import AuditLog
from tests.conftest import login
from tests.web.conftest import fresh
from tests.web.formdata import form_data


def _pdf_text(app, firm_id) -> str:
    from pipeline.reports.context import roadmap_contexts
    from pipeline.reports.documents import roadmap_html

    with app.test_request_context():
        return roadmap_html(roadmap_contexts([firm_id], clock.today())[firm_id])


def test_admin_changes_a_reward_and_the_pdf_quotes_it(app, world, db):
    assert "<td class=\"num\">15</td>" in _pdf_text(app, world.own.id)
    c = app.test_client()
    login(c, world.admin)
    html = fresh(app, c, "get", "/admin/rewards").get_data(as_text=True)
    data = form_data(html, "/admin/rewards")
    assert (data["amount-0"], data["amount-1"], data["amount-2"]) == (
        "5",
        "15",
        "",
    )  # pre-filled, 按比例 blank
    # posted back as shown: nothing changes
    resp = fresh(app, c, "post", "/admin/rewards", data=data, follow_redirects=True)
    assert "没有修改任何内容" in resp.get_data(as_text=True)
    assert db.session.scalars(select(AuditLog).where(AuditLog.entity == "setting")).all() == []
    bad = dict(data, **{"amount-1": "二十"})
    resp = fresh(app, c, "post", "/admin/rewards", data=bad)
    assert resp.status_code == 422 and "“认定培育奖励”" in resp.get_data(as_text=True)
    stale = dict(data)
    data["amount-1"] = "20"
    resp = fresh(app, c, "post", "/admin/rewards", data=data, follow_redirects=True)
    assert "奖励金额已保存" in resp.get_data(as_text=True)
    text = _pdf_text(app, world.own.id)
    assert "<td>认定培育奖励</td><td class=\"num\">20</td>" in text
    assert (
        "<td>入库培育奖励</td><td class=\"num\">5</td>" in text and "按比例" in text
    )  # the others unchanged
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "setting")).one()
    assert log.before == {"认定培育奖励": 15} and log.after == {"认定培育奖励": 20}
    # a page opened before that save is refused
    stale["amount-0"] = "8"
    resp = fresh(app, c, "post", "/admin/rewards", data=stale)
    assert resp.status_code == 409
    assert "<td>入库培育奖励</td><td class=\"num\">5</td>" in _pdf_text(app, world.own.id)
    # officers cannot reach it
    o = app.test_client()
    login(o, world.officer)
    assert fresh(app, o, "get", "/admin/rewards").status_code in (403, 404)
