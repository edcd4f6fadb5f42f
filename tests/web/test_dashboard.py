"""The goal dashboard and target pages as users see them; the goals CLI."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pipeline import clock
from pipeline.models import AuditLog, Snapshot, Target
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def city(db):
    hz = f.county("320706", "海州区")
    gy = f.county("320723", "灌云县")
    today = clock.today()
    db.session.add_all(
        [
            Target(county_id=None, year=today.year, hnte_target=1000, tsme_target=2000),
            Target(county_id=hz.id, year=today.year, hnte_target=300, tsme_target=600),
            Target(county_id=gy.id, year=today.year, hnte_target=100, tsme_target=200),
        ]
    )
    f.firm(hz, name="海州<b>科技</b>", stage="certified", hnte_cert_expiry=today + timedelta(days=60))
    f.firm(gy, name="灌云科技", stage="certified", hnte_cert_expiry=today + timedelta(days=900))
    f.firm(gy, name="灌云培育", stage="pool")
    users = {
        "admin": f.user("admin", "admin"),
        "officer": f.user("off_hz", "officer", county=hz),
        "firm": None,
    }
    users["firm"] = f.user("fu", "firm", firm=f.firm(hz, stage="coaching"))
    db.session.commit()
    return {"hz": hz, "gy": gy, **users}


def _data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_admin_sees_city_with_league_and_forecast(client, city):
    login(client, city["admin"])
    resp = client.get("/dashboard/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "目标进展 · 全市" in html and "各县区完成情况" in html
    assert "海州&lt;b&gt;科技&lt;/b&gt;" in html and "<b>科技</b>" not in html  # names escaped
    assert "预测的假设" in html and "通过概率" in html
    data = _data(html)
    assert data["active_today"] == 2
    assert data["forecast"]["years"][0]["target"] == 1000
    assert set(data["forecast"]["scenarios"]) == {"close_gaps", "rd_slip"}
    assert "<script>" not in html.replace('<script type="application/json"', "").replace("<script src=", "")
    assert "style=" not in html  # CSP: no inline styles


def test_officer_sees_own_county_only(client, city):
    login(client, city["officer"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "目标进展 · 海州区" in html and "各县区完成情况" not in html
    assert "灌云科技" not in html
    assert _data(html)["active_today"] == 1
    assert client.get(f"/dashboard/?county={city['gy'].id}").status_code == 404


def test_admin_can_pick_a_county(client, city):
    login(client, city["admin"])
    html = client.get(f"/dashboard/?county={city['gy'].id}").get_data(as_text=True)
    assert "目标进展 · 灌云县" in html and _data(html)["active_today"] == 1


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/targets"])
def test_firm_user_gets_404(client, city, path):
    login(client, city["firm"])
    assert client.get(path).status_code == 404


def test_officer_cannot_set_targets(client, city):
    login(client, city["officer"])
    assert client.get("/dashboard/targets").status_code == 404
    assert (
        client.post("/dashboard/targets", data={"year": "2030", "hnte": "1", "tsme": "1"}).status_code == 404
    )


def test_admin_sets_a_target_and_it_is_audited(client, city, db):
    login(client, city["admin"])
    resp = client.post(
        "/dashboard/targets",
        data={
            "county": str(city["gy"].id),
            "year": "2031",
            "hnte": "150",
            "tsme": "300",
            "plan_name": "后续规划",
        },
        follow_redirects=True,
    )
    assert resp.status_code == 200 and "已保存灌云县2031年目标" in resp.get_data(as_text=True)
    t = db.session.scalars(select(Target).where(Target.year == 2031)).one()
    assert (t.county_id, t.hnte_target, t.tsme_target, t.plan_name) == (city["gy"].id, 150, 300, "后续规划")
    assert (
        db.session.scalars(select(AuditLog).where(AuditLog.entity == "target")).one().user_id
        == city["admin"].id
    )


def test_invalid_target_form_says_what_is_wrong(client, city):
    login(client, city["admin"])
    resp = client.post("/dashboard/targets", data={"county": "", "year": "1999", "hnte": "-5", "tsme": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "年份须在 2000–2100 之间" in html and "高企目标须为 0–100000 的整数" in html, html[
        html.find("form-card") :
    ][:3000]
    # issue 11: a blank tsme keeps the current value, so it is no longer an error of its own


def test_cli_snapshot_and_targets(runner, city, db):
    out = runner.invoke(args=["goals", "snapshot", "--today", "2026-05-01"])
    assert out.exit_code == 0, out.output
    assert "3 行" in out.output
    assert db.session.scalar(select(Snapshot).where(Snapshot.county_id.is_(None))).day == date(2026, 5, 1)
    out = runner.invoke(
        args=[
            "goals",
            "targets",
            "set",
            "--county",
            "灌云县",
            "--year",
            "2032",
            "--hnte",
            "9",
            "--tsme",
            "18",
        ]
    )
    assert out.exit_code == 0, out.output
    assert db.session.scalars(select(Target).where(Target.year == 2032)).one().hnte_target == 9
    bad = runner.invoke(
        args=["goals", "targets", "set", "--county", "火星", "--year", "2032", "--hnte", "1", "--tsme", "1"]
    )
    assert bad.exit_code != 0 and "找不到县区“火星”" in bad.output
    bad = runner.invoke(args=["goals", "snapshot", "--today", "2026-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
