"""A small scoped world for the API tests: two counties, three firms, four kinds of user, tokens."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories as f

TODAY = date(2026, 6, 15)


@pytest.fixture
def world(db):
    from pipeline.models import Milestone
    from pipeline.services.tokens import issue_token

    x = f.county("320706", "海州区")
    y = f.county("320723", "灌云县")
    own = f.firm(x, name="自家科技有限公司", stage="coaching")
    same = f.firm(x, name="同区科技有限公司", stage="pool")
    other = f.firm(y, name="外县科技有限公司", stage="to_apply")
    milestones = {}
    for fm in (own, same, other):
        f.assessment(fm, "marginal", TODAY, score_min=65, score_max=75, result={"verdict": "marginal"})
        rm = f.roadmap(fm, TODAY, "2027-1", 2027, projected_min=72, projected_max=78)
        ms = Milestone(
            roadmap_id=rm.id,
            firm_id=fm.id,
            code="ip.file.utility_model",
            title="申请实用新型专利2项",
            due=date(2026, 9, 30),
            owner="firm",
            addresses=["H2"],
        )
        db.session.add(ms)
        db.session.flush()
        milestones[fm.id] = ms.id
    users = {
        "firm": f.user("firm_x", "firm", firm=own),
        "officer": f.user("off_x", "officer", county=x),
        "other_officer": f.user("off_y", "officer", county=y),
        "admin": f.user("admin", "admin"),
    }
    db.session.commit()
    tokens = {k: issue_token(u, "测试") for k, u in users.items()}
    return {
        "counties": {"x": x, "y": y},
        "firms": {"own": own, "same": same, "other": other},
        "users": users,
        "tokens": tokens,
        "milestones": milestones,
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
