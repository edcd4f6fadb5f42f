"""Calendar edits re-plan the roadmaps they affect, as a background job with progress (issue 11).

A roadmap records the calendar version it was planned under (batches, 科小/年报 dates and lead
times). After an admin edits the calendar, every roadmap of a planned firm whose version differs
from the current one is out of date: ``queue_replan`` queues one ``Job`` (kind ``replan``) for
them on the queue the PDF batches use; the scheduler process claims it (``reports.jobs``) and
``run_replan`` regenerates the roadmaps in chunks, writing the progress and, at the end, how many
roadmaps moved (target batch changed, dates moved, milestones superseded).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from pipeline.extensions import db
from pipeline.models import Firm, Job, Roadmap, User
from pipeline.roadmap import lead_times_version
from pipeline.vocabulary import PLANNED_STAGES, REPLAN_JOB

CHUNK = 200


def current_version(today: date) -> str:
    from pipeline.services.roadmaps import planner_calendar, planner_lead_times

    return f"{planner_calendar(today).version}/{lead_times_version(planner_lead_times())}"


def affected_firm_ids(today: date) -> list[int]:
    """Planned firms whose roadmap was made under another calendar than today's."""
    version = current_version(today)
    return list(
        db.session.scalars(
            select(Roadmap.firm_id)
            .join(Firm, Firm.id == Roadmap.firm_id)
            .where(Roadmap.calendar_version != version, Firm.stage.in_(PLANNED_STAGES))
            .order_by(Roadmap.firm_id)
        )
    )


def targeting(batch_code: str) -> int:
    """How many roadmaps aim at the batch (said before the batch is deleted)."""
    return db.session.scalar(select(db.func.count()).where(Roadmap.target_batch == batch_code)) or 0


def queue_replan(user: User, reason: str, today: date) -> Job | None:
    """Queue (in the caller's transaction) the re-plan of the affected roadmaps; a re-plan still
    waiting in the queue is reused, since it will read the calendar as it is when it runs.
    None when no roadmap is affected."""
    total = len(affected_firm_ids(today))
    if total == 0:
        return None
    job = pending()
    if job is None:
        job = Job(kind=REPLAN_JOB, status="queued", progress=0, created_by_id=user.id, county_id=None)
        db.session.add(job)
    reasons = [*((job.params or {}).get("reasons") or []), reason][-10:]
    job.params = {"today": today.isoformat(), "reasons": reasons}
    job.total = total
    db.session.flush()
    return job


def run_replan(job: Job, today: date) -> dict:
    """Regenerate the affected roadmaps chunk by chunk (one commit per chunk, progress on the row);
    returns (and keeps in ``job.params["result"]``) the counts of what moved."""
    from pipeline.services.roadmaps import regenerate

    ids = affected_firm_ids(today)
    version = current_version(today)
    job.total = len(ids)
    db.session.commit()  # issue 13, allowed: a long batch job; its progress is seen while it runs
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    result = {"replanned": 0, "target_changed": 0, "dates_moved": 0, "superseded": 0}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        regenerate(chunk, today, user)
        replanned = select(Roadmap.changes).where(
            Roadmap.firm_id.in_(chunk), Roadmap.calendar_version == version
        )
        for changes in db.session.scalars(replanned):
            kinds = {c.get("kind") for c in changes or ()}
            result["target_changed"] += "target" in kinds
            result["dates_moved"] += "moved" in kinds
            result["superseded"] += "superseded" in kinds
        result["replanned"] += len(chunk)
        db.session.execute(update(Job).where(Job.id == job.id).values(progress=result["replanned"]))
        db.session.commit()  # issue 13, allowed: one chunk per transaction, progress seen while it runs
    job.params = {**(job.params or {}), "result": result}
    return result


def pending() -> Job | None:
    """The re-plan waiting in the queue, if any (what an edit just queued or joined)."""
    return db.session.scalars(
        select(Job).where(Job.kind == REPLAN_JOB, Job.status == "queued").order_by(Job.id)
    ).first()


def latest_jobs(limit: int = 3) -> list[Job]:
    return list(
        db.session.scalars(select(Job).where(Job.kind == REPLAN_JOB).order_by(Job.id.desc()).limit(limit))
    )
