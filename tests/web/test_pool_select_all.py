"""Issue 17: "select all N that match" on the pool list's bulk actions (not only the visible page)."""

from __future__ import annotations

from sqlalchemy import select

from pipeline.models import Firm, StageChange
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import fresh
from tests.web.formdata import form_data


def test_all_matching_firms_move_and_a_changed_list_is_refused(app, world, db, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    c = app.test_client()
    login(c, world.officer)
    html = fresh(app, c, "get", "/pool/?sort=name").get_data(as_text=True)
    assert "全部 2 家符合筛选条件的企业" in html  # the officer's county A: own + same, one per page
    data = form_data(html, "/pool/bulk")
    assert "all_matching" not in data and data["matching"] == "2"
    data.update({"all_matching": "1", "action": "stage", "stage": "coaching", "reason": "集中辅导"})
    stale = dict(data)
    resp = fresh(app, c, "post", "/pool/bulk", data=data, follow_redirects=True)
    assert "已将 2 家企业移至" in resp.get_data(as_text=True)
    db.session.expire_all()
    stages = dict(db.session.execute(select(Firm.id, Firm.stage)).all())
    assert stages[world.own.id] == stages[world.same.id] == "coaching"
    assert stages[world.other.id] != "coaching"  # county B is not in the officer's list
    assert len(db.session.scalars(select(StageChange).where(StageChange.reason == "集中辅导")).all()) == 2
    # a firm added since the page was opened: the count differs, nothing is changed
    f.firm(world.county_a, "丁新能源有限公司")
    db.session.commit()
    stale["stage"] = "to_apply"
    resp = fresh(app, c, "post", "/pool/bulk", data=stale, follow_redirects=True)
    assert "现有 3 家企业符合筛选条件" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Firm.stage).where(Firm.id == world.own.id)) == "coaching"
