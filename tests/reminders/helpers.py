"""Helpers for the reminder tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

from datetime import date

from pipeline.models import Milestone, Roadmap


def milestone(
    firm,
    due: date,
    owner: str = "firm",
    title: str = "申请发明专利",
    status: str = "todo",
    target_batch: str | None = None,
) -> Milestone:
    from pipeline.extensions import db

    rm = db.session.query(Roadmap).filter_by(firm_id=firm.id).first()
    if rm is None:
        rm = Roadmap(
            firm_id=firm.id,
            generated_for=due,
            rules_version="t",
            calendar_version="t",
            plan={},
            target_batch=target_batch,
        )
        db.session.add(rm)
        db.session.flush()
    m = Milestone(
        roadmap_id=rm.id,
        firm_id=firm.id,
        code=f"m{due.isoformat()}{title}",
        title=title,
        due=due,
        owner=owner,
        status=status,
        addresses=[],
    )
    db.session.add(m)
    db.session.flush()
    return m
