"""Reminder rules: PURE functions of plain data and ``today`` (no Flask, no SQLAlchemy, no clock).

Each rule looks at one kind of subject and returns :class:`Hit` objects: "this subject needs a
reminder of this kind for this period". A hit fires on every day of its window, and its
``period`` is the same on each of those days, so the outbox's unique dedupe key
(rule|subject|period|recipient) turns a daily scan into exactly one reminder per window, even
when the scan missed days or ran twice.

Windows (thresholds come from :class:`Thresholds`, i.e. the settings):

* milestone due in 14 / 3 days, overdue;
* application batch cutoff in 30 / 7 days (firms whose roadmap targets the batch);
* HNTE 年报 by 31 May in each year after certification while the certificate is valid;
* certificate expiry in 12 / 6 / 3 months (re-apply in the expiry year);
* tech-SME yearly update by 31 March;
* stale data: no figures for the last fiscal year from 1 April;
* a stage unchanged for more than N days.

Statutory deadlines (年报, tech-SME update) that fall on a Chinese public holiday or weekend move
to the next working day (``chinese_calendar``), and the reminder states that real deadline.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from pipeline.reminders.texts import label, loc, msg, pair
from pipeline.vocabulary import REMINDER_RULES, REMINDER_SETTINGS, TERMINAL_STAGES

# ------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Thresholds:
    """Every number a rule uses; the scan fills it from the ``setting`` table (defaults here)."""

    milestone_days: tuple[int, ...] = (14, 3)
    batch_days: tuple[int, ...] = (30, 7)
    annual_report_due: tuple[int, int] = (5, 31)  # month, day
    annual_report_from: tuple[int, int] = (5, 1)
    expiry_months: tuple[int, ...] = (12, 6, 3)
    tsme_due: tuple[int, int] = (3, 31)
    tsme_from: tuple[int, int] = (3, 1)
    stale_from: tuple[int, int] = (4, 1)
    stage_stuck_days: int = 180
    stalled_days: int = 90  # issue 18: no stage move, milestone progress or data update for this long

    @classmethod
    def from_settings(cls, values: Mapping[str, object]) -> Thresholds:
        """Build from ``{setting key: JSON value}``; unknown keys are ignored, bad values fall back."""
        base = cls()
        kw = {}
        for name in cls.__dataclass_fields__:
            raw = values.get(f"reminders.{name}")
            if raw is None:
                continue
            default = getattr(base, name)
            try:
                if isinstance(default, tuple):
                    val = tuple(int(x) for x in raw)
                    if name in (
                        "annual_report_due",
                        "annual_report_from",
                        "tsme_due",
                        "tsme_from",
                        "stale_from",
                    ):
                        date(2000, *val)  # a valid month/day (2000 is a leap year)
                    else:
                        val = tuple(sorted((v for v in val if v > 0), reverse=True))
                        if not val:
                            continue
                else:
                    val = int(raw)
                    if val <= 0:
                        continue
            except (TypeError, ValueError):
                continue
            kw[name] = val
        return cls(**{**base.__dict__, **kw})

    def as_settings(self) -> dict[str, object]:
        return {f"reminders.{k}": list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


SETTING_LABELS = REMINDER_SETTINGS

# ------------------------------------------------------------------ working days


@lru_cache(maxsize=4096)
def is_workday(d: date) -> bool:
    """China's working-day calendar (make-up workdays included); weekdays outside its data range.

    Cached: the library scans its whole holiday table on every call.
    """
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # outside the library's data range
        return d.weekday() < 5


@lru_cache(maxsize=4096)
def next_workday(d: date) -> date:
    """``d`` itself if it is a working day, else the first working day after it."""
    while not is_workday(d):
        d += timedelta(days=1)
    return d


from pipeline.criteria.rules import add_months  # noqa: E402  (the one definition)


def _md(year: int, md: tuple[int, int]) -> date:
    month, day = md
    return date(year, month, min(day, _cal.monthrange(year, month)[1]))


def _deadline(nominal: date, real: date) -> dict:
    """The deadline as a message: the real date, and why when a holiday moved it."""
    if real == nominal:
        return msg("w.date", date_on=real)
    return msg("w.date_moved", date_on=real, nominal_on=nominal)


# ------------------------------------------------------------------ inputs and outputs


@dataclass(frozen=True, slots=True)
class FirmFacts:
    id: int
    name: str
    county_id: int
    stage: str
    hnte_cert_date: date | None = None
    hnte_cert_expiry: date | None = None
    tsme_reg_no: str | None = None
    tsme_year: int | None = None
    stage_changed_on: date | None = None
    has_last_year_figures: bool = True
    stage_label: str = ""
    # issue 16: 年报 years recorded as submitted; the stored compliance watch (codes + summary when at risk)
    reports_submitted: frozenset = frozenset()
    reports_not_submitted: frozenset = frozenset()
    compliance_codes: str = ""
    compliance_summary: str = ""


@dataclass(frozen=True, slots=True)
class MilestoneFacts:
    id: int
    firm_id: int
    title: str
    due: date
    owner: str  # firm | officer
    status: str  # todo | doing | done | waived
    title_msg: dict | None = None  # the engine's message of the title (English pages render it)


@dataclass(frozen=True)
class BatchFacts:
    code: str
    cutoff: date


FIRM, OFFICER, BOTH = "firm", "officer", "both"
OPEN_MILESTONE = frozenset({"todo", "doing"})


@dataclass(slots=True)
class Hit:
    """One reminder before recipients are known. ``audience`` is firm, officer or both."""

    rule: str
    subject_type: str  # firm | milestone | batch
    subject_id: int
    period: str
    firm_id: int
    audience: str
    due_on: date | None
    title: str
    body: str
    anchor: str  # where on the firm's page: "ms-<id>" (a milestone), "roadmap" or "" (the page)
    urgent: bool = False  # also posted to the county's group robot


RULE_LABELS = REMINDER_RULES


def link_for(firm_id: int, anchor: str, firm_user: bool) -> str:
    """The path a recipient opens: staff the firm page, firm users their portal."""
    path = "/portal/" if firm_user else f"/firms/{firm_id}"
    return f"{path}#{anchor}" if anchor else path


def _window(days_left: int, marks: Sequence[int]) -> int | None:
    """The mark whose window holds ``days_left``: marks (14, 3) → 14 for 4..14, 3 for 0..3.

    ``marks`` are in descending order (Thresholds keeps them so).
    """
    if days_left < 0 or days_left > marks[0]:
        return None
    for m in reversed(marks):
        if 0 <= days_left <= m:
            return m
    return None


# ------------------------------------------------------------------ rules


def milestone_rules(ms: MilestoneFacts, firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    if ms.status not in OPEN_MILESTONE or firm.stage == "exited":
        return []
    left = (ms.due - today).days
    anchor = f"ms-{ms.id}"
    title = loc(ms.title, ms.title_msg)
    if left < 0:
        return [
            Hit(
                "milestone_overdue",
                "milestone",
                ms.id,
                f"overdue:{ms.due.isoformat()}",
                firm.id,
                BOTH,
                ms.due,
                *pair("milestone_overdue", firm=firm.name, title=title, due_on=ms.due, days=-left),
                anchor,
                urgent=True,
            )
        ]
    mark = _window(left, th.milestone_days)
    if mark is None:
        return []
    audience = OFFICER if ms.owner == "officer" else FIRM
    when = msg("w.today") if left == 0 else msg("w.in_days", n=left)
    return [
        Hit(
            "milestone_due",
            "milestone",
            ms.id,
            f"d{mark}:{ms.due.isoformat()}",
            firm.id,
            audience,
            ms.due,
            *pair(
                "milestone_due",
                firm=firm.name,
                title=title,
                due_on=ms.due,
                when=when,
                owner=msg("w.owner.officer" if audience == OFFICER else "w.owner.firm"),
            ),
            anchor,
            urgent=mark == th.milestone_days[-1],
        )
    ]


def batch_rules(firm: FirmFacts, batch: BatchFacts, today: date, th: Thresholds) -> list[Hit]:
    if firm.stage in TERMINAL_STAGES or firm.stage == "applied":
        return []
    left = (batch.cutoff - today).days
    mark = _window(left, th.batch_days)
    if mark is None:
        return []
    when = msg("w.closes_today") if left == 0 else msg("w.closes_in", n=left)
    return [
        Hit(
            "batch_cutoff",
            "batch",
            firm.id,
            f"{batch.code}:d{mark}:{batch.cutoff.isoformat()}",
            firm.id,
            BOTH,
            batch.cutoff,
            *pair("batch_cutoff", firm=firm.name, batch=batch.code, cutoff_on=batch.cutoff, when=when),
            "roadmap",
            urgent=mark == th.batch_days[-1],
        )
    ]


def _report_deadline(y: int, th: Thresholds, deadlines: Mapping[int, date] | None) -> tuple[date, date]:
    """(nominal, real) 年报 deadline of year ``y``: the year's own date when set, else the threshold."""
    nominal = (deadlines or {}).get(y) or _md(y, th.annual_report_due)
    return nominal, next_workday(nominal)


def annual_report_rule(
    firm: FirmFacts, today: date, th: Thresholds, deadlines: Mapping[int, date] | None = None
) -> list[Hit]:
    """年报 by 31 May (or the year's own deadline) of each year after the certificate year while the
    certificate is valid; nothing once the year's 年报 is recorded as submitted."""
    cert = firm.hnte_cert_date
    if cert is None or firm.stage == "exited":
        return []
    y = today.year
    if not (cert.year < y and (firm.hnte_cert_expiry is None or firm.hnte_cert_expiry.year >= y)):
        return []
    if y in firm.reports_submitted:
        return []
    nominal, real = _report_deadline(y, th, deadlines)
    if not (_md(y, th.annual_report_from) <= today <= real):
        return []
    return [
        Hit(
            "annual_report",
            "firm",
            firm.id,
            str(y),
            firm.id,
            BOTH,
            real,
            *pair(
                "annual_report",
                firm=firm.name,
                due_on=real,
                report_year=y - 1,
                deadline=_deadline(nominal, real),
            ),
            "",
        )
    ]


def annual_report_missed_rule(
    firm: FirmFacts, today: date, th: Thresholds, deadlines: Mapping[int, date] | None = None
) -> list[Hit]:
    """After a 年报 deadline passed: a year recorded as not submitted is *missed* (one reminder per
    year; two missed years: one revocation-risk reminder, period = the missed years); this year's
    deadline passed with no record at all asks the officer and the firm to verify and record it.
    Same definitions as ``pipeline.compliance.missed_reports``."""
    cert, exp = firm.hnte_cert_date, firm.hnte_cert_expiry
    if cert is None or exp is None or firm.stage == "exited" or today > exp:
        return []
    hits, missed = [], []
    for y in range(cert.year + 1, min(exp.year, today.year) + 1):
        if y in firm.reports_submitted:
            continue
        nominal, real = _report_deadline(y, th, deadlines)
        if today <= real:
            continue
        if y in firm.reports_not_submitted:
            missed.append(y)
            hits.append(
                Hit(
                    "annual_report_missed",
                    "firm",
                    firm.id,
                    str(y),
                    firm.id,
                    BOTH,
                    real,
                    *pair("annual_report_missed", firm=firm.name, year=y, due_on=real),
                    "annual-reports",
                    urgent=True,
                )
            )
        elif y == today.year:
            hits.append(
                Hit(
                    "annual_report_missed",
                    "firm",
                    firm.id,
                    f"{y}:unrecorded",
                    firm.id,
                    BOTH,
                    real,
                    *pair("annual_report_unrecorded", firm=firm.name, year=y, due_on=real),
                    "annual-reports",
                )
            )
    if len(missed) >= 2:
        hits.append(
            Hit(
                "annual_report_revocation",
                "firm",
                firm.id,
                ",".join(map(str, missed)),
                firm.id,
                BOTH,
                None,
                *pair("annual_report_revocation", firm=firm.name, n=len(missed), years=list(missed)),
                "annual-reports",
                urgent=True,
            )
        )
    return hits


def compliance_risk_rule(firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    """A certified firm whose stored compliance watch is at risk: once per year and set of reasons."""
    if not firm.compliance_codes or firm.stage == "exited":
        return []
    return [
        Hit(
            "compliance_risk",
            "firm",
            firm.id,
            f"{today.year}:{firm.compliance_codes}",
            firm.id,
            BOTH,
            None,
            *pair("compliance_risk", firm=firm.name, summary=_summary(firm)),
            "compliance",
        )
    ]


def _summary(firm: FirmFacts) -> dict:
    """The stored Chinese summary, and its reasons as messages (English names them from the codes)."""
    codes = [c for c in firm.compliance_codes.split(",") if c]
    return loc(firm.compliance_summary, msg("cw.reasons", items=[msg(f"cw.{c}") for c in codes]))


TSME_WINDOW_DAYS = (30, 7)  # remind 30 and 7 days before a 科小 evaluation window opens


def tsme_window_rule(
    firm: FirmFacts, today: date, windows: Sequence[tuple[date, date]], year: int
) -> list[Hit]:
    """Before a 科小 evaluation window opens: registered tech SMEs (yearly re-evaluation) and firms
    in cultivation that are not yet registered for the year."""
    if firm.stage in ("exited", "failed"):
        return []
    if firm.tsme_year is not None and firm.tsme_year >= year:
        return []
    if not firm.tsme_reg_no and firm.stage in TERMINAL_STAGES:
        return []
    hits = []
    for opens, closes in windows:
        mark = _window((opens - today).days, TSME_WINDOW_DAYS)
        if mark is None or today >= opens:
            continue
        hits.append(
            Hit(
                "tsme_window",
                "firm",
                firm.id,
                f"{year}:{opens.isoformat()}:d{mark}",
                firm.id,
                BOTH,
                opens,
                *pair(
                    "tsme_window",
                    firm=firm.name,
                    year=year,
                    opens_on=opens,
                    closes_on=closes,
                    what=msg("w.tsme.renew" if firm.tsme_reg_no else "w.tsme.first"),
                ),
                "",
            )
        )
    return hits


def cert_expiry_rule(firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    exp = firm.hnte_cert_expiry
    if exp is None or firm.stage == "exited" or today > exp:
        return []
    marks = sorted(th.expiry_months)
    for m in marks:
        if today >= add_months(exp, -m):
            return [
                Hit(
                    "cert_expiry",
                    "firm",
                    firm.id,
                    f"m{m}:{exp.isoformat()}",
                    firm.id,
                    BOTH,
                    exp,
                    *pair("cert_expiry", firm=firm.name, m=m, expiry_on=exp, year=exp.year),
                    "roadmap",
                    urgent=m == marks[0],
                )
            ]
    return []


def cert_expired_rule(firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    """A firm still at 已认定 whose certificate has expired: once per certificate (issue 11)."""
    from pipeline.services.certificates import EXPIRED, state

    exp = firm.hnte_cert_expiry
    if firm.stage != "certified" or state(firm.hnte_cert_date, exp, today) != EXPIRED:
        return []
    return [
        Hit(
            "cert_expired",
            "firm",
            firm.id,
            f"expired:{exp.isoformat()}",
            firm.id,
            OFFICER,
            exp,
            *pair("cert_expired", firm=firm.name, expiry_on=exp),
            "profile",
            urgent=True,
        )
    ]


def tsme_update_rule(
    firm: FirmFacts, today: date, th: Thresholds, renewal_by: date | None = None
) -> list[Hit]:
    """Registered tech SMEs update their record every year by 31 March (or the renewal date the
    admin entered for the year on the planning calendar, issue 14's data)."""
    if not firm.tsme_reg_no or firm.stage == "exited":
        return []
    y = today.year
    if firm.tsme_year is not None and firm.tsme_year >= y:
        return []  # already evaluated / updated this year
    nominal = renewal_by if renewal_by is not None and renewal_by.year == y else _md(y, th.tsme_due)
    real = next_workday(nominal)
    if not (min(_md(y, th.tsme_from), nominal - timedelta(days=30)) <= today <= real):
        return []
    return [
        Hit(
            "tsme_update",
            "firm",
            firm.id,
            str(y),
            firm.id,
            BOTH,
            real,
            *pair(
                "tsme_update",
                firm=firm.name,
                due_on=real,
                year=y,
                reg_no=firm.tsme_reg_no,
                deadline=_deadline(nominal, real),
            ),
            "",
        )
    ]


def stale_data_rule(firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    if firm.has_last_year_figures or firm.stage in ("exited", "failed"):
        return []
    if today < _md(today.year, th.stale_from):
        return []
    last = today.year - 1
    return [
        Hit(
            "stale_data",
            "firm",
            firm.id,
            str(last),
            firm.id,
            BOTH,
            None,
            *pair("stale_data", firm=firm.name, year=last),
            "",
        )
    ]


def stage_stuck_rule(firm: FirmFacts, today: date, th: Thresholds) -> list[Hit]:
    if firm.stage in TERMINAL_STAGES or firm.stage_changed_on is None:
        return []
    days = (today - firm.stage_changed_on).days
    if days <= th.stage_stuck_days:
        return []
    return [
        Hit(
            "stage_stuck",
            "firm",
            firm.id,
            f"{firm.stage}:{firm.stage_changed_on.isoformat()}",
            firm.id,
            OFFICER,
            None,
            *pair(
                "stage_stuck",
                firm=firm.name,
                days=days,
                since_on=firm.stage_changed_on,
                stage=label(firm.stage_label or firm.stage),
                limit=th.stage_stuck_days,
            ),
            "",
        )
    ]


@dataclass
class Inputs:
    firms: Sequence[FirmFacts]
    milestones: Iterable[MilestoneFacts] = ()
    batches: Sequence[BatchFacts] = ()
    target_batch: Mapping[int, str] = field(default_factory=dict)  # firm id -> batch code
    report_deadlines: Mapping[int, date] = field(default_factory=dict)  # year -> nominal 年报 deadline
    tsme_windows: Sequence[tuple[date, date]] = ()  # this year's 科小 evaluation windows
    tsme_renewal_by: date | None = None  # this year's 科小 renewal date when the admin entered one


def evaluate(inputs: Inputs, today: date, th: Thresholds | None = None) -> list[Hit]:
    """Every hit for ``today``: the whole rule set over the whole input, no I/O."""
    th = th or Thresholds()
    hits: list[Hit] = []
    by_id = {f.id: f for f in inputs.firms}
    batches = {b.code: b for b in inputs.batches}
    for f in inputs.firms:
        hits += annual_report_rule(f, today, th, inputs.report_deadlines)
        hits += annual_report_missed_rule(f, today, th, inputs.report_deadlines)
        hits += compliance_risk_rule(f, today, th)
        hits += tsme_window_rule(f, today, inputs.tsme_windows, today.year)
        hits += cert_expiry_rule(f, today, th)
        hits += cert_expired_rule(f, today, th)
        hits += tsme_update_rule(f, today, th, inputs.tsme_renewal_by)
        hits += stale_data_rule(f, today, th)
        hits += stage_stuck_rule(f, today, th)
        code = inputs.target_batch.get(f.id)
        if code and code in batches:
            hits += batch_rules(f, batches[code], today, th)
    for ms in inputs.milestones:
        f = by_id.get(ms.firm_id)
        if f is not None:
            hits += milestone_rules(ms, f, today, th)
    return hits
