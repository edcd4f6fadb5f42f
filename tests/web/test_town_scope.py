"""Issue 18: the access matrix for town officers, the town in Excel and the API's ``?town=`` filter.

Every firm-addressed GET route (discovered from the URL map, as in test_scope_matrix) × a town officer of
town 1 (county A): their town's firm → 200; a firm of a sibling town in the same county → 404; a firm of
another county → 404. County-level pages (county dashboard, county briefing PDF, county batch jobs) → 404.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.conftest import login
from tests.web.conftest import fresh
from tests.web.test_excel import _row, _upload, _xlsx
from tests.web.test_scope_matrix import RULES


@pytest.fixture
def towns(db, world):
    from pipeline.services import departments

    t1 = departments.add_town(world.county_a, "新海街道", "street")
    t2 = departments.add_town(world.county_a, "浦南镇", "town")
    tb = departments.add_town(world.county_b, "墟沟街道", "street")
    world.own.town_id, world.same.town_id, world.other.town_id = t1.id, t2.id, tb.id
    officer = f.user("officer_t1", "officer", county=world.county_a, display_name="新海专员")
    officer.node_id = t1.id
    db.session.commit()
    return {"t1": t1, "t2": t2, "tb": tb, "officer": officer}


@pytest.mark.parametrize("rule", RULES)
def test_town_officer_matrix(app, world, towns, rule):
    from flask import url_for

    adapter_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule and "GET" in r.methods)
    view = app.view_functions[adapter_rule.endpoint]
    client, headers = app.test_client(), {}
    if rule.startswith("/api/"):
        from pipeline.services.tokens import issue_token

        headers["Authorization"] = f"Bearer {issue_token(towns['officer'], 'matrix')}"
        from pipeline.extensions import db as _db

        _db.session.commit()  # services flush; the test is the caller that commits (issue 13)
    else:
        login(client, towns["officer"])
    failures = []
    for firm, allowed in ((world.own, True), (world.same, False), (world.other, False)):
        if getattr(view, "admin_only", False):
            allowed = False
        with app.test_request_context():
            url = url_for(adapter_rule.endpoint, firm_id=firm.id)
        with app.app_context():
            resp = client.get(url, headers=headers)
        if resp.status_code != (200 if allowed else 404):
            failures.append(f"{url}: {resp.status_code}")
    assert not failures, "\n".join(failures)


def test_town_officer_pool_shows_only_their_town(app, world, towns):
    c = app.test_client()
    login(c, towns["officer"])
    html = fresh(app, c, "get", "/pool/").get_data(as_text=True)
    assert world.own.name in html and world.same.name not in html and world.other.name not in html


def test_county_level_pages_are_not_for_town_officers(app, world, towns):
    c = app.test_client()
    login(c, towns["officer"])
    assert fresh(app, c, "get", f"/dashboard/?county={world.county_a.id}").status_code == 404
    assert fresh(app, c, "get", f"/dashboard/?town={towns['t2'].id}").status_code == 404
    assert fresh(app, c, "get", f"/reports/briefing/county/{world.county_a.id}.pdf").status_code == 404
    # their own town's dashboard is theirs
    resp = fresh(app, c, "get", "/dashboard/")
    assert resp.status_code == 200 and "新海街道" in resp.get_data(as_text=True)
    # a county officer of the same county still sees the county and its towns
    c2 = app.test_client()
    login(c2, world.officer)
    assert fresh(app, c2, "get", f"/dashboard/?town={towns['t2'].id}").status_code == 200
    assert fresh(app, c2, "get", f"/dashboard/?town={towns['tb'].id}").status_code == 404


def test_api_filters_by_town_within_scope(app, world, towns):
    from pipeline.services.tokens import issue_token

    c = app.test_client()
    h = {"Authorization": f"Bearer {issue_token(world.officer, 'api')}"}
    ht = {"Authorization": f"Bearer {issue_token(towns['officer'], 'api')}"}
    from pipeline.extensions import db as _db

    _db.session.commit()  # services flush; the test is the caller that commits (issue 13)
    body = fresh(app, c, "get", f"/api/v1/firms?town={towns['t2'].id}", headers=h).get_json()
    assert [i["id"] for i in body["items"]] == [world.same.id] and body["items"][0]["town_id"] == towns[
        "t2"
    ].id
    # another county's town: the scope still applies (nothing, not an error that says it exists)
    body = fresh(app, c, "get", f"/api/v1/firms?town={towns['tb'].id}", headers=h).get_json()
    assert body["items"] == [] and body["total"] == 0
    body = fresh(app, c, "get", "/api/v1/firms", headers=ht).get_json()
    assert [i["id"] for i in body["items"]] == [world.own.id]
    assert fresh(app, c, "get", f"/api/v1/goals?town={towns['t2'].id}", headers=ht).status_code == 404
    assert fresh(app, c, "get", "/api/v1/goals", headers=ht).get_json()["scope"]["town_id"] == towns["t1"].id


def test_import_sets_the_town_and_names_row_and_column_of_an_unknown_town(app, world, towns, db):
    from pipeline.models import DeptNode, Firm

    c = app.test_client()
    login(c, world.officer)
    bad = _xlsx([_row(1, **{"乡镇/街道": "浦南镇"}), _row(2, **{"乡镇/街道": "不存在镇"})])
    html = _upload(app, c, bad).get_data(as_text=True)
    assert "第3行“乡镇/街道”列：海州区没有名为“不存在镇”的乡镇、街道或园区" in html
    assert db.session.scalar(select(Firm).where(Firm.name == "导入测试企业1")) is None  # nothing half-written
    good = _xlsx([_row(1, **{"乡镇/街道": "浦南镇"}), _row(2)])
    _upload(app, c, good)
    assert fresh(app, c, "post", "/pool/import/confirm").status_code == 302
    one = db.session.scalar(select(Firm).where(Firm.name == "导入测试企业1"))
    two = db.session.scalar(select(Firm).where(Firm.name == "导入测试企业2"))
    assert one.town_id == towns["t2"].id
    assert db.session.get(DeptNode, two.town_id).kind == "unassigned"  # blank town: the county's holding node
    # a town officer cannot put a firm into the sibling town
    ct = app.test_client()
    login(ct, towns["officer"])
    html = _upload(app, ct, _xlsx([_row(3, **{"乡镇/街道": "浦南镇"})])).get_data(as_text=True)
    assert "第2行“乡镇/街道”列：“浦南镇”不在您的管辖范围内" in html


def test_export_carries_the_town(app, world, towns):
    from io import BytesIO

    from openpyxl import load_workbook

    c = app.test_client()
    login(c, world.officer)
    resp = fresh(app, c, "get", "/pool/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(BytesIO(resp.data)).active
    headers = [cell.value for cell in ws[1]]
    col = headers.index("乡镇/街道")
    towns_out = {row[headers.index("企业名称")].value: row[col].value for row in ws.iter_rows(min_row=2)}
    assert towns_out[world.own.name] == "新海街道" and towns_out[world.same.name] == "浦南镇"
