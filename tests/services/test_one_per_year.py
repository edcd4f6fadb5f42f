"""i14: one application per firm per year (Jiangsu practice, calendar data): a firm that applied (or
failed) in a year is not planned into another batch of that year; the retry is next year's batch."""

from __future__ import annotations

from datetime import date, datetime

from pipeline.models import StageChange
from tests import factories as f
from tests.services.test_assessments import _ready_firm

TODAY = date(2027, 6, 10)  # 2027-1 (05-31) is past; 2027-2 closes 07-15, 2027-3 08-31


def _plan(firm_id):
    from pipeline.services.roadmaps import plan_firms

    planned, _cal, _lts = plan_firms([firm_id], TODAY)
    return planned[firm_id][1].to_dict()


def test_a_firm_that_applied_this_year_is_planned_into_next_years_first_batch(db):
    county = f.county()
    firm = _ready_firm(db, county, stage="to_apply")
    db.session.commit()
    assert _plan(firm.id)["target"]["batch"] == "2027-2"
    # moved to 已申报 on 2027-05-20 10:00 Beijing time (02:00 UTC): 2027 is used up
    db.session.add(
        StageChange(firm_id=firm.id, from_stage="to_apply", to_stage="applied", at=datetime(2027, 5, 20, 2))
    )
    db.session.commit()
    d = _plan(firm.id)
    assert d["target"] == {"batch": "2028-1", "cutoff": "2028-05-31", "year": 2028}
    assert [(b["batch"], b["blocked_by"]) for b in d["earlier_batches"]] == [
        ("2027-2", ["one_per_year"]),
        ("2027-3", ["one_per_year"]),
    ]


def test_the_year_is_the_beijing_date_and_a_late_result_belongs_to_last_years_application(db):
    county = f.county()
    a = _ready_firm(db, county)
    b = _ready_firm(db, county)
    c = _ready_firm(db, county)
    # a: applied 2026-12-31 17:00 UTC = 2027-01-01 01:00 in Beijing → 2027
    db.session.add(StageChange(firm_id=a.id, to_stage="applied", at=datetime(2026, 12, 31, 17)))
    # b: applied 2026-06-01, result 未通过 recorded 2027-01-15 → the application was 2026's: 2027 is free
    db.session.add(StageChange(firm_id=b.id, to_stage="applied", at=datetime(2026, 6, 1)))
    db.session.add(StageChange(firm_id=b.id, to_stage="failed", at=datetime(2027, 1, 15)))
    # c: imported straight into 未通过 in 2027 (no 已申报 move): counts for 2027
    c.stage, c.stage_changed_at = "failed", datetime(2027, 3, 1)
    db.session.commit()
    assert _plan(a.id)["target"]["batch"] == "2028-1"
    assert _plan(b.id)["target"]["batch"] == "2027-2"
    assert _plan(c.id)["target"]["batch"] == "2028-1"
