"""The bulk loader and the assessment cache: same answers as the engine, fixed number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

from pipeline.criteria import Profile, assess
from pipeline.models import ApplicationBatch, Assessment, Conversion, Incident
from tests import factories as f

TODAY = date(2026, 11, 27)
CUTOFF = date(2027, 5, 31)


def _ready_firm(db, county, **kw):
    firm = f.firm(county, registered_on=date(2018, 4, 1), grade_advancement="A", grade_core_support="A", **kw)
    for y, sales in ((2024, 3000), (2025, 3600), (2026, 4500)):
        f.year(
            firm,
            y,
            sales=sales,
            rd=sales * 0.06,
            staff=60,
            tech=12,
            ht=sales * 0.8,
            net_assets=1000 * (y - 2021),
            total_assets=4000,
        )
    f.ip(firm, "invention_patent", core=True)
    f.evidence(firm, *f.RD_PIECES)
    for y in (2024, 2025, 2026):
        for i in range(5):
            db.session.add(Conversion(firm_id=firm.id, year=y, title=f"成果{y}-{i}", form="own"))
    db.session.flush()
    return firm


def test_loader_builds_the_profile_the_engine_expects(db):
    from pipeline.services.profiles import load_profiles

    county = f.county()
    firm = _ready_firm(db, county)
    f.ip(firm, "utility_model", used_in_application="2023-1")
    profile = load_profiles(CUTOFF, [firm.id])[firm.id]
    assert isinstance(profile, Profile)
    assert sorted(profile.years) == [2024, 2025, 2026]
    assert profile.years[2026].sales == 4500 and profile.years[2026].tech_staff == 12
    assert sorted(i.kind for i in profile.ip) == ["invention_patent", "utility_model"]
    assert [i.used_in_hnte for i in profile.ip if i.kind == "utility_model"] == [True]
    assert profile.conversions == {2024: 5, 2025: 5, 2026: 5}
    assert len(profile.rd_management) == 11
    assert profile.grades == {"tech_advancement": "A", "core_support": "A"}


def test_incident_within_365_days_of_the_application_is_loaded(db):
    from pipeline.services.profiles import load_profiles

    county = f.county()
    firm = _ready_firm(db, county)
    db.session.add(Incident(firm_id=firm.id, occurred_on=date(2026, 6, 1), kind="safety"))
    db.session.flush()
    assert load_profiles(CUTOFF, [firm.id])[firm.id].incident_within_year is True
    assert load_profiles(date(2027, 6, 2), [firm.id])[firm.id].incident_within_year is False


def test_assess_all_stores_verdicts_with_rules_version_in_fixed_queries(db):
    from pipeline.services.assessments import assess_firms

    db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=CUTOFF))
    county = f.county()
    ready = _ready_firm(db, county)
    weak = f.firm(county, registered_on=date(2019, 1, 1))
    for y in (2024, 2025, 2026):
        f.year(weak, y, sales=3000, rd=30, staff=60, tech=3, ht=1000)
    db.session.commit()

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        stats = assess_firms(TODAY, workers=1)  # in-process, so every query is seen here
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert stats["assessed"] == 2 and stats["application_date"] == CUTOFF
    rows = {a.firm_id: a for a in db.session.scalars(select(Assessment))}
    assert rows[ready.id].verdict == "ready" and rows[ready.id].score_min >= 71
    assert rows[weak.id].verdict == "not_ready"
    assert rows[weak.id].result["conditions"]["H5"]["status"] == "fail"
    assert all(a.rules_version == "hnte-2016/tsme-2017" for a in rows.values())
    few = len(statements)

    # Ten times the firms, the same number of queries (no query per firm).
    for _ in range(18):
        extra = f.firm(county, registered_on=date(2019, 1, 1))
        f.year(extra, 2026, sales=1000, rd=60, staff=20, tech=4, ht=800)
    db.session.commit()
    statements.clear()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert assess_firms(TODAY, workers=1)["assessed"] == 20
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == few


def test_cached_verdict_matches_the_engine_and_full_result_explains_it(db):
    from pipeline.services.assessments import assess_all, full_result
    from pipeline.services.profiles import load_profiles

    db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=CUTOFF))
    county = f.county()
    firm = _ready_firm(db, county)
    db.session.commit()
    assess_all(TODAY)
    cached = db.session.scalars(select(Assessment)).one()
    engine = assess(load_profiles(CUTOFF, [firm.id])[firm.id])
    assert (cached.verdict, cached.score_min, cached.score_max) == (
        engine.verdict,
        engine.score_min,
        engine.score_max,
    )
    full = full_result(firm.id)
    assert full["verdict"] == cached.verdict
    assert "第十一条" in full["conditions"]["H5"]["explain"]


def test_refresh_after_a_change_updates_only_that_firm(db):
    from pipeline.services.assessments import assess_all, refresh_firms

    db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=CUTOFF))
    county = f.county()
    firm = _ready_firm(db, county)
    other = _ready_firm(db, county)
    db.session.commit()
    assess_all(TODAY)
    before_other = (
        db.session.scalars(select(Assessment).where(Assessment.firm_id == other.id)).one().assessed_at
    )
    # The firm loses its only patent: H2 fails after the refresh.
    for a in firm.ip_assets:
        db.session.delete(a)
    db.session.flush()
    refresh_firms([firm.id], TODAY)
    db.session.commit()
    db.session.expire_all()
    mine = db.session.scalars(select(Assessment).where(Assessment.firm_id == firm.id)).one()
    assert mine.verdict == "not_ready" and mine.result["conditions"]["H2"]["status"] == "fail"
    assert "explain" in mine.result["conditions"]["H2"]  # a single firm's row carries the text too
    assert (
        db.session.scalars(select(Assessment).where(Assessment.firm_id == other.id)).one().assessed_at
        == before_other
    )


def test_both_cores_give_the_same_rows_as_one(db):
    from pipeline.services.assessments import assess_firms

    db.session.add(ApplicationBatch(code="2027-1", year=2027, cutoff=CUTOFF))
    county = f.county()
    for i in range(7):
        _ready_firm(db, county) if i % 2 else f.firm(county, registered_on=date(2020, 1, 1))
    db.session.commit()

    def rows():
        return sorted(
            (a.firm_id, a.verdict, a.score_min, a.score_max, a.result["conditions"]["H5"]["status"])
            for a in db.session.scalars(select(Assessment))
        )

    assert assess_firms(TODAY, workers=1)["assessed"] == 7
    serial = rows()
    assert assess_firms(TODAY, workers=2)["assessed"] == 7
    db.session.expire_all()
    assert rows() == serial
