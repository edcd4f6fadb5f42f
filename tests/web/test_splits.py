"""Issue 18: targets split by town and by industry chain, each against its parent's target.

Roll-ups on constructed data (sum of towns vs the county target, chains vs the city target, the
difference), and journeys through the split form as a browser posts it: every pre-filled value comes
back as is, only what the user changed changes, a blank keeps, a stale form is refused.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pipeline.models import AuditLog, TargetSplit
from pipeline.services import departments, splits
from pipeline.services.goals import set_target
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import fresh

YEAR = 2027


@pytest.fixture
def towns(db, world):
    t1 = departments.add_town(world.county_a, "新海街道", "street", sort=1)
    t2 = departments.add_town(world.county_a, "浦南镇", "town", sort=2)
    tb = departments.add_town(world.county_b, "墟沟街道", "street")
    departments.chains()
    officer = f.user("officer_t1", "officer", county=world.county_a, display_name="新海专员")
    officer.node_id = t1.id
    db.session.commit()
    return {"t1": t1, "t2": t2, "tb": tb, "officer": officer}


def _chain(name):
    return departments.chain_lookup()[name]


def _put(year, key, hnte, tsme, **kw):
    from pipeline.extensions import db

    db.session.add(TargetSplit(year=year, key=key, hnte_target=hnte, tsme_target=tsme, **kw))
    db.session.commit()


def _inputs(html: str) -> dict[str, str]:
    """Every input of the split form with the value the page pre-filled (what a browser posts)."""
    form = html[html.index('method="post"') :]
    out = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            out[name.group(1)] = value.group(1) if value else ""
    return out


def _split(db, key, year=YEAR):
    db.session.expire_all()
    return db.session.scalars(
        select(TargetSplit).where(TargetSplit.year == year, TargetSplit.key == key)
    ).first()


# ------------------------------------------------------------------ roll-ups on constructed data


def test_county_rollup_sum_of_towns_and_chains_against_county_target(app, world, towns, db):
    set_target(world.admin, world.county_a.id, YEAR, 100, 200)
    db.session.commit()  # services flush; the caller commits (issue 13)
    t1, t2 = towns["t1"], towns["t2"]
    cid = world.county_a.id
    _put(YEAR, TargetSplit.make_key(town_id=t1.id), 40, 80, town_id=t1.id, county_id=cid)
    _put(YEAR, TargetSplit.make_key(town_id=t2.id), 50, 130, town_id=t2.id, county_id=cid)
    pharma = _chain("新医药")
    _put(
        YEAR,
        TargetSplit.make_key(county_id=cid, chain_id=pharma.id),
        30,
        50,
        county_id=cid,
        chain_id=pharma.id,
    )
    # another county's town and another year do not count
    tb = towns["tb"]
    _put(YEAR, TargetSplit.make_key(town_id=tb.id), 999, 999, town_id=tb.id, county_id=world.county_b.id)
    _put(YEAR + 1, TargetSplit.make_key(town_id=t1.id), 7, 7, town_id=t1.id, county_id=cid)

    view = splits.rollup(cid, YEAR)
    assert view["parent"] == {"hnte": 100, "tsme": 200}
    town_group, chain_group = view["groups"]
    assert town_group["kind"] == "town"
    by_name = {r.name: r for r in town_group["rows"]}
    assert (by_name["新海街道"].hnte, by_name["浦南镇"].tsme) == (40, 130)
    assert by_name["未划分乡镇"].hnte is None  # the holding node is a row too, not split yet
    assert town_group["sum"] == {"hnte": 90, "tsme": 210}
    assert town_group["diff"] == {"hnte": 10, "tsme": -10}  # 10 not split yet; 10 split beyond the target
    assert chain_group["kind"] == "chain"
    assert chain_group["sum"] == {"hnte": 30, "tsme": 50}
    assert chain_group["diff"] == {"hnte": 70, "tsme": 150}
    assert [r.name for r in chain_group["rows"]][:2] == ["新医药", "新材料"]


def test_city_rollup_counties_and_chains_against_city_target(app, world, towns, db):
    set_target(world.admin, None, YEAR, 1000, 2000)
    db.session.commit()  # services flush; the caller commits (issue 13)
    set_target(world.admin, world.county_a.id, YEAR, 300, 500)
    db.session.commit()  # services flush; the caller commits (issue 13)
    set_target(world.admin, world.county_b.id, YEAR, 200, 400)
    db.session.commit()  # services flush; the caller commits (issue 13)
    energy = _chain("新能源")
    _put(YEAR, TargetSplit.make_key(county_id=None, chain_id=energy.id), 400, 900, chain_id=energy.id)
    # a county's own chain split is not part of the city's chain split
    _put(YEAR, TargetSplit.make_key(county_id=world.county_a.id, chain_id=energy.id), 5, 5,
         county_id=world.county_a.id, chain_id=energy.id)  # fmt: skip
    view = splits.rollup(None, YEAR)
    county_group, chain_group = view["groups"]
    assert county_group["sum"] == {"hnte": 500, "tsme": 900}
    assert county_group["diff"] == {"hnte": 500, "tsme": 1100}
    assert all(not r.editable for r in county_group["rows"])
    assert chain_group["sum"] == {"hnte": 400, "tsme": 900}
    assert chain_group["diff"] == {"hnte": 600, "tsme": 1100}


def test_no_parent_target_means_no_difference(app, world, towns, db):
    view = splits.rollup(world.county_a.id, YEAR)
    assert view["parent"] is None
    assert view["groups"][0]["diff"] == {"hnte": None, "tsme": None}


# ------------------------------------------------------------------ journeys through the form


def test_officer_journey_prefilled_change_one_town_rest_unchanged(app, world, towns, db):
    cid = world.county_a.id
    set_target(world.admin, cid, YEAR, 100, 200)
    db.session.commit()  # services flush; the caller commits (issue 13)
    t1, t2 = towns["t1"], towns["t2"]
    k1, k2 = TargetSplit.make_key(town_id=t1.id), TargetSplit.make_key(town_id=t2.id)
    _put(YEAR, k1, 40, 80, town_id=t1.id, county_id=cid)
    _put(YEAR, k2, 50, 100, town_id=t2.id, county_id=cid)
    c = app.test_client()
    login(c, world.officer)
    resp = fresh(app, c, "get", f"/dashboard/splits?year={YEAR}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "+10" in html and "海州区" in html  # the difference against the county target
    values = _inputs(html)
    assert values[f"h_{k1}"] == "40" and values[f"s_{k2}"] == "100" and values["county"] == str(cid)
    pharma = _chain("新医药")
    kc = TargetSplit.make_key(county_id=cid, chain_id=pharma.id)
    assert values[f"h_{kc}"] == "" and values[f"v_{kc}"] == "0"
    values[f"h_{k1}"] = "45"  # the one change
    resp = fresh(app, c, "post", "/dashboard/splits", data=values)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    s1, s2 = _split(db, k1), _split(db, k2)
    assert (s1.hnte_target, s1.tsme_target, s1.row_version) == (45, 80, 2)
    assert (s2.hnte_target, s2.tsme_target, s2.row_version) == (50, 100, 1)  # posted back as is: untouched
    assert _split(db, kc) is None  # blank chain rows make nothing
    audits = db.session.scalars(select(AuditLog).where(AuditLog.entity == "target_split")).all()
    assert len(audits) == 1 and audits[0].after == {"hnte_target": 45}
    html = fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True)
    assert "+5" in html


def test_blank_keeps_and_new_split_with_both_numbers(app, world, towns, db):
    cid = world.county_a.id
    t1 = towns["t1"]
    k1 = TargetSplit.make_key(town_id=t1.id)
    _put(YEAR, k1, 40, 80, town_id=t1.id, county_id=cid)
    energy = _chain("新能源")
    kc = TargetSplit.make_key(county_id=cid, chain_id=energy.id)
    c = app.test_client()
    login(c, world.officer)
    values = _inputs(fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True))
    values[f"h_{k1}"] = ""  # blank keeps 40
    values[f"s_{k1}"] = "90"
    values[f"h_{kc}"], values[f"s_{kc}"] = "12", "30"
    assert fresh(app, c, "post", "/dashboard/splits", data=values).status_code == 302
    s1, sc = _split(db, k1), _split(db, kc)
    assert (s1.hnte_target, s1.tsme_target) == (40, 90)
    assert (sc.hnte_target, sc.tsme_target, sc.county_id, sc.chain_id, sc.town_id) == (
        12,
        30,
        cid,
        energy.id,
        None,
    )


def test_bad_numbers_are_refused_naming_row_and_field_nothing_saved(app, world, towns, db):
    cid = world.county_a.id
    t1, t2 = towns["t1"], towns["t2"]
    k1, k2 = TargetSplit.make_key(town_id=t1.id), TargetSplit.make_key(town_id=t2.id)
    _put(YEAR, k1, 40, 80, town_id=t1.id, county_id=cid)
    c = app.test_client()
    login(c, world.officer)
    values = _inputs(fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True))
    values[f"h_{k1}"] = "41"  # a good change in the same post: not saved either
    values[f"s_{k1}"] = "abc"
    values[f"h_{k2}"] = "5"  # a new split with one number
    resp = fresh(app, c, "post", "/dashboard/splits", data=values)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "第1行“新海街道”" in html and "科小目标" in html and "“abc”" in html
    assert "第2行“浦南镇”" in html and "同时填写" in html
    assert 'value="41"' in html  # the user's input is shown again to correct
    s1 = _split(db, k1)
    assert (s1.hnte_target, s1.tsme_target, s1.row_version) == (40, 80, 1) and _split(db, k2) is None


def test_stale_form_refused_nothing_saved(app, world, towns, db):
    cid = world.county_a.id
    t1 = towns["t1"]
    k1 = TargetSplit.make_key(town_id=t1.id)
    _put(YEAR, k1, 40, 80, town_id=t1.id, county_id=cid)
    c = app.test_client()
    login(c, world.officer)
    values = _inputs(fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True))
    # meanwhile the city admin changes the same split
    admin = app.test_client()
    login(admin, world.admin)
    other = _inputs(
        fresh(app, admin, "get", f"/dashboard/splits?year={YEAR}&county={cid}").get_data(as_text=True)
    )
    other[f"h_{k1}"] = "60"
    assert fresh(app, admin, "post", "/dashboard/splits", data=other).status_code == 302
    values[f"s_{k1}"] = "81"  # the officer's stale form posts 40 back with a new tech SME figure
    resp = fresh(app, c, "post", "/dashboard/splits", data=values)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "新海街道" in html and "未保存" in html
    assert "市局管理员 于" in html and "高企目标：40 → 60" in html  # what changed and by whom (issue 11)
    s1 = _split(db, k1)
    assert (s1.hnte_target, s1.tsme_target, s1.row_version) == (60, 80, 2)
    assert 'value="60"' in html  # the page shows the current values


def test_admin_splits_city_chains(app, world, towns, db):
    set_target(world.admin, None, YEAR, 1000, 2000)
    db.session.commit()  # services flush; the caller commits (issue 13)
    c = app.test_client()
    login(c, world.admin)
    html = fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True)
    values = _inputs(html)
    energy = _chain("新能源")
    kc = TargetSplit.make_key(county_id=None, chain_id=energy.id)
    assert not any(k.startswith("h_county") for k in values)  # county rows are read-only here
    values[f"h_{kc}"], values[f"s_{kc}"] = "300", "600"
    assert fresh(app, c, "post", "/dashboard/splits", data=values).status_code == 302
    sc = _split(db, kc)
    assert (sc.county_id, sc.chain_id, sc.hnte_target) == (None, energy.id, 300)
    html = fresh(app, c, "get", f"/dashboard/splits?year={YEAR}").get_data(as_text=True)
    assert "+700" in html


def test_who_may_split(app, world, towns, db):
    cid_b = world.county_b.id
    c = app.test_client()
    login(c, towns["officer"])  # a town officer: no county pages
    assert fresh(app, c, "get", "/dashboard/splits").status_code == 404
    assert fresh(app, c, "post", "/dashboard/splits", data={"year": YEAR}).status_code == 404
    c = app.test_client()
    login(c, world.officer)  # a county officer: their own county, not another, not the city
    assert fresh(app, c, "get", f"/dashboard/splits?county={cid_b}").status_code == 404
    k = TargetSplit.make_key(town_id=towns["tb"].id)
    resp = fresh(app, c, "post", "/dashboard/splits", data={"county": cid_b, "year": YEAR, f"h_{k}": "1"})
    assert resp.status_code == 404
    # a key from another county posted to one's own county is refused
    resp = fresh(
        app, c, "post", "/dashboard/splits", data={"year": YEAR, f"h_{k}": "1", f"s_{k}": "1", f"v_{k}": "0"}
    )
    assert resp.status_code == 400 and _split(db, k) is None
    c = app.test_client()
    login(c, world.firm_user)
    assert fresh(app, c, "get", "/dashboard/splits").status_code == 404
