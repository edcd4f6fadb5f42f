"""A small city for reminder tests: two counties, their officers, firms and firm users."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f


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
    return City(
        a, b, officer_a, officer_a2, officer_b, admin, firm_a1, firm_a2, firm_b, user_a1, user_a2, user_b
    )
