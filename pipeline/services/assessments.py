"""Assessments: run the criteria engine over firms and keep its output, with its rules version.

The cached row (``Assessment``) holds what lists, dashboards, the forecast and reminders need:
verdict, score bands, every condition's status, value and threshold, the tech-SME result, and the
gap codes with their amounts. The Chinese explanations are text derived from those numbers; they
are produced for one firm at a time by :func:`full_result` (about a millisecond), so re-assessing
20,000 firms stays close to the cost of reading them.

``refresh_firms`` is called by every service that changes a firm's data, so the cached verdict
never lags the figures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import delete, select

from pipeline import clock, runtime
from pipeline.config import json_dumps
from pipeline.criteria import RULES_VERSION, assess
from pipeline.criteria.hnte import ITEM_ORDER
from pipeline.extensions import db
from pipeline.models import Assessment
from pipeline.models.base import utcnow
from pipeline.services.profiles import Share, load_profiles, next_application_date

_BATCH = 2000


def compact(result) -> dict:
    """The cached form of an engine Assessment: the contract's numbers without explanation text."""
    items = result.items
    tsme = result.tsme
    return {
        "rules_version": RULES_VERSION,
        "application_year": result.application_year,
        "verdict": result.verdict,
        "conditions": {
            k: {"status": c.status, "value": c.value, "required": c.required}
            for k, c in result.conditions.items()
        },
        "score": {
            "min": result.score_min,
            "max": result.score_max,
            "items": {k: [*items[k]] for k in ITEM_ORDER},
        },
        "tsme": None if tsme is None else tsme.to_dict(),
        "explained": False,
    }


class AssessmentRow(NamedTuple):
    """One assessment row as the driver-level insert takes it (the columns in this order)."""

    firm_id: int
    rules_version: str
    assessed_at: datetime
    application_date: date
    verdict: str
    score_min: int | None
    score_max: int | None
    tsme_eligible: bool | None
    result: str  # the JSON text


_COLUMNS = AssessmentRow._fields


def _row(fid, result, application_date, now, with_text: bool) -> AssessmentRow:
    """One row for the driver-level insert; the JSON is serialised here (in the worker, in parallel)."""
    data = result.to_dict(codes=True) if with_text else compact(result)
    if with_text:
        data["explained"] = True
    tsme = result.tsme
    return AssessmentRow(
        firm_id=fid,
        rules_version=RULES_VERSION,
        assessed_at=now,
        application_date=application_date,
        verdict=result.verdict,
        score_min=result.score_min,
        score_max=result.score_max,
        tsme_eligible=None if tsme is None else bool(tsme.eligible),
        result=json_dumps(data),
    )


def _insert_rows(rows: list[AssessmentRow]) -> None:
    """executemany straight through the driver: the ORM/Core per-row processing was a third of assess-all."""
    conn = db.session.connection()
    names = ", ".join(_COLUMNS)
    if conn.dialect.name == "sqlite":
        # The stored forms SQLAlchemy itself uses for SQLite dates and datetimes.
        rows = [
            r._replace(
                assessed_at=r.assessed_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                application_date=r.application_date.isoformat(),
            )
            for r in rows
        ]
        sql = f"INSERT INTO assessment ({names}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    else:
        sql = f"INSERT INTO assessment ({names}) VALUES ({', '.join(['%s'] * (len(_COLUMNS) - 1))}, CAST(%s AS JSON))"
    for start in range(0, len(rows), _BATCH):
        conn.exec_driver_sql(sql, rows[start : start + _BATCH])


def _assess_rows(application_date: date, firm_ids, now, with_text: bool) -> tuple[list, float]:
    started = time.perf_counter()
    profiles = load_profiles(application_date, firm_ids)
    loaded = time.perf_counter() - started
    return [_row(fid, assess(p), application_date, now, with_text) for fid, p in profiles.items()], loaded


_FORK_APP = None


def _assess_part(args) -> tuple[list, float]:
    """In a forked worker: load and assess one share of the firms with its own connection."""
    application_date, ids, now = args
    with _FORK_APP.app_context():
        db.engine.dispose(close=False)  # never reuse the parent's connections
        try:
            return _assess_rows(application_date, ids, now, False)
        finally:
            db.session.remove()


def _parallel_rows(application_date: date, now, workers: int) -> tuple[list, float] | None:
    """Both cores: each worker loads and assesses a share of the firms; None if fork is unavailable."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    global _FORK_APP
    _FORK_APP = runtime.app_object()
    shares = [Share(i, workers) for i in range(workers)]
    db.session.commit()  # issue 13, allowed (fork): release this session's connection; its objects stay usable
    db.engine.dispose()  # no pooled connection crosses the fork
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # A bounded wait: a worker that dies must fail the run, never hang the nightly job.
        parts = pool.map_async(_assess_part, [(application_date, share, now) for share in shares]).get(
            timeout=3600
        )
    return [row for rows, _ in parts for row in rows], max(t for _, t in parts)


def assess_firms(
    today: date,
    firm_ids: Iterable[int] | None = None,
    with_text: bool = False,
    workers: int | None = None,
) -> dict:
    """(Re)assess the firms (all when None) as of the next application batch; returns counts and time.

    A run over every firm uses every core (forked workers, each with its own connection); a few
    firms are assessed in-process inside the caller's transaction.
    """
    started = time.perf_counter()
    application_date = next_application_date(today)
    now = utcnow()
    workers = workers if workers is not None else (os.cpu_count() or 1)
    result = None
    if firm_ids is None and workers > 1:
        # Issue 13, allowed mid-way commit, the forked workers read through their own connections, so
        # they must see what the caller wrote (only assess-all / seed-demo take this path).
        db.session.commit()
        result = _parallel_rows(application_date, now, workers)
    if result is None:
        result = _assess_rows(application_date, firm_ids, now, with_text)
    rows, load_seconds = result
    computed = time.perf_counter()
    verdicts: dict[str, int] = {}
    for row in rows:
        verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
    ids = [r.firm_id for r in rows] if firm_ids is None else list(firm_ids)
    if firm_ids is None:
        db.session.execute(delete(Assessment))
    else:
        for start in range(0, len(ids), 10000):
            db.session.execute(delete(Assessment).where(Assessment.firm_id.in_(ids[start : start + 10000])))
    _insert_rows(rows)
    db.session.flush()
    done = time.perf_counter()
    return {
        "assessed": len(rows),
        "application_date": application_date,
        "verdicts": verdicts,
        "seconds": done - started,
        "load_seconds": load_seconds,
        "engine_seconds": computed - started - load_seconds,
        "write_seconds": done - computed,
    }


def assess_all(today: date) -> dict:
    return assess_firms(today, None)


def refresh_firms(firm_ids: Iterable[int], today: date) -> dict:
    """Re-assess after a write, inside the caller's transaction.

    A handful of firms: the cached rows carry the full explained output too.
    """
    ids = list(firm_ids)
    return assess_firms(today, ids, with_text=len(ids) <= 50)


def latest(firm_id: int) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(Assessment.firm_id == firm_id)).first()


def full_result(firm_id: int, today: date | None = None, cached: Assessment | None = None) -> dict | None:
    """The complete engine output for one firm, with every explanation and gap in Chinese.

    Assessed as of the cached row's application date (so the page explains exactly the cached
    verdict), or of the next batch after ``today`` when the firm has no row yet. None if the firm
    cannot be assessed (no registration date). ``cached``: the firm's row when the caller has read it.
    """
    cached = cached if cached is not None and cached.firm_id == firm_id else latest(firm_id)
    if cached is not None and cached.result.get("explained"):
        return cached.result
    if cached is not None:
        application_date = cached.application_date
    else:
        application_date = next_application_date(today or clock.today())
    profile = load_profiles(application_date, [firm_id]).get(firm_id)
    if profile is None:
        return None
    data = assess(profile).to_dict(codes=True)
    data["explained"] = True
    return data
