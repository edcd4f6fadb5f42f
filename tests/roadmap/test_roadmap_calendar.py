"""Calendar and lead-time data."""

from datetime import date

import pytest

from pipeline.roadmap import (
    DEFAULT_LEAD_TIMES,
    PLANNER_DATA_VERSION,
    Batch,
    CalendarError,
    add_months,
    calendar_from_json,
    calendar_to_json,
    default_calendar,
    lead_times_from_json,
)


def test_default_calendar_from_pattern_no_fixed_year():
    cal = default_calendar(date(2026, 11, 27))
    ids = [b.id for b in cal.batches]
    assert ids[:3] == ["2026-1", "2026-2", "2026-3"]
    assert ids[-1] == "2030-3" and len(ids) == 15
    assert cal.batches[3] == Batch("2027-1", date(2027, 5, 31), 2027)
    assert [b.cutoff for b in cal.batches] == sorted(b.cutoff for b in cal.batches)
    later = default_calendar(date(2031, 1, 2), years_ahead=1)
    assert [b.id for b in later.batches] == ["2031-1", "2031-2", "2031-3", "2032-1", "2032-2", "2032-3"]


def test_version_is_stable_and_content_based():
    a = default_calendar(date(2026, 11, 27))
    b = default_calendar(date(2026, 1, 1))
    assert a.version == b.version and len(a.version) == 12
    c = calendar_from_json(calendar_to_json(a))
    assert c == a
    d = calendar_from_json({"batches": [{"id": "2027-1", "cutoff": "2027-05-30"}]})
    assert d.version != calendar_from_json({"batches": [{"id": "2027-1", "cutoff": "2027-05-31"}]}).version


def test_calendar_from_json_sorts_and_defaults_year():
    cal = calendar_from_json(
        {"batches": [{"id": "b", "cutoff": "2028-05-31"}, {"id": "a", "cutoff": "2027-07-15"}]}
    )
    assert [b.id for b in cal.batches] == ["a", "b"]
    assert cal.batches[0].year == 2027


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {},
        {"batches": []},
        {"batches": [{"id": "x"}]},
        {"batches": [{"id": "x", "cutoff": "2027-02-30"}]},
        {"batches": [{"id": "", "cutoff": "2027-02-20"}]},
        {"batches": [{"id": "x", "cutoff": "2027-02-20"}, {"id": "x", "cutoff": "2027-03-20"}]},
        {"batches": [{"id": "x", "cutoff": "2027-02-20", "year": "2027"}]},
    ],
)
def test_bad_calendar(bad):
    with pytest.raises(CalendarError) as e:
        calendar_from_json(bad)
    assert "\n" not in str(e.value) and str(e.value)


def test_lead_times_data():
    lt = DEFAULT_LEAD_TIMES
    assert (
        lt["invention_patent"].months,
        lt["utility_model"].months,
        lt["design"].months,
        lt["software_copyright"].months,
    ) == (18, 10, 8, 3)
    assert "16.8" in lt["invention_patent"].basis
    assert lt["plant_variety"].months >= 24 and not lt["plant_variety"].auto
    assert not lt["design"].core_ok
    assert PLANNER_DATA_VERSION.startswith("roadmap-")
    custom = lead_times_from_json([{"kind": "utility_model", "months": 6, "basis": "快速预审"}])
    assert custom["utility_model"].months == 6 and custom["invention_patent"].months == 18
    with pytest.raises(CalendarError):
        lead_times_from_json([{"kind": "trademark", "months": 6}])
    with pytest.raises(CalendarError):
        lead_times_from_json([{"kind": "design", "months": -1}])


def test_add_months_clamps():
    assert add_months(date(2027, 5, 31), -3) == date(2027, 2, 28)
    assert add_months(date(2028, 5, 31), -10) == date(2027, 7, 31)
    assert add_months(date(2027, 1, 31), 13) == date(2028, 2, 29)
