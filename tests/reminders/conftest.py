"""A small city for reminder tests: two counties, their officers, firms and firm users."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import factories as f
import pytest

from pipeline.models import Milestone, Roadmap


@dataclass
class City:
    a: object
    b: object
    officer_a: object
    officer_a2: object
    officer_b: object
    admin: object
    firm_a1: object
    firm_a2: object
    firm_b: object
    user_a1: object
    user_a2: object
    user_b: object


@pytest.fixture
def city(db):
    a = f.county("320706", "海州区")
    b = f.county("320703", "连云区")
    officer_a = f.user("officer_a", "officer", county=a, display_name="海州专员")
    officer_a2 = f.user("officer_a2", "officer", county=a, display_name="海州专员二")
    officer_b = f.user("officer_b", "officer", county=b)
    admin = f.user("admin", "admin")
    firm_a1 = f.firm(a, "连云港甲科技有限公司", officer_id=officer_a.id)
    firm_a2 = f.firm(a, "连云港乙科技有限公司")
    firm_b = f.firm(b, "连云港丙科技有限公司", officer_id=officer_b.id)
    for fm in (firm_a1, firm_a2, firm_b):
        f.year(fm, 2025)  # last-year figures present: no stale-data reminders unless a test wants them
    user_a1 = f.user("firm_a1", "firm", county=a, firm=firm_a1, display_name="甲公司联系人")
    user_a2 = f.user("firm_a2", "firm", county=a, firm=firm_a2)
    user_b = f.user("firm_b", "firm", county=b, firm=firm_b)
    f.db.session.commit()
    return City(a, b, officer_a, officer_a2, officer_b, admin, firm_a1, firm_a2, firm_b, user_a1, user_a2, user_b)


def milestone(firm, due: date, owner: str = "firm", title: str = "申请发明专利", status: str = "todo",
              target_batch: str | None = None) -> Milestone:
    from pipeline.extensions import db

    rm = db.session.query(Roadmap).filter_by(firm_id=firm.id).first()
    if rm is None:
        rm = Roadmap(firm_id=firm.id, generated_for=due, rules_version="t", calendar_version="t", plan={},
                     target_batch=target_batch)
        db.session.add(rm)
        db.session.flush()
    m = Milestone(roadmap_id=rm.id, firm_id=firm.id, code=f"m{due.isoformat()}{title}", title=title, due=due,
                  owner=owner, status=status, addresses=[])
    db.session.add(m)
    db.session.flush()
    return m
