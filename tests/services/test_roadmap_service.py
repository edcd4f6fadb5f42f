"""Roadmaps in the database: regeneration keeps every bit of work, what-if saves nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pipeline.models import ApplicationBatch, Milestone, Roadmap
from tests import factories as f

TODAY = date(2026, 11, 27)


def _firm(db):
    county = f.county()
    firm = f.firm(county, registered_on=date(2018, 4, 1), grade_advancement="B", grade_core_support="B")
    for y, sales in ((2023, 2500), (2024, 3000), (2025, 3600), (2026, 4300)):
        f.year(
            firm,
            y,
            sales=sales,
            rd=sales * 0.03,
            staff=60,
            tech=5,
            ht=sales * 0.7,
            net_assets=900 * (y - 2020),
            total_assets=4000,
        )
    f.evidence(firm, "rules", "accounting")
    db.session.commit()
    return firm


def test_regenerate_creates_a_dated_roadmap_with_milestones(db):
    from pipeline.services.roadmaps import regenerate

    firm = _firm(db)
    stats = regenerate([firm.id], TODAY)
    assert stats == {"planned": 1, "created": 1, "updated": 0, "with_target": stats["with_target"]}
    roadmap = db.session.scalars(select(Roadmap)).one()
    assert roadmap.generated_for == TODAY and roadmap.rules_version
    codes = {m.code for m in roadmap.milestones}
    assert {"mgmt.rd_unit", "mgmt.cooperation"} <= codes  # missing management pieces become tasks
    assert all(TODAY <= m.due for m in roadmap.milestones)
    if roadmap.target_cutoff:
        assert all(m.due <= roadmap.target_cutoff for m in roadmap.milestones)


def test_regenerate_keeps_done_waived_and_manual_milestones(db):
    from pipeline.services.roadmaps import regenerate

    firm = _firm(db)
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    roadmap = db.session.scalars(select(Roadmap)).one()
    ms = sorted(roadmap.milestones, key=lambda m: (m.code, m.due))
    done, waived = ms[0], ms[1]
    done.status, done.done_on, done.evidence_note = "done", TODAY, "已上传制度文件"
    waived.status = "waived"
    manual = Milestone(
        roadmap_id=roadmap.id,
        firm_id=firm.id,
        code="custom.visit",
        title="专员上门走访",
        addresses=[],
        due=date(2027, 1, 10),
        owner="officer",
        manual=True,
    )
    db.session.add(manual)
    db.session.commit()
    kept = {(m.id, m.status, m.title, m.due) for m in (done, waived, manual)}

    regenerate([firm.id], date(2027, 1, 15))
    db.session.expire_all()
    rows = {(m.id, m.status, m.title, m.due) for m in db.session.scalars(select(Milestone))}
    assert kept <= rows  # untouched, to the letter


def test_regenerate_after_new_data_moves_and_says_why(db):
    from pipeline.services.roadmaps import regenerate

    firm = _firm(db)
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    before = db.session.scalar(select(func.count()).select_from(Milestone))
    # The firm puts every management piece in place: those tasks go, and the change log says so.
    f.evidence(firm, *[p for p in f.RD_PIECES if p not in ("rules", "accounting")])  # the nine missing
    db.session.commit()
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    db.session.expire_all()
    roadmap = db.session.scalars(select(Roadmap)).one()
    assert not any(m.code.startswith("mgmt.") for m in roadmap.milestones)
    assert db.session.scalar(select(func.count()).select_from(Milestone)) < before
    removed = [c for c in roadmap.changes if c["kind"] == "removed"]
    assert removed and all("无需办理" in c["text"] for c in removed)


def test_started_work_is_never_deleted(db):
    from pipeline.services.roadmaps import regenerate

    firm = _firm(db)
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    m = db.session.scalars(select(Milestone).where(Milestone.code == "mgmt.rd_unit")).one()
    m.status, m.progress_note = "doing", "研发中心场地已落实"
    db.session.commit()
    f.evidence(firm, "rd_unit")
    db.session.commit()
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    db.session.expire_all()
    kept = db.session.get(Milestone, m.id)
    assert kept is not None and kept.progress_note == "研发中心场地已落实"
    roadmap = db.session.scalars(select(Roadmap)).one()
    assert any(c["kind"] == "obsolete" for c in roadmap.changes)


def test_what_if_changes_the_plan_without_saving(db):
    from pipeline.services.roadmaps import regenerate, what_if

    firm = _firm(db)
    regenerate([firm.id], TODAY)
    db.session.commit()  # services flush; the caller commits (issue 13)
    snapshot = [
        (m.code, m.due, m.title) for m in db.session.scalars(select(Milestone).order_by(Milestone.id))
    ]
    plan = what_if(
        firm, {"add_ip": {"invention_patent": 1}, "add_tech_staff": 3, "rd_ratio": {"2027": 0.06}}, TODAY
    )
    assert plan["today"] == TODAY.isoformat()
    db.session.rollback()
    assert [
        (m.code, m.due, m.title) for m in db.session.scalars(select(Milestone).order_by(Milestone.id))
    ] == snapshot


def test_admin_calendar_is_used_when_it_has_batches_ahead(db):
    from pipeline.services.roadmaps import planner_calendar

    assert planner_calendar(TODAY).batches  # default calendar without rows
    db.session.add(ApplicationBatch(code="2027-9", year=2027, cutoff=date(2027, 6, 20)))
    db.session.commit()
    cal = planner_calendar(TODAY)
    assert [b.id for b in cal.batches] == ["2027-9"]
