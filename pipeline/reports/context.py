"""What the PDF templates show, gathered in a fixed number of queries however many firms there are.

``roadmap_contexts`` serves one firm (in the request) and a county's batch alike; ``briefing_context``
serves the county and the city pack. Labels and defaults for the documents live here too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, exists, func, select, true

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import (
    ApplicationBatch,
    Assessment,
    County,
    Firm,
    FiscalYear,
    IPAsset,
    Milestone,
    Roadmap,
    Setting,
    User,
)
from pipeline.services import goals, scope
from pipeline.vocabulary import (
    CONDITION_STATUSES,
    CONDITIONS,
    CULTIVATION_STAGES,
    GOAL_FIGURES,
    IP_KINDS,
    IP_STATUSES,
    MILESTONE_OWNERS,
    MILESTONE_STATUSES,
    OPEN_MILESTONE_STATUSES,
    PRE_APPLICATION_STAGES,
    ROLE_OFFICER,
    SCORE_ITEMS,
    STAGES,
    UNASSESSED_LABEL,
    VERDICTS,
    YEAR_FIELDS,
    item_label,
)

# The documents' tables, built from the one vocabulary.
SCORE_ROWS = {key: (label.lstrip("· "), full) for key, label, full in SCORE_ITEMS}
YEAR_ROWS = tuple((key, label, money) for key, (label, money) in YEAR_FIELDS.items())
RISK_STAGES = PRE_APPLICATION_STAGES  # firms that have not applied yet
OPEN_STAGES = CULTIVATION_STAGES

# Policy money shown in "what the firm gains". The city admin edits the ``report.benefits``
# setting; these defaults follow hnte-rules.md §5–6 and say that they are configurable.
BENEFITS_KEY = "report.benefits"
DEFAULT_BENEFITS = {
    "tax": {
        "hnte_rate": 15,
        "standard_rate": 25,
        "note": "高新技术企业减按15%的税率征收企业所得税（《企业所得税法》第二十八条），自证书颁发年度起享受。",
    },
    "rewards": [
        {"name": "入库培育奖励", "amount": 5, "note": "进入省高企培育库，省、市、县区共同奖励"},
        {"name": "认定培育奖励", "amount": 15, "note": "培育库企业通过高企认定后奖励"},
        {
            "name": "培育期贡献奖励",
            "amount": None,
            "note": "培育期内上年度贡献达到规定额度的入库企业按比例分享",
        },
    ],
    "others": [
        "研发费用按100%加计扣除（财政部 税务总局公告2023年第7号）",
        "亏损结转年限由5年延长至10年（财税〔2018〕76号）",
        "优先推荐各级科技计划项目与人才项目",
    ],
    "footnote": "奖励金额以当年省、市、县区政策文件为准；市局可在“管理 → 奖励金额”中修改。",
}

BRIEFING_KEY = "briefing.last.{scope}"


def benefits() -> dict:
    row = db.session.get(Setting, BENEFITS_KEY)
    if row is None or not isinstance(row.value, dict):
        return DEFAULT_BENEFITS
    return {**DEFAULT_BENEFITS, **row.value}


gap_label = item_label


def condition_value(code: str, cond: dict) -> tuple[str, str]:
    """(value, threshold) as a reader expects them: percentages for ratios, units for the rest."""
    value, required = cond.get("value"), cond.get("required")

    def pct(v):
        return "—" if v is None else f"{float(v) * 100:.2f}%"

    if code in ("H4", "H5", "H6", "H7"):
        return pct(value), ("≥ " + pct(required)) if required is not None else "—"
    if code == "H1":
        return ("—" if value is None else f"{value} 年"), "≥ 1 年"
    if code == "H2":
        return ("—" if value is None else f"{value} 项"), "≥ 1 项"
    if code == "H8":
        return ("—" if value is None else str(value)), "≥ 71 分"
    if code == "H3":
        return ("—" if value in (None, "") else str(value)), "重点领域目录"
    if isinstance(value, bool):
        return ("是" if value else "否"), "—"
    return ("—" if value is None else str(value)), ("—" if required is None else str(required))


def _fmt_condition_rows(result: dict) -> list[dict]:
    rows = []
    for code, label in CONDITIONS.items():
        cond = (result.get("conditions") or {}).get(code)
        if cond is None:
            continue
        value, threshold = condition_value(code, cond)
        rows.append(
            {
                "code": code,
                "label": label,
                "status": cond.get("status"),
                "status_label": CONDITION_STATUSES.get(cond.get("status"), cond.get("status")),
                "value": value,
                "threshold": threshold,
                "explain": cond.get("explain") or "",
            }
        )
    return rows


def _explained_results(firm_ids: list[int], assessments: dict, today: date) -> dict[int, dict]:
    """Full engine output (every explanation and gap) for firms whose cached row is compact or missing.

    The nightly cache keeps verdicts and bands only; a document needs the sentences. Firms are
    assessed as of their cached application date (so the PDF explains the cached verdict), or the
    next batch when they have no row: one profile load per distinct date, nothing stored.
    """
    from pipeline.criteria import assess
    from pipeline.services.profiles import load_profiles, next_application_date

    by_date: dict[date, list[int]] = defaultdict(list)
    fallback = None
    for fid in firm_ids:
        a = assessments.get(fid)
        if a is not None:
            by_date[a.application_date].append(fid)
        else:
            fallback = fallback or next_application_date(today)
            by_date[fallback].append(fid)
    out = {}
    for application_date, ids in by_date.items():
        for fid, profile in load_profiles(application_date, ids).items():
            out[fid] = assess(profile).to_dict()
    return out


@dataclass
class _RoadmapData:
    """What the roadmap PDFs of a set of firms read, keyed by firm id (officers by user id, counties by id)."""

    firms: dict
    counties: dict
    officers: dict
    county_officer: dict  # county id → its first active officer, the contact of firms without one
    assessments: dict
    roadmaps: dict
    milestones: dict  # firm id → its milestones, by due day
    years: dict  # firm id → its last five fiscal years, oldest first
    ip_counts: dict  # firm id → Counter((kind, status) → n)
    computed: dict = field(default_factory=dict)  # firm id → full engine output (``_explained_results``)


def _officers_by_id(firms: dict) -> dict:
    officer_ids = {f.officer_id for f in firms.values() if f.officer_id}
    if not officer_ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(officer_ids)))}


def _first_officer_by_county() -> dict:
    county_officer = {}
    for u in db.session.scalars(
        select(User).where(permissions.active_with_role(ROLE_OFFICER)).order_by(User.id)
    ):
        county_officer.setdefault(u.county_id, u)
    return county_officer


def _milestones_by_firm(ids: list[int]) -> dict[int, list]:
    milestones: dict[int, list] = defaultdict(list)
    for m in db.session.scalars(
        select(Milestone).where(Milestone.firm_id.in_(ids)).order_by(Milestone.due, Milestone.id)
    ):
        milestones[m.firm_id].append(m)
    return milestones


def _years_by_firm(ids: list[int], today: date) -> dict[int, list]:
    years: dict[int, list] = defaultdict(list)
    for y in db.session.scalars(
        select(FiscalYear)
        .where(FiscalYear.firm_id.in_(ids), FiscalYear.year >= today.year - 4)
        .order_by(FiscalYear.year)
    ):
        years[y.firm_id].append(y)
    return years


def _ip_counts_by_firm(ids: list[int]) -> dict[int, Counter]:
    ip_counts: dict[int, Counter] = defaultdict(Counter)
    for r in db.session.execute(
        select(IPAsset.firm_id, IPAsset.kind, IPAsset.status, func.count().label("n"))
        .where(IPAsset.firm_id.in_(ids))
        .group_by(IPAsset.firm_id, IPAsset.kind, IPAsset.status)
    ):
        ip_counts[r.firm_id][(r.kind, r.status)] += r.n
    return ip_counts


def _load_roadmap_data(ids: list[int], today: date) -> _RoadmapData:
    s = db.session
    firms = {f.id: f for f in s.scalars(select(Firm).where(Firm.id.in_(ids)))}
    return _RoadmapData(
        firms=firms,
        counties={c.id: c for c in scope.counties()},
        officers=_officers_by_id(firms),
        county_officer=_first_officer_by_county(),
        assessments={a.firm_id: a for a in s.scalars(select(Assessment).where(Assessment.firm_id.in_(ids)))},
        roadmaps={r.firm_id: r for r in s.scalars(select(Roadmap).where(Roadmap.firm_id.in_(ids)))},
        milestones=_milestones_by_firm(ids),
        years=_years_by_firm(ids, today),
        ip_counts=_ip_counts_by_firm(ids),
    )


def _is_explained(assessment) -> bool:
    """Whether a cached assessment row keeps the full explanations (the nightly cache keeps verdicts only)."""
    result = assessment.result or {}
    return result.get("explained", "gaps" in result)


def _unexplained(ids: list[int], data: _RoadmapData) -> list[int]:
    return [
        fid
        for fid in ids
        if fid in data.firms and not (fid in data.assessments and _is_explained(data.assessments[fid]))
    ]


def _result_context(result: dict | None, live: bool) -> dict:
    """The assessment part of a roadmap context (``live``: assessed now, no stored row)."""
    result_ = result or {}
    return {
        "result": result,
        "assessed_live": live,
        "verdict": result_.get("verdict"),
        "verdict_label": VERDICTS.get(result_.get("verdict"), UNASSESSED_LABEL),
        "conditions": _fmt_condition_rows(result) if result else [],
        "score": result_.get("score"),
        "gaps": result_.get("gaps") or [],
        "tsme": result_.get("tsme"),
    }


def _plan_context(roadmap, ms: list, ip_counts: Counter, today: date) -> dict:
    """The roadmap, its milestones and the firm's IP counts as the template shows them."""
    plan = (roadmap.plan or {}) if roadmap else {}
    return {
        "ip_rows": [
            {"kind": IP_KINDS.get(k, k), "status": IP_STATUSES.get(st, st), "count": n}
            for (k, st), n in sorted(ip_counts.items())
        ],
        "roadmap": roadmap,
        "plan": plan,
        "plans": plan.get("plans") or {},
        "ip_plan": [m for m in ms if m.code.startswith("ip.file.")],
        "milestones": ms,
        "overdue": [m for m in ms if m.status in ("todo", "doing") and m.due < today],
        "gantt_rows": [
            {"title": m.title, "due": m.due, "owner": m.owner, "status": m.status} for m in ms[:26]
        ],
        "cutoff": roadmap.target_cutoff if roadmap else None,
    }


#: The labels every roadmap context carries.
_ROADMAP_LABELS = {
    "milestone_statuses": MILESTONE_STATUSES,
    "milestone_owners": MILESTONE_OWNERS,
    "score_labels": SCORE_ROWS,
    "year_fields": YEAR_ROWS,
    "condition_labels": CONDITIONS,
    "gap_label": gap_label,
}


def _roadmap_context(firm, data: _RoadmapData, gains: dict, today: date) -> dict:
    fid = firm.id
    a = data.assessments.get(fid)
    result = data.computed.get(fid) or (a.result if a is not None else None)
    return {
        "firm": firm,
        "county": data.counties.get(firm.county_id),
        "officer": data.officers.get(firm.officer_id) or data.county_officer.get(firm.county_id),
        "today": today,
        **_result_context(result, a is None and result is not None),
        "years": data.years.get(fid, []),
        **_plan_context(data.roadmaps.get(fid), data.milestones.get(fid, []), data.ip_counts[fid], today),
        "benefits": gains,
        "stage_label": STAGES.get(firm.stage, firm.stage),
        **_ROADMAP_LABELS,
    }


def roadmap_contexts(firm_ids: Iterable[int], today: date) -> dict[int, dict]:
    """``firm id → template context`` for the roadmap PDF, in eight queries for any number of firms.

    The caller has already applied the user's scope to ``firm_ids``.
    """
    ids = list(firm_ids)
    if not ids:
        return {}
    data = _load_roadmap_data(ids, today)
    unexplained = _unexplained(ids, data)
    data.computed = _explained_results(unexplained, data.assessments, today) if unexplained else {}
    gains = benefits()
    return {fid: _roadmap_context(data.firms[fid], data, gains, today) for fid in ids if fid in data.firms}


# ----------------------------------------------------------------------------------- briefing


def _scope_key(county: County | None) -> str:
    return BRIEFING_KEY.format(scope=county.code if county else "city")


def _county_where(county_id: int | None):
    return Firm.county_id == county_id if county_id is not None else true()


# The briefing lists are SQLAlchemy rows read by name: every list has id, name, county_id and stage;
# the ready list adds verdict, score_min, score_max and target_batch, the overdue list open_count
# and first_due.


def _overdue_rows(where, today: date) -> list:
    """Firms in cultivation with overdue open milestones, most overdue first (one query)."""
    return list(
        db.session.execute(
            select(
                Firm.id,
                Firm.name,
                Firm.county_id,
                Firm.stage,
                func.count(Milestone.id).label("open_count"),
                func.min(Milestone.due).label("first_due"),
            )
            .join(Milestone, Milestone.firm_id == Firm.id)
            .where(
                where,
                Milestone.status.in_(OPEN_MILESTONE_STATUSES),
                Milestone.due < today,
                Firm.stage.in_(OPEN_STAGES),
            )
            .group_by(Firm.id, Firm.name, Firm.county_id, Firm.stage)
            .order_by(func.count(Milestone.id).desc(), func.min(Milestone.due), Firm.id)
        )
    )


def _stale_rows(where, last_year: int) -> list:
    """Firms not yet applied without figures for ``last_year`` (one query)."""
    has_last_year = exists().where(FiscalYear.firm_id == Firm.id, FiscalYear.year == last_year)
    return list(
        db.session.execute(
            select(Firm.id, Firm.name, Firm.county_id, Firm.stage)
            .where(where, Firm.stage.in_(RISK_STAGES), ~has_last_year)
            .order_by(Firm.county_id, Firm.id)
        )
    )


def _ready_rows(where) -> list:
    """Firms not yet applied whose verdict is ready or marginal: the list to approach (one query)."""
    return list(
        db.session.execute(
            select(
                Firm.id,
                Firm.name,
                Firm.county_id,
                Firm.stage,
                Assessment.verdict,
                Assessment.score_min,
                Assessment.score_max,
                Roadmap.target_batch,
            )
            .join(Assessment, Assessment.firm_id == Firm.id)
            .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
            .where(where, Firm.stage.in_(RISK_STAGES), Assessment.verdict.in_(("ready", "marginal")))
            .order_by(case((Assessment.verdict == "ready", 0), else_=1), Assessment.score_min.desc(), Firm.id)
        )
    )


def _workload(fig: dict) -> tuple[list[dict], int]:
    """Officer workload rows and the firms in cultivation with no officer: the goal read model's
    ``by_person`` (issue 18; the dashboard and the workload page show the same rows)."""
    people = fig["by_person"]
    return people["officers"], people["no_officer"]["pool"]


def _summary(fig: dict, overdue_rows: list, stale_rows: list) -> dict:
    """The pack's headline figures: the goal read model's, plus the pack's own work lists."""
    year_end = fig["year_end"] or {}
    return {
        "active": fig["active"],
        "expiring": fig["expiring_total"],
        "pool": fig["pool"],
        "ready": fig["ready"],
        "marginal": fig["marginal"],
        "applied": fig["by_stage"].get("applied", 0),
        "overdue_firms": len(overdue_rows),
        "overdue_milestones": sum(r.open_count for r in overdue_rows),
        "stale": len(stale_rows),
        "forecast": year_end.get("expected"),
        "forecast_low": year_end.get("low"),
        "forecast_high": year_end.get("high"),
    }


def _league(fig: dict, counties: list[County], overdue_rows: list, stale_rows: list) -> list[dict]:
    """The read model's league with each county's overdue and stale counts added."""
    by_id = {c.id: c for c in counties}
    overdue = Counter(r.county_id for r in overdue_rows)
    stale = Counter(r.county_id for r in stale_rows)
    return [
        {
            "county": by_id[r["county_id"]],
            "rank": r["rank"],
            "active": r["active"],
            "target": r["hnte_target"],
            "rate": r["hnte_pct"],
            "expiring": r["expiring"],
            "forecast": r["forecast"],
            "pool": r["pool"],
            "ready": r["ready"],
            "marginal": r["marginal"],
            "overdue_firms": overdue[r["county_id"]],
            "stale": stale[r["county_id"]],
        }
        for r in fig["league"]
    ]


def briefing_context(county: County | None, today: date, list_limit: int = 40) -> dict:
    """Figures for a county pack (``county``) or the city pack (``None``).

    The goal figures (active, expiring, pool, ready, forecast, league) are the goal read model's
    (``services.goals.read_model``), the same the dashboard and the API show; the pack adds its work
    lists (firms to approach, overdue work, stale data) and the officers' workload.
    """
    county_id = county.id if county else None
    where = _county_where(county_id)
    counties = scope.counties()
    fig, _ = goals.read_model(goals.county_scope(county_id), today)
    city_fig = fig if county_id is None else goals.read_model(goals.county_scope(None), today).figures
    overdue_rows, stale_rows = _overdue_rows(where, today), _stale_rows(where, today.year - 1)
    ready_all = _ready_rows(where)
    workload, unassigned = _workload(fig)
    summary = _summary(fig, overdue_rows, stale_rows)
    stages = [(code, label, fig["by_stage"].get(code, 0)) for code, label in STAGES.items()]
    verdicts = [(r["verdict"], r["label"], r["firms"]) for r in fig["readiness"]]
    city_target = goals.current_target(goals.targets_for(None), today)
    previous = db.session.get(Setting, _scope_key(county))
    county_names = {c.id: c.name for c in counties}

    def firm_rows(rows, n):
        return [
            dict(
                r._asdict(),
                county=county_names.get(r.county_id, "—"),
                stage_label=STAGES.get(r.stage, r.stage),
            )
            for r in rows[:n]
        ]

    return {
        "today": today,
        "county": county,
        "is_city": county is None,
        "counties": counties,
        "summary": summary,
        "stages": stages,
        "verdicts": verdicts,
        "target": goals.current_target(goals.targets_for(county_id), today) if county_id else city_target,
        "city_target": city_target,
        "city_active": city_fig["active"],
        "city_forecast": (city_fig["year_end"] or {}).get("expected"),
        "next_batch": db.session.scalars(
            select(ApplicationBatch).where(ApplicationBatch.cutoff >= today).order_by(ApplicationBatch.cutoff)
        ).first(),
        "ready": firm_rows(ready_all, list_limit),
        "ready_total": len(ready_all),
        "overdue": firm_rows(overdue_rows, list_limit),
        "overdue_total": len(overdue_rows),
        "stale": firm_rows(stale_rows, list_limit),
        "stale_total": len(stale_rows),
        "stale_year": today.year - 1,
        "workload": workload,
        "unassigned": unassigned,
        # issue 18: progress by town, by industry chain and by responsible person (the read model's)
        "by_town": fig["by_town"],
        "by_chain": fig["by_chain"],
        "leaders": fig["by_person"]["leaders"],
        "groups_year": fig["groups_year"],
        "stalled_days": fig["stalled_days"],
        "league": _league(city_fig, counties, overdue_rows, stale_rows) if county is None else [],
        "changes": _changes(previous.value if previous else None, summary, stages, verdicts),
        "previous": previous.value if previous else None,
        "verdict_labels": VERDICTS,
        # issue 16: from the goal read model, the same figures as the dashboard and the API
        "compliance": fig["compliance"],
        "expiring_this_year": fig["expiring_this_year"],
    }


_CHANGE_LABELS = tuple(GOAL_FIGURES.items())


def _changes(previous: dict | None, summary: dict, stages, verdicts) -> list[dict]:
    """Rows of (label, before, now, delta) against the last issued pack; empty for the first pack."""
    if not previous or "summary" not in previous:
        return []
    before = previous["summary"]
    rows = [
        {
            "label": label,
            "before": before.get(key),
            "now": summary[key],
            "delta": None if before.get(key) is None else summary[key] - before[key],
        }
        for key, label in _CHANGE_LABELS
    ]
    old_stages = previous.get("stages") or {}
    for code, label, n in stages:
        if code in old_stages and old_stages[code] != n:
            rows.append(
                {
                    "label": "阶段·" + label,
                    "before": old_stages[code],
                    "now": n,
                    "delta": n - old_stages[code],
                }
            )
    return rows


def record_pack(county: County | None, ctx: dict) -> None:
    """Keep this pack's figures so that the next pack can show what changed (caller commits)."""
    key = _scope_key(county)
    value = {
        "issued_on": ctx["today"].isoformat(),
        "summary": ctx["summary"],
        "stages": {code: n for code, _, n in ctx["stages"]},
        "verdicts": {code: n for code, _, n in ctx["verdicts"]},
    }
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
