"""The outbox scan: evaluate every rule for ``today`` and write reminder + delivery rows.

Reads with Core in a fixed number of queries (settings, firms, last-year figures, open milestones,
roadmap targets, batches, users, counties), runs the pure rules, then inserts reminders with
``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`` in chunks; a reminder and its
deliveries are written in the same transaction. So:

* a scan run twice, or two scans at once, creates nothing twice (the unique key decides);
* a scan killed mid-way leaves whole chunks behind; the rerun inserts exactly what is missing.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select, update

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import (
    ApplicationBatch,
    County,
    Firm,
    FiscalYear,
    Milestone,
    Reminder,
    Roadmap,
    ScanRun,
    User,
)
from pipeline.models.base import utcnow
from pipeline.reminders import prefs, rules, texts
from pipeline.reminders.settings import thresholds as load_thresholds
from pipeline.vocabulary import ROLE_FIRM, ROLE_OFFICER, STAGES

CHUNK = 5000  # rows per transaction: a killed scan loses at most one uncommitted chunk, redone on rerun
SCAN_TTL = timedelta(minutes=2)  # a "running" scan whose heartbeat is older than this was killed (issue 12)
SCAN_HEARTBEAT = 20.0  # seconds


@dataclass
class ScanResult:
    scan_id: int
    today: date
    hits: int = 0
    candidates: int = 0  # reminder rows wanted (hits × recipients)
    created: int = 0  # new reminder rows
    deliveries: int = 0  # new delivery rows
    by_rule: dict = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # read / rules / write seconds


# ------------------------------------------------------------------ loading (fixed number of queries)


class _Risk(NamedTuple):
    """A firm's stored compliance watch (issue 16): the risk codes and their summary."""

    codes: str
    summary: str


_NO_RISK = _Risk("", "")


class _ReportYears(NamedTuple):
    """Per firm, the 年报 years recorded as submitted and as not submitted (issue 16)."""

    submitted: dict[int, set]
    not_submitted: dict[int, set]


def _firms_with_last_year_figures(conn, today: date) -> set[int]:
    return set(
        conn.execute(
            select(FiscalYear.firm_id)
            .where(FiscalYear.year == today.year - 1, FiscalYear.is_estimate.is_(False))
            .distinct()
        ).scalars()
    )


def _report_years(conn, today: date) -> _ReportYears:
    from pipeline.models import AnnualReport

    years = _ReportYears(defaultdict(set), defaultdict(set))
    for r in conn.execute(
        select(AnnualReport.firm_id, AnnualReport.year, AnnualReport.submitted).where(
            AnnualReport.year >= today.year - 4
        )
    ).all():
        (years.submitted if r.submitted else years.not_submitted)[r.firm_id].add(r.year)
    return years


def _risks(conn) -> dict[int, _Risk]:
    """firm id → its stored compliance watch, for the firms at risk (issue 16)."""
    from pipeline.models import ComplianceWatch

    return {
        r.firm_id: _Risk(r.codes, r.summary)
        for r in conn.execute(
            select(ComplianceWatch.firm_id, ComplianceWatch.codes, ComplianceWatch.summary).where(
                ComplianceWatch.status == "at_risk"
            )
        ).all()
    }


def _firm_facts(conn, with_figures: set[int], reports: _ReportYears, risky: dict) -> list[rules.FirmFacts]:
    return [
        rules.FirmFacts(
            id=r.id,
            name=r.name,
            county_id=r.county_id,
            stage=r.stage,
            reports_submitted=frozenset(reports.submitted.get(r.id, ())),
            reports_not_submitted=frozenset(reports.not_submitted.get(r.id, ())),
            compliance_codes=risky.get(r.id, _NO_RISK).codes,
            compliance_summary=risky.get(r.id, _NO_RISK).summary,
            hnte_cert_date=r.hnte_cert_date,
            hnte_cert_expiry=r.hnte_cert_expiry,
            tsme_reg_no=r.tsme_reg_no,
            tsme_year=r.tsme_year,
            stage_changed_on=r.stage_changed_at.date() if r.stage_changed_at else None,
            has_last_year_figures=r.id in with_figures,
            stage_label=STAGES.get(r.stage, r.stage),
        )
        for r in conn.execute(
            select(
                Firm.id,
                Firm.name,
                Firm.county_id,
                Firm.stage,
                Firm.hnte_cert_date,
                Firm.hnte_cert_expiry,
                Firm.tsme_reg_no,
                Firm.tsme_year,
                Firm.stage_changed_at,
            )
        ).all()  # fetchall: much faster than row by row
    ]


def _milestone_facts(conn, today: date, th: rules.Thresholds) -> list[rules.MilestoneFacts]:
    """The open milestones due within the furthest reminder horizon."""
    horizon = today + timedelta(days=max(th.milestone_days))
    return [
        rules.MilestoneFacts(
            id=r.id,
            firm_id=r.firm_id,
            title=r.title,
            due=r.due,
            owner=r.owner,
            status=r.status,
            title_msg=r.title_msg,
        )
        for r in conn.execute(
            select(
                Milestone.id,
                Milestone.firm_id,
                Milestone.title,
                Milestone.due,
                Milestone.owner,
                Milestone.status,
                Milestone.title_msg,
            ).where(Milestone.status.in_(rules.OPEN_MILESTONE), Milestone.due <= horizon)
        ).all()
    ]


def _batch_facts(conn, today: date, th: rules.Thresholds) -> list[rules.BatchFacts]:
    """The batches whose cutoff falls within the furthest batch reminder."""
    return [
        rules.BatchFacts(r.code, r.cutoff)
        for r in conn.execute(
            select(ApplicationBatch.code, ApplicationBatch.cutoff).where(
                ApplicationBatch.cutoff >= today,
                ApplicationBatch.cutoff <= today + timedelta(days=max(th.batch_days)),
            )
        )
    ]


def _target_batches(conn, batches: list[rules.BatchFacts]) -> dict[int, str]:
    """firm id → its roadmap's target batch, for the firms aiming at one of ``batches``."""
    if not batches:
        return {}
    return dict(
        conn.execute(
            select(Roadmap.firm_id, Roadmap.target_batch).where(
                Roadmap.target_batch.in_([b.code for b in batches])
            )
        ).all()
    )


def load_inputs(conn, today: date, th: rules.Thresholds) -> rules.Inputs:
    """Everything the rules read, in a fixed number of queries."""
    from pipeline.services.compliance import calendar

    with_figures = _firms_with_last_year_figures(conn, today)
    reports = _report_years(conn, today)  # issue 16: 年报 submitted, the compliance watch
    risky = _risks(conn)
    cal = calendar(today)  # the admin's 年报 deadlines and 科小 windows per year (issue 14's data)
    window = cal.tsme_window(today.year)
    firms = _firm_facts(conn, with_figures, reports, risky)
    milestones = _milestone_facts(conn, today, th)
    batches = _batch_facts(conn, today, th)
    return rules.Inputs(
        firms=firms,
        milestones=milestones,
        batches=batches,
        target_batch=_target_batches(conn, batches),
        report_deadlines=dict(cal.annual_reports),  # a year without its own date: the reminder setting
        tsme_windows=((window.opens, window.closes),),
        tsme_renewal_by=window.renewal_by if today.year in cal.tsme_windows else None,
    )


class _Officer(NamedTuple):
    county_id: int
    channels: tuple  # ((channel, digest), ...)


@dataclass
class Recipients:
    """Who gets what: firm users by firm, officers by id and by county, county robots."""

    firm_users: dict = field(default_factory=lambda: defaultdict(list))
    officers: dict = field(default_factory=dict)  # user id → _Officer
    county_officers: dict = field(default_factory=lambda: defaultdict(list))
    firm_officer: dict = field(default_factory=dict)
    webhooks: dict = field(default_factory=dict)

    @classmethod
    def load(cls, conn) -> Recipients:
        r = cls()
        from pipeline.models import DeptNode
        from pipeline.vocabulary import TOWN_KINDS

        # issue 18: a town officer is no county officer: they get the reminders of the firms they are
        # responsible for, never the county-wide fallback (that would name firms outside their town)
        town_level = set(
            conn.execute(
                select(User.id)
                .join(DeptNode, DeptNode.id == User.node_id)
                .where(DeptNode.kind.in_(TOWN_KINDS))
            ).scalars()
        )
        for u in conn.execute(
            select(
                User.id,
                User.role,
                User.county_id,
                User.firm_id,
                User.email,
                User.notify_inapp,
                User.notify_email,
                User.inapp_digest,
                User.email_digest,
            ).where(permissions.active_with_role(ROLE_OFFICER, ROLE_FIRM))
        ):
            channels = prefs.channels_of(u)  # ((channel, digest), ...): routed per hit in ``expand``
            if permissions.has_role(u, ROLE_FIRM) and u.firm_id is not None:
                r.firm_users[u.firm_id].append((u.id, channels))
            elif permissions.has_role(u, ROLE_OFFICER) and u.county_id is not None:
                r.officers[u.id] = _Officer(u.county_id, channels)
                if u.id not in town_level:
                    r.county_officers[u.county_id].append((u.id, channels))
        r.firm_officer = dict(
            conn.execute(select(Firm.id, Firm.officer_id).where(Firm.officer_id.isnot(None))).all()
        )
        # county → True if every reminder goes to the robot at once ("instant"), False if only urgent ones
        r.webhooks = {
            cid: mode == "instant"
            for cid, mode in conn.execute(
                select(County.id, County.webhook_digest).where(
                    County.webhook_url.isnot(None), County.webhook_url != "", County.webhook_digest != "none"
                )
            )
        }
        return r

    def officers_of(self, firm_id: int, county_id: int) -> list:
        """The firm's own officer if active and in its county, else every officer of the county."""
        oid = self.firm_officer.get(firm_id)
        officer = self.officers.get(oid)
        if officer is not None and officer.county_id == county_id:
            return [(oid, officer.channels)]
        return list(self.county_officers.get(county_id, ()))

    def users_for(self, hit: rules.Hit, county_id: int) -> list:
        users = []
        firm_users = self.firm_users.get(hit.firm_id, ())
        if hit.audience in (rules.FIRM, rules.BOTH):
            users += [(uid, chs, True, False) for uid, chs in firm_users]
        # A firm without an active account cannot be reminded itself: its officer gets the reminder instead.
        if hit.audience in (rules.OFFICER, rules.BOTH) or not firm_users:
            stand_in = hit.audience == rules.FIRM  # the firm has no account: the officer passes it on
            users += [(uid, chs, False, stand_in) for uid, chs in self.officers_of(hit.firm_id, county_id)]
        return users


NO_ACCOUNT_NOTE = texts.TEXTS["w.no_account"]["zh"]


def message_of(text) -> dict:
    """The outbox columns of a text built by ``texts.pair``: its code and params (None for plain text)."""
    code = getattr(text, "code", None)
    return {"msg_code": code, "msg_params": dict(text.params) if code else None}


def dedupe_key(rule: str, subject_type: str, subject_id, period: str, recipient: str) -> str:
    return f"{rule}|{subject_type}:{subject_id}|{period}|{recipient}"


def expand(
    hits, firms_county: dict, recips: Recipients, scan_id: int | None, now: datetime
) -> list[tuple[dict, tuple]]:
    """Hits → (reminder row, channels) for each recipient; webhook rows for the urgent hits of a county
    with a robot (every hit if the robot is set to "instant"; none if it is set to "none")."""
    out = []
    for h in hits:
        county_id = firms_county[h.firm_id]
        base = dict(
            rule=h.rule,
            subject_type=h.subject_type,
            subject_id=h.subject_id,
            period=h.period,
            firm_id=h.firm_id,
            county_id=county_id,
            due_on=h.due_on,
            title=h.title,
            body=h.body,
            created_at=now,
            scan_id=scan_id,
            **message_of(h.body),
        )
        for uid, user_channels, firm_user, stand_in in recips.users_for(h, county_id):
            extra = {"body": h.body + NO_ACCOUNT_NOTE} if stand_in else {}
            if stand_in and base["msg_code"]:
                extra["msg_params"] = {**base["msg_params"], "stand_in": True}
            channels = prefs.route(user_channels, h.urgent)  # issue 17: non-urgent may wait for a digest
            out.append(
                (
                    {
                        **base,
                        **extra,
                        "user_id": uid,
                        "link": rules.link_for(h.firm_id, h.anchor, firm_user),
                        "dedupe_key": dedupe_key(h.rule, h.subject_type, h.subject_id, h.period, f"u{uid}"),
                    },
                    channels,
                )
            )
        if county_id in recips.webhooks and (h.urgent or recips.webhooks[county_id]):
            out.append(
                (
                    {
                        **base,
                        "user_id": None,
                        "link": rules.link_for(h.firm_id, h.anchor, False),
                        "dedupe_key": dedupe_key(
                            h.rule, h.subject_type, h.subject_id, h.period, f"c{county_id}"
                        ),
                    },
                    ("webhook",),
                )
            )
    return out


REMINDER_COLS = (
    "dedupe_key",
    "rule",
    "subject_type",
    "subject_id",
    "period",
    "firm_id",
    "county_id",
    "user_id",
    "due_on",
    "title",
    "body",
    "link",
    "created_at",
    "scan_id",
    "msg_code",
    "msg_params",
)
ROWS_PER_STATEMENT = 500  # 16 parameters a row: well inside SQLite's 32,766 and PostgreSQL's 65,535


def _driver_value(v, sqlite: bool):
    """SQLite stores dates as text in SQLAlchemy's formats; PostgreSQL takes the objects."""
    if sqlite:
        if isinstance(v, datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, date):
            return v.isoformat()
    return v


PG_TYPES = (
    "text",
    "text",
    "text",
    "int",
    "text",
    "int",
    "int",
    "int",
    "date",
    "text",
    "text",
    "text",
    "timestamp",
    "int",
    "text",
    "json",
)  # REMINDER_COLS as PostgreSQL array element types


def existing_keys(conn, keys: list[str]) -> set[str]:
    """Which of ``keys`` are already in the outbox (most of them, on every daily scan after the first)."""
    if conn.dialect.name == "postgresql":  # one query with an array parameter
        return set(
            conn.exec_driver_sql(
                "SELECT dedupe_key FROM reminder WHERE dedupe_key = ANY(%s)", (keys,)
            ).scalars()
        )
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        found.update(
            conn.execute(
                select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(keys[start : start + 900]))
            ).scalars()
        )
    return found


def write_outbox(
    rows: list[tuple[dict, tuple]], now: datetime, chunk: int = CHUNK, pause: float = 0.0
) -> tuple[int, int, Counter]:
    """Insert reminders (ON CONFLICT DO NOTHING) and, for the new ones, their deliveries; one transaction per chunk.

    Keys already present are skipped up front; the conflict clause still settles races with a
    concurrent scan. Every row's ``created_at`` is ``now``. The inserts go through the driver
    (SQLite: multi-row VALUES ... RETURNING and executemany; PostgreSQL: INSERT ... SELECT FROM
    unnest(arrays)): SQLAlchemy's per-row parameter processing cost more than the database work
    (measured: ~1.5 s of a 4 s scan over 46k reminders), and unnest halved PostgreSQL's round trips.
    """
    created = deliveries = 0
    by_rule: Counter = Counter()
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        have = existing_keys(conn, [r["dedupe_key"] for r, _ in rows])
    rows = [(r, ch) for r, ch in rows if r["dedupe_key"] not in have]
    created_at = _driver_value(now, sqlite)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        channels = {r["dedupe_key"]: (r["rule"], ch) for r, ch in part}
        with db.engine.begin() as conn:
            if sqlite:
                n_new, n_dels = _write_sqlite(conn, part, channels, by_rule, created_at)
            else:  # PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) per table and chunk
                n_new, n_dels = _write_pg(conn, part, channels, by_rule, now)
        created += n_new
        deliveries += n_dels
        if pause:
            time.sleep(pause)
    return created, deliveries, by_rule


def _write_sqlite(conn, part, channels, by_rule, now_text: str) -> tuple[int, int]:
    row_sql = "(" + ",".join(["?"] * len(REMINDER_COLS)) + ")"
    new = []
    for s in range(0, len(part), ROWS_PER_STATEMENT):
        piece = part[s : s + ROWS_PER_STATEMENT]
        sql = (
            f"INSERT INTO reminder ({', '.join(REMINDER_COLS)}) VALUES {','.join([row_sql] * len(piece))} "
            f"ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
        )
        params = []
        for r, _ in piece:
            due = r["due_on"]
            params += (
                r["dedupe_key"],
                r["rule"],
                r["subject_type"],
                r["subject_id"],
                r["period"],
                r["firm_id"],
                r["county_id"],
                r["user_id"],
                due.isoformat() if due is not None else None,
                r["title"],
                r["body"],
                r["link"],
                now_text,
                r["scan_id"],
                r.get("msg_code"),
                _json(r.get("msg_params")),
            )
        new += conn.exec_driver_sql(sql, tuple(params)).all()
    dels = []
    for rid, key in new:
        rule, chs = channels[key]
        by_rule[rule] += 1
        for entry in chs:
            c, status = prefs.split(entry)  # issue 17: "email:held" waits for the user's digest
            dels.append((rid, c, status, 0, now_text if status == "pending" else None))
    if dels:
        conn.exec_driver_sql(
            "INSERT INTO delivery (reminder_id, channel, status, attempts, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (reminder_id, channel) DO NOTHING",
            dels,
        )
    return len(new), len(dels)


def _json(v) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def _write_pg(conn, part, channels, by_rule, now) -> tuple[int, int]:
    arrays = tuple(
        [(_json(r.get(c)) if c == "msg_params" else r.get(c)) for r, _ in part] for c in REMINDER_COLS
    )
    sql = (
        f"INSERT INTO reminder ({', '.join(REMINDER_COLS)}) "
        f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in PG_TYPES)}) "
        f"ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
    )
    new = conn.exec_driver_sql(sql, arrays).all()
    ids, chs, sts = [], [], []
    for rid, key in new:
        rule, wanted = channels[key]
        by_rule[rule] += 1
        for entry in wanted:
            c, status = prefs.split(entry)  # issue 17: "email:held" waits for the user's digest
            ids.append(rid)
            chs.append(c)
            sts.append(status)
    if ids:
        conn.exec_driver_sql(
            "INSERT INTO delivery (reminder_id, channel, status, attempts, next_attempt_at) "
            "SELECT r, c, s, 0, CASE WHEN s = 'pending' THEN %s::timestamp END "
            "FROM unnest(%s::int[], %s::text[], %s::text[]) AS u(r, c, s) "
            "ON CONFLICT (reminder_id, channel) DO NOTHING",
            (now, ids, chs, sts),
        )
    return len(new), len(ids)


# ------------------------------------------------------------------ the use case


INTERRUPTED = "扫描中断（进程被终止或崩溃），未正常结束"


def mark_interrupted(now: datetime) -> list[date]:
    """Issue 12: "running" scans whose process died (same host) or whose heartbeat stopped more than
    SCAN_TTL ago become errors; returns their days, so the scheduler can scan again at once."""
    from pipeline.services.liveness import owner_dead

    with db.engine.begin() as conn:
        rows = conn.execute(
            select(ScanRun.id, ScanRun.owner, ScanRun.heartbeat_at, ScanRun.started_at, ScanRun.today).where(
                ScanRun.status == "running"
            )
        ).all()
        dead = [r for r in rows if owner_dead(r.owner, r.heartbeat_at or r.started_at, now, SCAN_TTL)]
        if dead:
            conn.execute(
                update(ScanRun)
                .where(ScanRun.id.in_([r.id for r in dead]), ScanRun.status == "running")
                .values(status="error", finished_at=now, error=INTERRUPTED)
            )
    return sorted({r.today for r in dead})


def _start(today: date, now: datetime) -> int:
    from pipeline.services.liveness import owner_name

    mark_interrupted(now)
    with db.engine.begin() as conn:
        return conn.execute(
            ScanRun.__table__.insert().values(
                started_at=now, today=today, status="running", created=0, owner=owner_name(), heartbeat_at=now
            )
        ).inserted_primary_key[0]


def _finish(scan_id: int, **values) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(ScanRun).where(ScanRun.id == scan_id).values(finished_at=utcnow(), **values))


def _scan(today: date, result: ScanResult, started: float, now: datetime, chunk: int, pause: float) -> None:
    with db.engine.connect() as conn:
        th = load_thresholds(conn)
        inputs = load_inputs(conn, today, th)
        recips = Recipients.load(conn)
    t_read = time.perf_counter()
    hits = rules.evaluate(inputs, today, th)
    rows = expand(hits, {f.id: f.county_id for f in inputs.firms}, recips, result.scan_id, now)
    t_rules = time.perf_counter()
    result.hits, result.candidates = len(hits), len(rows)
    result.created, result.deliveries, by_rule = write_outbox(rows, now, chunk, pause)
    result.by_rule = dict(sorted(by_rule.items()))
    result.seconds = time.perf_counter() - started
    result.timings = {
        "read": round(t_read - started, 3),
        "rules": round(t_rules - t_read, 3),
        "write": round(time.perf_counter() - t_rules, 3),
    }


def run_scan(today: date, *, chunk: int | None = None) -> ScanResult:
    """One scan for ``today``: returns what it created. Safe to run twice or concurrently.

    While it runs, its row's heartbeat is renewed; a scan whose process dies is marked interrupted
    by the next scan or the scheduler's recovery job within SCAN_TTL (issue 12)."""
    from pipeline.services.liveness import Heartbeat

    started = time.perf_counter()
    now = utcnow()
    chunk = chunk or int(os.environ.get("PIPELINE_SCAN_CHUNK", CHUNK))
    pause = float(os.environ.get("PIPELINE_TEST_SCAN_PAUSE", "0"))  # tests: time to kill the process mid-way
    scan_id = _start(today, now)
    result = ScanResult(scan_id=scan_id, today=today)
    try:
        with Heartbeat(db.engine, ScanRun.__table__, scan_id, SCAN_HEARTBEAT):
            _scan(today, result, started, now, chunk, pause)
        _finish(
            scan_id,
            status="ok",
            created=result.created,
            summary={
                "hits": result.hits,
                "candidates": result.candidates,
                "deliveries": result.deliveries,
                "by_rule": result.by_rule,
                "seconds": round(result.seconds, 3),
                "timings": result.timings,
            },
        )
    except Exception as exc:
        _finish(
            scan_id,
            status="error",
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:4000],
        )
        raise
    return result
