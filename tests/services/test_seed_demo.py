"""The demo city: deterministic, realistic, idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pipeline import uscc
from pipeline.models import County, Firm, FiscalYear, IPAsset, User

TODAY = date(2026, 11, 27)


def _snapshot(db):
    return [
        tuple(r)
        for r in db.session.execute(
            select(Firm.credit_code, Firm.name, Firm.stage, Firm.registered_on, Firm.county_id).order_by(
                Firm.credit_code
            )
        )
    ]


def test_same_seed_gives_the_same_firms_and_rerun_adds_nothing(db):
    from pipeline.services.demo import seed_demo

    first = seed_demo(TODAY, firms=120, seed=7)
    assert first.firms_created == 120
    snap = _snapshot(db)
    again = seed_demo(TODAY, firms=120, seed=7)
    assert again.firms_created == 0 and again.users_created == 0
    assert _snapshot(db) == snap
    assert db.session.scalar(select(func.count()).select_from(County)) == 9

    # Same seed in a fresh database gives exactly the same firms.
    from tests.conftest import _truncate

    _truncate(db)
    db.session.expire_all()
    seed_demo(TODAY, firms=120, seed=7)
    assert [r[:3] for r in _snapshot(db)] == [r[:3] for r in snap]


def test_another_seed_gives_other_firms(db):
    from pipeline.services.demo import seed_demo

    seed_demo(TODAY, firms=30, seed=1)
    codes_1 = {r[0] for r in _snapshot(db)}
    seed_demo(TODAY, firms=30, seed=2)
    codes_all = {r[0] for r in _snapshot(db)}
    assert len(codes_all) == 60 and codes_1 < codes_all


def test_demo_data_is_realistic_and_relative_to_today(db):
    from pipeline.services.demo import seed_demo

    result = seed_demo(TODAY, firms=300, seed=42)
    firms = db.session.scalars(select(Firm)).all()
    assert all(uscc.is_valid(f.credit_code) for f in firms)
    stages = {f.stage for f in firms}
    assert {"candidate", "pool", "coaching", "to_apply", "certified"} <= stages
    certified = [f for f in firms if f.stage == "certified"]
    assert certified and all(f.hnte_cert_no.startswith(f"GR{f.hnte_cert_date.year}32") for f in certified)
    # Certificates are three years long.
    assert all(f.hnte_cert_expiry.year == f.hnte_cert_date.year + 3 for f in certified)
    years = set(db.session.scalars(select(FiscalYear.year)))
    assert max(years) == TODAY.year and TODAY.year - 3 in years  # closed years + this year's estimate
    assert all(fy.is_estimate == (fy.year == TODAY.year) for fy in db.session.scalars(select(FiscalYear)))
    assert db.session.scalar(select(func.count()).select_from(IPAsset)) > 300
    assert any(f.registered_on > date(TODAY.year - 2, TODAY.month, 1) for f in firms)  # some young firms
    # Logins: an admin, one officer per county, firm users.
    roles = [u.role for u in db.session.scalars(select(User))]
    # (issue 18: + two town officers and one 包联 leader per county)
    assert roles.count("admin") == 1 and roles.count("officer") == 9 + 2 + 9 and roles.count("firm") >= 1
    # issue 18: every firm is in a real town of its own county; two town officer logins
    from pipeline.models import DeptNode

    towns = {t.id: t for t in db.session.scalars(select(DeptNode))}
    assert all(
        f.town_id in towns
        and towns[f.town_id].county_id == f.county_id
        and towns[f.town_id].kind in ("town", "street", "park")
        for f in firms
    )
    assert all(f.chain_id is not None for f in firms)
    town_officers = list(db.session.scalars(select(User).where(User.node_id.isnot(None))))
    assert {towns[u.node_id].name for u in town_officers} == {"新海街道", "青口镇"}
    # issue 18: town officers answer for their town's firms; leaders lead a third of the pool firms;
    # 90 % of each county's target of this year is split over its towns
    from pipeline.models import Target, TargetSplit
    from pipeline.services.splits import rollup

    for u in town_officers:
        assert all(f.officer_id == u.id for f in firms if f.town_id == u.node_id)
    assert sum(1 for f in firms if f.leader_id) > 30
    for t in db.session.scalars(
        select(Target).where(Target.year == TODAY.year, Target.county_id.isnot(None))
    ):
        group = rollup(t.county_id, TODAY.year)["groups"][0]
        assert group["sum"]["hnte"] == round(t.hnte_target * 0.9)
    n_splits = db.session.scalar(select(func.count()).select_from(TargetSplit))
    seed_demo(TODAY, firms=300, seed=42)
    assert db.session.scalar(select(func.count()).select_from(TargetSplit)) == n_splits  # idempotent
    assert any(login[0] == "admin" for login in result.logins)
