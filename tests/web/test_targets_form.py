"""Issue 11: the targets form is pre-filled; a blank field keeps its value; city vs sum of counties."""

from __future__ import annotations

import re

from sqlalchemy import select

from pipeline.models import Target
from pipeline.services.goals import set_target
from tests.conftest import login
from tests.web.conftest import fresh


def test_targets_prefilled_and_blank_keeps_value(app, world, db):
    set_target(world.admin, None, 2027, 1000, 2000, "十四五高企倍增计划")
    db.session.commit()  # services flush; the caller commits (issue 13)
    set_target(world.admin, world.county_a.id, 2027, 300, 500)
    db.session.commit()  # services flush; the caller commits (issue 13)
    set_target(world.admin, world.county_b.id, 2027, 200, 400)
    db.session.commit()  # services flush; the caller commits (issue 13)
    c = app.test_client()
    login(c, world.admin)
    html = fresh(app, c, "get", "/dashboard/targets?year=2027").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    assert values["hnte"] == "1000" and values["plan_name"] == "十四五高企倍增计划"
    assert "1000 / 500" in html  # city target against the counties' sum
    values.update(tsme="2100", plan_name="")  # the admin changes one number and clears nothing on purpose
    resp = fresh(app, c, "post", "/dashboard/targets", data={**values, "county": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    t = db.session.scalars(select(Target).where(Target.county_id.is_(None), Target.year == 2027)).one()
    assert (t.hnte_target, t.tsme_target, t.plan_name) == (1000, 2100, "十四五高企倍增计划")
