"""Goal figures: active-certificate arithmetic around expiry dates, scope, targets, snapshots."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from pipeline.models import ApplicationBatch, Milestone, Snapshot, Target
from pipeline.services import goals
from tests import factories as f

TODAY = date(2026, 6, 15)


def _assess(firm, verdict):
    return f.assessment(firm, verdict, TODAY, score_min=60, score_max=80)


def _roadmap(firm, batch, year, pmin=75, pmax=80):
    return f.roadmap(firm, TODAY, batch, year, projected_min=pmin, projected_max=pmax)


@pytest.fixture
def city(db):
    hz = f.county("320706", "海州区")
    gy = f.county("320723", "灌云县")
    admin = f.user("admin", "admin")
    officer = f.user("off_hz", "officer", county=hz)
    return {"hz": hz, "gy": gy, "admin": admin, "officer": officer}


def test_active_count_around_expiry_dates(db, city):
    hz = city["hz"]
    for days in (-1, 0, 1):  # expired yesterday / expires today / expires tomorrow
        f.firm(
            hz,
            stage="certified",
            hnte_cert_date=TODAY - timedelta(days=900),
            hnte_cert_expiry=TODAY + timedelta(days=days),
        )
    # granted in the future (公示 not yet over): not active yet
    f.firm(
        hz,
        stage="certified",
        hnte_cert_date=TODAY + timedelta(days=3),
        hnte_cert_expiry=TODAY + timedelta(days=1100),
    )
    # no certificate date known but valid expiry: active
    f.firm(hz, stage="certified", hnte_cert_expiry=TODAY + timedelta(days=400))
    db.session.commit()
    fig = goals.goal_figures(city["admin"], TODAY)
    assert fig["active"] == 3  # today, tomorrow, the one without a date
    # expiring within 12 months: today, tomorrow (and not the one expiring in 400 days)
    assert fig["expiring_total"] == 2
    assert [i["expiry"] for i in fig["expiring"]] == [TODAY, TODAY + timedelta(days=1)]
    nxt = goals.goal_figures(city["admin"], TODAY + timedelta(days=1))
    assert nxt["active"] == 2


def test_expiry_exactly_twelve_months_ahead_is_not_expiring_yet(db, city):
    f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2027, 6, 14))
    f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2027, 6, 15))
    db.session.commit()
    assert goals.goal_figures(city["admin"], TODAY)["expiring_total"] == 1


def test_recert_status_from_roadmap(db, city):
    hz = city["hz"]
    a = f.firm(hz, name="甲", stage="certified", hnte_cert_expiry=date(2026, 11, 30))
    b = f.firm(hz, name="乙", stage="certified", hnte_cert_expiry=date(2026, 12, 10))
    f.firm(hz, name="丙", stage="certified", hnte_cert_expiry=date(2027, 1, 10))
    _roadmap(a, "2026-2", 2026)
    _roadmap(b, "2027-1", 2027)
    db.session.commit()
    fig = goals.goal_figures(city["officer"], TODAY)
    assert {i["name"]: i["recert"] for i in fig["expiring"]} == {
        "甲": "scheduled",
        "乙": "late",
        "丙": "none",
    }
    assert fig["recert"] == {"scheduled": 1, "late": 1, "none": 1}


def test_tsme_counts_this_and_last_year_only(db, city):
    for y in (2026, 2025, 2024, None):
        f.firm(city["hz"], tsme_year=y)
    db.session.commit()
    assert goals.goal_figures(city["admin"], TODAY)["tsme"] == 2


def test_officer_sees_own_county_and_firm_user_nothing(db, city):
    a = f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    f.firm(city["gy"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    f.firm(city["gy"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    firm_user = f.user("fu", "firm", firm=a)
    db.session.commit()
    assert goals.goal_figures(city["admin"], TODAY)["active"] == 3
    off = goals.goal_figures(city["officer"], TODAY)
    assert off["active"] == 1 and off["scope"]["label"] == "海州区" and off["league"] == []
    assert goals.goal_figures(city["admin"], TODAY, county_id=city["gy"].id)["active"] == 2
    with pytest.raises(goals.NotAllowed):
        goals.goal_figures(city["officer"], TODAY, county_id=city["gy"].id)
    with pytest.raises(goals.NotAllowed):
        goals.goal_figures(firm_user, TODAY)


def test_targets_funnel_readiness_and_league(db, city):
    from pipeline.extensions import db as _db

    _db.session.add_all(
        [
            Target(county_id=None, year=2026, hnte_target=10, tsme_target=20),
            Target(county_id=city["hz"].id, year=2026, hnte_target=2, tsme_target=4),
            Target(county_id=city["gy"].id, year=2026, hnte_target=4, tsme_target=4),
        ]
    )
    f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    _assess(f.firm(city["hz"], stage="pool"), "ready")
    _assess(f.firm(city["hz"], stage="coaching"), "marginal")
    f.firm(city["gy"], stage="candidate")
    f.firm(city["gy"], stage="exited")
    _db.session.commit()
    fig = goals.goal_figures(city["admin"], TODAY)
    assert fig["target"] == {"year": 2026, "hnte": 10, "tsme": 20, "plan": None}
    assert {r["stage"]: r["firms"] for r in fig["funnel"]} == {
        "candidate": 1,
        "pool": 1,
        "coaching": 1,
        "to_apply": 0,
        "applied": 0,
        "certified": 1,
        "certified_expired": 0,
    }
    # readiness is over cultivating firms; the exited and the certified firm are not in it
    assert {r["verdict"]: r["firms"] for r in fig["readiness"]} == {
        "ready": 1,
        "marginal": 1,
        "not_ready": 0,
        "incomplete": 0,
        "unassessed": 1,
    }
    assert [(r["county"], r["rank"], r["hnte_pct"]) for r in fig["league"]] == [
        ("海州区", 1, 0.5),
        ("灌云县", 2, 0.0),
    ]


def test_batches_ahead_list_the_firms_targeting_each(db, city):
    from pipeline.extensions import db as _db

    _db.session.add_all(
        [
            ApplicationBatch(code="2026-1", year=2026, cutoff=date(2026, 5, 31)),
            ApplicationBatch(code="2026-2", year=2026, cutoff=date(2026, 7, 15)),
            ApplicationBatch(code="2027-1", year=2027, cutoff=date(2027, 5, 31)),
        ]
    )
    _roadmap(f.firm(city["hz"], name="甲"), "2026-2", 2026, 80)
    _roadmap(f.firm(city["hz"], name="乙"), "2026-2", 2026, 72)
    _roadmap(f.firm(city["gy"], name="丙"), "2026-2", 2026, 90)
    _roadmap(f.firm(city["hz"], name="丁"), "2026-1", 2026)
    _db.session.commit()
    batches = goals.goal_figures(city["officer"], TODAY)["batches"]
    assert [b["code"] for b in batches] == ["2026-2", "2027-1"]  # 2026-1 closed already
    assert batches[0]["firms"] == 2
    assert [x["name"] for x in batches[0]["first_firms"]] == ["甲", "乙"]  # best projection first
    assert batches[1]["firms"] == 0


def test_snapshot_is_idempotent_per_day_and_feeds_the_trend(db, city):
    f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2028, 1, 1), tsme_year=2026)
    f.firm(city["gy"], stage="pool")
    db.session.commit()
    assert goals.take_snapshot(TODAY) == 3
    f.firm(city["gy"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    db.session.commit()
    goals.take_snapshot(TODAY)
    rows = db.session.scalars(select(Snapshot).where(Snapshot.day == TODAY)).all()
    assert len(rows) == 3
    city_row = next(r for r in rows if r.county_id is None)
    assert (city_row.active_hnte, city_row.tsme, city_row.pool) == (2, 1, 1)
    goals.take_snapshot(TODAY - timedelta(days=1))
    trend = goals.goal_figures(city["admin"], TODAY)["trend"]
    assert [t["day"] for t in trend] == [(TODAY - timedelta(days=1)).isoformat(), TODAY.isoformat()]
    assert [t["active"] for t in goals.goal_figures(city["officer"], TODAY)["trend"]] == [1, 1]


def test_forecast_for_uses_roadmaps_milestones_and_targets(db, city):
    from pipeline.extensions import db as _db

    _db.session.add_all(
        [
            Target(county_id=None, year=2026, hnte_target=5, tsme_target=5),
            ApplicationBatch(code="2026-2", year=2026, cutoff=date(2026, 7, 15)),
        ]
    )
    f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    rm = _roadmap(f.firm(city["hz"]), "2026-2", 2026, 80, 85)  # solid: 90 %
    _db.session.add(
        Milestone(
            roadmap_id=rm.id, firm_id=rm.firm_id, code="rd.spend", title="研发投入", due=date(2026, 7, 1)
        )
    )
    _roadmap(f.firm(city["gy"]), "2026-2", 2026, 73, 80)  # thin: 70 %, other county
    _db.session.commit()
    fc = goals.forecast_for(city["admin"], TODAY)
    y = fc.year(2026)
    assert y.target == 5
    assert y.active_expected == pytest.approx(1 + 0.9 + 0.7)
    slip = {r.year: r for r in fc.scenarios["rd_slip"]}
    assert slip[2026].active_expected == pytest.approx(1 + 0.7)
    assert goals.forecast_for(city["officer"], TODAY).year(2026).active_expected == pytest.approx(1.9)
    assert [r.year for r in fc.years][:5] == [2026, 2027, 2028, 2029, 2030]


def test_figures_take_a_fixed_number_of_queries(db, city):
    from pipeline.extensions import db as _db

    def count_queries(n_firms):
        for i in range(n_firms):
            fm = f.firm(
                city["hz"] if i % 2 else city["gy"],
                stage="certified" if i % 3 else "pool",
                hnte_cert_expiry=TODAY + timedelta(days=30 * i),
            )
            _roadmap(fm, "2026-2", 2026)
            _assess(fm, "ready")
        _db.session.commit()
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            goals.goal_figures(city["admin"], TODAY)
            goals.forecast_for(city["admin"], TODAY)
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        return len(seen)

    small = count_queries(3)
    assert count_queries(30) == small


def test_set_target_is_admin_only_and_audited(db, city):
    from pipeline.models import AuditLog

    t = goals.set_target(city["admin"], city["hz"].id, 2027, 120, 240, "规划")
    goals.set_target(city["admin"], city["hz"].id, 2027, 130, 240)
    assert (t.hnte_target, t.plan_name) == (130, "规划")
    assert db.session.scalar(select(Target).where(Target.year == 2027)).hnte_target == 130
    logs = db.session.scalars(select(AuditLog).where(AuditLog.entity == "target").order_by(AuditLog.id)).all()
    assert [l.action for l in logs] == ["create", "update"] and logs[1].after == {"hnte_target": 130}
    with pytest.raises(goals.TargetError, match="市级管理员"):
        goals.set_target(city["officer"], city["hz"].id, 2027, 1, 1)
    with pytest.raises(goals.TargetError, match="负数"):
        goals.set_target(city["admin"], None, 2027, -1, 1)


def test_dashboard_data_follows_every_write_and_checks_access_each_time(db, city):
    fm = f.firm(city["hz"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    db.session.commit()
    fig, _ = goals.dashboard_data(city["admin"], TODAY)
    assert fig["active"] == 1
    fm.hnte_cert_expiry = date(2026, 1, 1)  # an edit: the certificate lapsed
    db.session.commit()
    assert goals.dashboard_data(city["admin"], TODAY)[0]["active"] == 0
    f.firm(city["gy"], stage="certified", hnte_cert_expiry=date(2028, 1, 1))
    db.session.commit()
    assert goals.dashboard_data(city["admin"], TODAY)[0]["active"] == 1
    goals.set_target(city["admin"], None, 2026, 77, 1)
    db.session.commit()  # services flush; the caller commits (issue 13)
    assert goals.dashboard_data(city["admin"], TODAY)[1].year(2026).target == 77
    goals.dashboard_data(city["admin"], TODAY, county_id=city["gy"].id)  # cached for the county now
    with pytest.raises(goals.NotAllowed):
        goals.dashboard_data(city["officer"], TODAY, county_id=city["gy"].id)
