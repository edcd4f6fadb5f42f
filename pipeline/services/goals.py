"""The goal read model: the one definition of the 1000-firm goal figures, for a scope.

Active certificates, pool, ready, expiring, the forecast (from ``pipeline.forecast``, with its range
and scenarios) and the county league are computed here and only here: the dashboard,
``GET /api/v1/goals`` and the county/city briefing packs (``reports/context.py``) all render
:func:`read_model`. Targets and daily snapshots live here too.

Everything is aggregated in SQL (GROUP BY county) or over cached assessment and roadmap rows, in a
fixed number of queries whatever the number of firms. Definitions (stated on the dashboard too):

* **有效高企 (active HNTE certificate)** on ``today``: a firm whose certificate expiry date is on or
  after ``today`` (the certificate is valid through its expiry day) and whose certificate date, if
  known, is not after ``today``.
* **即将到期**: active certificates expiring within the next 12 months (``today`` ≤ expiry <
  ``today`` + 12 months); their re-certification status comes from the firm's roadmap.
* **科技型中小企业 (registered tech SME)**: a firm whose 入库登记 year (``Firm.tsme_year``) is the
  current year or the previous one — a registration stays valid until the yearly update (by end of
  March) replaces it.
* **培育中 (pool)**: firms in a cultivation stage (``vocabulary.CULTIVATION_STAGES``: candidate …
  applied, or failed and kept in the pool).
* **达标 (ready)** / **临界 (marginal)**: pool firms whose cached assessment has that verdict.
* **年末预计 (year-end forecast)**: the forecast's expected active certificates at 31 December of
  this year, with its low–high range.
* **League order**: share of the county's current target reached, then more active certificates,
  then the counties' own order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, delete, func, insert, literal, select, true

from pipeline import permissions
from pipeline.errors import Invalid, NotFound
from pipeline.extensions import db
from pipeline.forecast import FirmOutlook, Forecast, forecast, forecast_with_scenarios
from pipeline.i18n import gettext
from pipeline.models import (
    ApplicationBatch,
    Assessment,
    County,
    Firm,
    Milestone,
    Roadmap,
    Snapshot,
    Target,
    User,
)
from pipeline.services.integrity import flush_or_conflict
from pipeline.services.scope import COUNTY_ORDER, county_names, scope_filter
from pipeline.services.scope import counties as scope_counties
from pipeline.vocabulary import (
    CITY_LABEL,
    CULTIVATION_STAGES,
    FUNNEL_CERT_EXPIRED,
    FUNNEL_STAGES,
    OPEN_MILESTONE_STATUSES,
    RECERT,
    ROLE_OFFICER,
    STAGES,
    VERDICTS_OR_UNASSESSED,
)

VERDICTS = VERDICTS_OR_UNASSESSED
FUNNEL = FUNNEL_STAGES
CERT_EXPIRED_STAGE = "certified_expired"  # not a stage: 已认定 with an expired certificate (issue 11)
FORECAST_YEARS = 5
BATCH_FIRMS_SHOWN = 30


def add_months(d: date, months: int) -> date:
    from pipeline.roadmap.calendar import add_months as _add

    return _add(d, months)


# ------------------------------------------------------------------ scope


@dataclass(frozen=True)
class GoalScope:
    """What a goal view covers: the whole city (``county_id`` None), one county, or one town
    (``town_id``; issue 18)."""

    county_id: int | None
    label: str
    where: object  # SQL clause on Firm
    town_id: int | None = None

    @property
    def is_city(self) -> bool:
        return self.county_id is None and self.town_id is None

    @property
    def is_town(self) -> bool:
        return self.town_id is not None

    @property
    def key(self) -> tuple:
        return (self.county_id, self.town_id)


class NotAllowed(NotFound):
    """The user may not see this goal view (firm users; officers asking for another county or town)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or gettext(
                "Goal figures are open to city administrators and to the officers of the county or "
                "town only, or that county does not exist."
            )
        )


def goal_scope(user: User, county_id: int | None = None, town_id: int | None = None) -> GoalScope:
    """City admins see the city, any county or any town; county officers their county or one of its
    towns; town officers only their town (issue 18)."""
    from pipeline.models import DeptNode
    from pipeline.services.scope import can_see_town, town_node

    if not permissions.can(user, "dashboard.view"):
        raise NotAllowed
    own_town = town_node(user)
    if own_town is not None and town_id is None:
        if county_id is not None:  # a town officer has no county view
            raise NotAllowed
        town_id = own_town.id
    if not permissions.can(user, "city.view"):  # an officer: their county (or a town of it)
        if county_id is not None and county_id != user.county_id:
            raise NotAllowed
        county_id = user.county_id
        if county_id is None:
            raise NotAllowed
    where = scope_filter(user)
    if town_id is not None:
        town = db.session.get(DeptNode, town_id)
        if (
            town is None
            or not can_see_town(user, town)
            or (county_id is not None and town.county_id != county_id)
        ):
            raise NotAllowed
        return GoalScope(town.county_id, town.name, and_(where, Firm.town_id == town.id), town.id)
    if county_id is not None:
        name = county_names().get(county_id)  # issue 15: kept per data stamp, not a read per request
        if name is None:
            raise NotAllowed
        return GoalScope(county_id, name, and_(where, Firm.county_id == county_id))
    return GoalScope(None, CITY_LABEL, where)


def county_scope(county_id: int | None) -> GoalScope:
    """The goal scope of a county (or the city) for callers that checked access themselves
    (briefing packs: the job or the view scoped the county already)."""
    if county_id is None:
        return GoalScope(None, CITY_LABEL, true())
    county = db.session.get(County, county_id)
    return GoalScope(county_id, county.name if county else str(county_id), Firm.county_id == county_id)


def active_certificate(day: date):
    """The one certificate-active rule (issue 11's services.certificates) as a SQL clause on Firm."""
    from pipeline.services.certificates import active_clause

    return active_clause(day)


_active_clause = active_certificate


def _tsme_clause(today: date):
    return Firm.tsme_year >= today.year - 1


# ------------------------------------------------------------------ figures


def county_figures(today: date, where=true()) -> dict[int, dict]:
    """Per county: active, tsme, cultivating, stage counts and verdict counts (3 queries)."""
    out: dict[int, dict] = defaultdict(_empty_figures)
    active = func.sum(case((_active_clause(today), 1), else_=0))
    soon = func.sum(
        case((and_(_active_clause(today), Firm.hnte_cert_expiry < add_months(today, 12)), 1), else_=0)
    )
    tsme = func.sum(case((_tsme_clause(today), 1), else_=0))
    # A firm at 已认定 whose certificate has expired is not certified (issue 11): its own bucket.
    from pipeline.services.certificates import expired_certified_clause

    stage_col = case((expired_certified_clause(today), literal(CERT_EXPIRED_STAGE)), else_=Firm.stage)
    for cid, stage, n, a, e, t in db.session.execute(
        select(Firm.county_id, stage_col, func.count(), active, soon, tsme)
        .where(where)
        .group_by(Firm.county_id, stage_col)
    ):
        row = out[cid]
        row["by_stage"][stage] = n
        row["active"] += int(a or 0)
        row["expiring"] += int(e or 0)
        row["tsme"] += int(t or 0)
        if stage in CULTIVATION_STAGES:
            row["pool"] += n
    verdict = func.coalesce(Assessment.verdict, literal("unassessed"))
    for cid, v, n in db.session.execute(
        select(Firm.county_id, verdict, func.count())
        .select_from(Firm)
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .where(where, Firm.stage.in_(CULTIVATION_STAGES))
        .group_by(Firm.county_id, verdict)
    ):
        out[cid]["by_verdict"][v] = n
    return out


def _empty_figures() -> dict:
    return {"active": 0, "expiring": 0, "tsme": 0, "pool": 0, "by_stage": {}, "by_verdict": {}}


def _sum(rows) -> dict:
    total = _empty_figures()
    for r in rows:
        for k in ("active", "expiring", "tsme", "pool"):
            total[k] += r[k]
        for k in ("by_stage", "by_verdict"):
            for key, n in r[k].items():
                total[k][key] = total[k].get(key, 0) + n
    return total


def targets_for(county_id: int | None, town_id: int | None = None) -> dict:
    """The targets of a scope by year: the city's or a county's ``Target`` rows, or a town's
    ``TargetSplit`` rows (issue 18; both have ``year``, ``hnte_target``, ``tsme_target``)."""
    if town_id is not None:
        from pipeline.models import TargetSplit

        return {
            t.year: t
            for t in db.session.scalars(
                select(TargetSplit).where(TargetSplit.town_id == town_id).order_by(TargetSplit.year)
            )
        }
    rows = db.session.scalars(
        select(Target)
        .where(Target.county_id.is_(None) if county_id is None else Target.county_id == county_id)
        .order_by(Target.year)
    )
    return {t.year: t for t in rows}


def target_of(county_id: int | None, year: int) -> Target | None:
    """The target of one year for the city (``county_id`` None) or a county."""
    return db.session.scalars(
        select(Target).where(
            Target.county_id.is_(None) if county_id is None else Target.county_id == county_id,
            Target.year == year,
        )
    ).first()


class TargetsPage(NamedTuple):
    """Every target set, by year: ``by_year[year]`` is ``[(target, scope name)]`` (the city first, then
    the counties in the county order); ``sums[year]`` the city target against the counties' sum."""

    by_year: dict[int, list[tuple[Target, str]]]
    sums: dict[int, dict]


def targets_page(user: User) -> TargetsPage:
    permissions.require(user, "targets.edit")
    rows = db.session.execute(
        select(Target, County.name)
        .outerjoin(County, County.id == Target.county_id)
        .order_by(Target.year, *(c.nulls_first() for c in COUNTY_ORDER))  # the city first
    ).all()
    by_year: dict[int, list] = {}
    for t, name in rows:
        by_year.setdefault(t.year, []).append((t, name or "全市"))
    sums = {
        y: {
            "city": next((t for t, _ in rows if t.county_id is None), None),
            "counties_hnte": sum(t.hnte_target for t, _ in rows if t.county_id is not None),
            "counties_tsme": sum(t.tsme_target for t, _ in rows if t.county_id is not None),
        }
        for y, rows in by_year.items()
    }
    return TargetsPage(by_year, sums)


def current_target(targets: dict[int, Target], today: date) -> Target | None:
    """This year's target, else the nearest later one."""
    if today.year in targets:
        return targets[today.year]
    later = [y for y in targets if y > today.year]
    return targets[min(later)] if later else None


def expiring(scope: GoalScope, today: date, limit: int = 200) -> tuple[int, list[dict]]:
    """Active certificates expiring within 12 months with their re-certification status."""
    until = add_months(today, 12)
    clause = and_(scope.where, _active_clause(today), Firm.hnte_cert_expiry < until)
    total = db.session.scalar(select(func.count()).select_from(Firm).where(clause))
    rows = db.session.execute(
        select(
            Firm.id,
            Firm.name,
            Firm.county_id,
            Firm.hnte_cert_expiry,
            Roadmap.target_batch,
            Roadmap.target_year,
            County.name,
        )
        .join(County, County.id == Firm.county_id)
        .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
        .where(clause)
        .order_by(Firm.hnte_cert_expiry, Firm.name)
        .limit(limit)
    )
    items = []
    for fid, name, _cid, exp, batch, tyear, cname in rows:
        if tyear is None:
            status = "none"
        elif tyear <= exp.year:
            status = "scheduled"
        else:
            status = "late"
        items.append(
            {
                "firm_id": fid,
                "name": name,
                "county": cname,
                "expiry": exp,
                "target_batch": batch,
                "recert": status,
                "recert_label": RECERT[status],
            }
        )
    return total, items


def recert_summary(scope: GoalScope, today: date) -> dict[str, int]:
    until = add_months(today, 12)
    status = case(
        (Roadmap.target_year.is_(None), "none"),
        (Roadmap.target_year <= func.extract("year", Firm.hnte_cert_expiry), "scheduled"),
        else_="late",
    )
    rows = db.session.execute(
        select(status, func.count())
        .select_from(Firm)
        .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
        .where(scope.where, _active_clause(today), Firm.hnte_cert_expiry < until)
        .group_by(status)
    )
    out = {k: 0 for k in RECERT}
    out.update({k: int(n) for k, n in rows})
    return out


def batches_ahead(scope: GoalScope, today: date) -> list[dict]:
    """Upcoming batches (cutoff ≥ today) with how many firms target each, and the first of them."""
    batches = list(
        db.session.scalars(
            select(ApplicationBatch).where(ApplicationBatch.cutoff >= today).order_by(ApplicationBatch.cutoff)
        )
    )
    if not batches:
        return []
    codes = [b.code for b in batches]
    counts: dict[str, dict] = defaultdict(dict)
    verdict = func.coalesce(Assessment.verdict, literal("unassessed"))
    for code, v, n in db.session.execute(
        select(Roadmap.target_batch, verdict, func.count())
        .select_from(Roadmap)
        .join(Firm, Firm.id == Roadmap.firm_id)
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .where(scope.where, Roadmap.target_batch.in_(codes))
        .group_by(Roadmap.target_batch, verdict)
    ):
        counts[code][v] = n
    rn = (
        func.row_number()
        .over(partition_by=Roadmap.target_batch, order_by=(Roadmap.projected_min.desc(), Firm.name))
        .label("rn")
    )
    sub = (
        select(
            Roadmap.target_batch.label("batch"),
            Firm.id.label("firm_id"),
            Firm.name.label("name"),
            Roadmap.projected_min.label("pmin"),
            Roadmap.projected_max.label("pmax"),
            rn,
        )
        .join(Firm, Firm.id == Roadmap.firm_id)
        .where(scope.where, Roadmap.target_batch.in_(codes))
        .subquery()
    )
    firms: dict[str, list] = defaultdict(list)
    for batch, fid, name, pmin, pmax, _ in db.session.execute(
        select(sub).where(sub.c.rn <= BATCH_FIRMS_SHOWN).order_by(sub.c.batch, sub.c.rn)
    ):
        firms[batch].append({"firm_id": fid, "name": name, "projected_min": pmin, "projected_max": pmax})
    return [
        {
            "code": b.code,
            "year": b.year,
            "cutoff": b.cutoff,
            "note": b.note,
            "firms": sum(counts[b.code].values()),
            "by_verdict": counts[b.code],
            "first_firms": firms[b.code],
        }
        for b in batches
    ]


def trend(scope: GoalScope, today: date, days: int = 365) -> list[dict]:
    if scope.is_town:  # snapshots are kept per county and for the city
        return []
    since = today - timedelta(days=days)
    rows = db.session.scalars(
        select(Snapshot)
        .where(
            Snapshot.county_id.is_(None) if scope.is_city else Snapshot.county_id == scope.county_id,
            Snapshot.day >= since,
            Snapshot.day <= today,
        )
        .order_by(Snapshot.day)
    )
    return [{"day": s.day.isoformat(), "active": s.active_hnte, "tsme": s.tsme, "pool": s.pool} for s in rows]


def _league_row(cid: int, county: County, fig: dict, target: Target | None, year_end: dict | None) -> dict:
    ready, marginal = fig["by_verdict"].get("ready", 0), fig["by_verdict"].get("marginal", 0)
    return {
        "county_id": cid,
        "county": county.name,
        "sort": county.sort,
        "active": fig["active"],
        "tsme": fig["tsme"],
        "pool": fig["pool"],
        "ready": ready,
        "marginal": marginal,
        "expiring": fig["expiring"],
        "forecast": None if year_end is None else year_end["expected"],
        "target_year": target.year if target else None,
        "hnte_target": target.hnte_target if target else None,
        "tsme_target": target.tsme_target if target else None,
        "hnte_pct": (fig["active"] / target.hnte_target) if target and target.hnte_target else None,
        "tsme_pct": (fig["tsme"] / target.tsme_target) if target and target.tsme_target else None,
    }


def league(per_county: dict[int, dict], outlooks_by_county: dict, today: date) -> list[dict]:
    """Every county's figures against its current target, in the one league order."""
    counties = {c.id: c for c in scope_counties()}
    ctargets: dict[int, dict] = defaultdict(dict)
    for t in db.session.scalars(select(Target).where(Target.county_id.isnot(None))):
        ctargets[t.county_id][t.year] = t
    rows = []
    for cid, c in counties.items():
        fc = forecast(outlooks_by_county.get(cid, []), today, [today.year])
        rows.append(
            _league_row(
                cid,
                c,
                per_county.get(cid) or _empty_figures(),
                current_target(ctargets.get(cid, {}), today),
                year_end(fc, today.year),
            )
        )
    rows.sort(key=lambda r: (-(r["hnte_pct"] or 0), -r["active"], r["sort"], r["county_id"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def year_end(fc: Forecast, year: int) -> dict | None:
    """The forecast's active certificates at the end of ``year``: expected, low, high (whole firms)."""
    y = next((y for y in fc.years if y.year == year), None)
    if y is None:
        return None

    def whole(v: float) -> int:  # as the pages show it: one decimal, then to the nearest whole firm
        return int(round(round(v, 1)))

    return {
        "year": year,
        "expected": whole(y.active_expected),
        "low": whole(y.active_low),
        "high": whole(y.active_high),
    }


class ReadModel(NamedTuple):
    figures: dict
    forecast: Forecast


def read_model(scope: GoalScope, today: date) -> ReadModel:
    """``(figures, forecast)`` for a goal scope: what the dashboard, the API and the briefing packs show."""
    per_county = county_figures(today, scope.where)
    totals = _sum(per_county.values())
    targets = targets_for(scope.county_id, scope.town_id)
    target = current_target(targets, today)
    by_county = outlooks_by_county(scope.where, today)
    fc = _forecast(scope, [o for rows in by_county.values() for o in rows], targets, today)
    exp_total, exp_items = expiring(scope, today)
    fig = {
        "today": today,
        "scope": {"county_id": scope.county_id, "label": scope.label, "town_id": scope.town_id},
        "active": totals["active"],
        "tsme": totals["tsme"],
        "pool": totals["pool"],
        "ready": totals["by_verdict"].get("ready", 0),
        "marginal": totals["by_verdict"].get("marginal", 0),
        "year_end": year_end(fc, today.year),
        "target": None
        if target is None
        else {
            "year": target.year,
            "hnte": target.hnte_target,
            "tsme": target.tsme_target,
            "plan": getattr(target, "plan_name", None),
        },
        "targets": [
            {
                "year": t.year,
                "hnte": t.hnte_target,
                "tsme": t.tsme_target,
                "plan": getattr(t, "plan_name", None),
            }
            for t in targets.values()
        ],
        "expiring_total": exp_total,
        "expiring": exp_items,
        "recert": recert_summary(scope, today),
        "compliance": compliance_figures(scope.where, today),
        "expiring_this_year": expiring_this_year(scope.where, today),
        "funnel": [{"stage": s, "label": STAGES[s], "firms": totals["by_stage"].get(s, 0)} for s in FUNNEL]
        + [
            {
                "stage": CERT_EXPIRED_STAGE,
                "label": FUNNEL_CERT_EXPIRED,
                "firms": totals["by_stage"].get(CERT_EXPIRED_STAGE, 0),
            }
        ],
        "by_stage": {s: totals["by_stage"].get(s, 0) for s in STAGES},
        "readiness": [
            {"verdict": v, "label": VERDICTS[v], "firms": totals["by_verdict"].get(v, 0)} for v in VERDICTS
        ],
        "league": league(per_county, by_county, today) if scope.is_city else [],
        "batches": batches_ahead(scope, today),
        "trend": trend(scope, today),
        **progress_groups(scope, today, target),  # issue 18
    }
    return ReadModel(fig, fc)


def goal_figures(user: User, today: date, county_id: int | None = None, town_id: int | None = None) -> dict:
    """The read model's figures for the user's goal scope."""
    return read_model(goal_scope(user, county_id, town_id), today).figures


# ------------------------------------------------------------------ issue 16: compliance watch, re-certification year

COMPLIANCE_LIST_LIMIT = 200


def compliance_figures(where, today: date, limit: int = COMPLIANCE_LIST_LIMIT) -> dict:
    """Certified firms at compliance risk (from the stored ``compliance_watch`` rows of firms whose
    certificate is active on ``today``): the count, per county, and the list with the reasons in
    numbers. The dashboard, ``GET /api/v1/goals`` and the briefing packs all render this (3 queries)."""
    from pipeline.models import ComplianceWatch
    from pipeline.services.compliance import active_clause

    base = and_(where, active_clause(today))
    at_risk = func.sum(case((ComplianceWatch.status == "at_risk", 1), else_=0))
    incomplete = func.sum(case((ComplianceWatch.status == "incomplete", 1), else_=0))
    per = {
        cid: {
            "county_id": cid,
            "county": name,
            "watched": int(n),
            "at_risk": int(a or 0),
            "incomplete": int(i or 0),
        }
        for cid, name, n, a, i in db.session.execute(
            select(Firm.county_id, County.name, func.count(), at_risk, incomplete)
            .join(ComplianceWatch, ComplianceWatch.firm_id == Firm.id)
            .join(County, County.id == Firm.county_id)
            .where(base)
            .group_by(Firm.county_id, County.name)
        )
    }
    order = {cid: i for i, cid in enumerate(db.session.scalars(select(County.id).order_by(*COUNTY_ORDER)))}
    by_county = sorted(per.values(), key=lambda r: order.get(r["county_id"], 0))
    items = [
        {
            "firm_id": fid,
            "name": name,
            "county": cname,
            "expiry": exp,
            "summary": summary,
            "codes": [c for c in (codes or "").split(",") if c],
            "reasons": reasons or [],
            "reports_missed": missed,
        }
        for fid, name, cname, exp, summary, codes, reasons, missed in db.session.execute(
            select(
                Firm.id,
                Firm.name,
                County.name,
                Firm.hnte_cert_expiry,
                ComplianceWatch.summary,
                ComplianceWatch.codes,
                ComplianceWatch.reasons,
                ComplianceWatch.reports_missed,
            )
            .join(ComplianceWatch, ComplianceWatch.firm_id == Firm.id)
            .join(County, County.id == Firm.county_id)
            .where(base, ComplianceWatch.status == "at_risk")
            .order_by(*COUNTY_ORDER, Firm.name)
            .limit(limit)
        )
    ]
    return {
        "at_risk": sum(r["at_risk"] for r in by_county),
        "incomplete": sum(r["incomplete"] for r in by_county),
        "watched": sum(r["watched"] for r in by_county),
        "by_county": by_county,
        "items": items,
        "listed": len(items),
    }


def expiring_this_year(where, today: date) -> dict:
    """Active certificates expiring in ``today``'s year (their re-certification year): how many are
    re-applying (the roadmap targets a batch of the expiry year), not yet, and at compliance risk."""
    from pipeline.models import ComplianceWatch
    from pipeline.services.compliance import active_clause

    reapplying = case((and_(Roadmap.target_batch.isnot(None), Roadmap.target_year == today.year), 1), else_=0)
    risk = case((ComplianceWatch.status == "at_risk", 1), else_=0)
    total, r, k = db.session.execute(
        select(func.count(), func.sum(reapplying), func.sum(risk))
        .select_from(Firm)
        .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
        .outerjoin(ComplianceWatch, ComplianceWatch.firm_id == Firm.id)
        .where(where, active_clause(today), Firm.hnte_cert_expiry <= date(today.year, 12, 31))
    ).one()
    total, r, k = int(total or 0), int(r or 0), int(k or 0)
    return {"year": today.year, "total": total, "reapplying": r, "not_yet": total - r, "at_risk": k}


# ------------------------------------------------------------------ forecast


def outlooks_by_county(where, today: date) -> dict[int, list[FirmOutlook]]:
    """FirmOutlooks for the firms in ``where`` per county, grouped in SQL (one query): firms that
    look the same to the forecast share one row with a ``weight``. An active certificate's expiry
    is kept as its year and whether it is 31 December (all the forecast compares it with), so the
    group stands in with 30 or 31 December of that year."""
    rd = (
        select(Milestone.firm_id.label("firm_id"))
        .where(Milestone.code.like("rd.%"), Milestone.status.in_(OPEN_MILESTONE_STATUSES))
        .group_by(Milestone.firm_id)
        .subquery()
    )
    valid = active_certificate(today)
    exp_year = case((valid, func.extract("year", Firm.hnte_cert_expiry)), else_=None)
    dec31 = case(
        (
            and_(
                valid,
                func.extract("month", Firm.hnte_cert_expiry) == 12,
                func.extract("day", Firm.hnte_cert_expiry) == 31,
            ),
            1,
        ),
        else_=0,
    )
    rd_flag = case((rd.c.firm_id.isnot(None), 1), else_=0)
    cols = (
        Firm.county_id,
        Assessment.verdict,
        Roadmap.target_batch,
        Roadmap.target_year,
        Roadmap.projected_min,
        Roadmap.projected_max,
        exp_year,
        dec31,
        rd_flag,
    )
    rows = db.session.execute(
        select(*cols, func.count())
        .select_from(Firm)
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
        .outerjoin(rd, rd.c.firm_id == Firm.id)
        .where(where)
        .group_by(*cols)
    )
    out: dict[int, list[FirmOutlook]] = defaultdict(list)
    for i, (cid, verdict, batch, year, pmin, pmax, ey, d31, rdf, n) in enumerate(rows):
        expiry = None if ey is None else date(int(ey), 12, 31 if d31 else 30)
        out[cid].append(FirmOutlook(i, cid, verdict, batch, year, pmin, pmax, expiry, bool(rdf), int(n)))
    return out


def outlooks(where, today: date) -> list[FirmOutlook]:
    """:func:`outlooks_by_county` as one list."""
    return [o for rows in outlooks_by_county(where, today).values() for o in rows]


def _forecast(scope: GoalScope, rows: list[FirmOutlook], targets: dict, today: date) -> Forecast:
    last = max([today.year + FORECAST_YEARS - 1] + [y for y in targets if y <= today.year + 9])
    years = list(range(today.year, last + 1))
    first_batch_year = db.session.scalar(
        select(func.min(ApplicationBatch.year)).where(ApplicationBatch.cutoff >= today)
    )
    return forecast_with_scenarios(
        rows, today, years, {y: t.hnte_target for y, t in targets.items()}, first_batch_year=first_batch_year
    )


def forecast_for(
    user: User, today: date, county_id: int | None = None, town_id: int | None = None
) -> Forecast:
    """The forecast (with scenarios) for the user's goal scope, against its targets."""
    return read_model(goal_scope(user, county_id, town_id), today).forecast


# ------------------------------------------------------------------ writes


def take_snapshot(today: date) -> int:
    """Store today's figures per county and for the city; running twice a day replaces them."""
    per_county = county_figures(today)
    counties = list(db.session.scalars(select(County.id)))
    rows = []
    for cid in counties + [None]:
        fig = _sum(per_county.values()) if cid is None else per_county.get(cid) or _sum([])
        rows.append(
            {
                "day": today,
                "county_id": cid,
                "active_hnte": fig["active"],
                "tsme": fig["tsme"],
                "pool": fig["pool"],
                "by_stage": fig["by_stage"],
                "by_verdict": fig["by_verdict"],
            }
        )
    db.session.execute(delete(Snapshot).where(Snapshot.day == today))
    db.session.execute(insert(Snapshot), rows)
    db.session.flush()
    return len(rows)


class TargetError(Invalid):
    """A target that cannot be saved; ``str`` says what and where, in the UI language (Chinese by default)."""


def set_target(
    user: User,
    county_id: int | None,
    year: int,
    hnte: int,
    tsme: int,
    plan_name: str | None = None,
    version: int | None = None,
) -> Target:
    """Create or change one target (city when ``county_id`` is None); admins only; audited; flushes.

    A county's target for a year created by a concurrent save after the lookup here is a
    ``Conflict`` on ``year`` (the unique constraint; the city's has a NULL county and none).

    ``version`` is the target's version the form was filled from (0: there was none); an older one
    is refused with ``versions.StaleRecord`` (issue 11). Targets by town or chain (``TargetSplit``)
    carry the same ``version`` column: check it the same way, ``versions.check(split, posted,
    "target_split")``, with the hidden field filled by ``versions.version_of(split)``.
    """
    from pipeline.services import versions
    from pipeline.services.audit import record, snapshot

    if not permissions.can(user, "targets.edit"):
        raise TargetError(gettext("Only city administrators can set targets."))
    if county_id is not None and db.session.get(County, county_id) is None:
        raise TargetError(gettext("County %(id)s does not exist.", id=county_id))
    if not (2000 <= year <= 2100):
        raise TargetError(gettext("The year %(year)s is not between 2000 and 2100.", year=year))
    if (hnte is not None and hnte < 0) or (tsme is not None and tsme < 0):
        raise TargetError(gettext("Targets cannot be negative."))
    fields = ("county_id", "year", "hnte_target", "tsme_target", "plan_name")
    target = target_of(county_id, year)
    versions.check(target, version, "target")
    before = None if target is None else snapshot(target, fields)
    if target is None and (hnte is None or tsme is None):
        raise TargetError(gettext("Active HNTE target / tech SME target: a new target needs both numbers."))
    # The county's target for the year saved by someone else since target_of: Conflict on "year".
    with flush_or_conflict():
        if target is None:
            target = Target(county_id=county_id, year=year)
            db.session.add(target)
        # A blank field keeps its value (issue 11): only what the admin entered changes.
        if hnte is not None:
            target.hnte_target = hnte
        if tsme is not None:
            target.tsme_target = tsme
        if plan_name is not None and plan_name.strip():
            target.plan_name = plan_name.strip()
    record(
        user,
        "create" if before is None else "update",
        "target",
        target.id,
        None,
        before,
        snapshot(target, fields),
    )
    db.session.flush()
    return target


def dashboard_data(user: User, today: date, county_id: int | None = None, town_id: int | None = None):
    """``(goal_figures, forecast)`` for the user's goal scope, recomputed whenever the data changes.

    The access check runs on every call; only the computed figures are shared (per process, under the
    one data stamp: ``services/stamp.py``, issue 15) between users who see the same scope on the same
    day with the same data. Every committed write moves the stamp, so the next call recomputes.
    """
    from pipeline.services import stamp

    scope = goal_scope(user, county_id, town_id)
    return stamp.cached("goal_read_model", (scope.key, today), lambda: read_model(scope, today))


# ------------------------------------------------------------------ issue 18: progress by town, chain and person

#: the read model's per-group figures (by town, by industry chain, by responsible person)
GROUP_FIGURES = ("firms", "active", "tsme", "pool", "ready", "at_risk", "open", "overdue", "stalled")


def at_risk_clause(today: date):
    """**风险企业 (firm at risk)**: an active certificate that the compliance watch marks at risk
    (issue 16), or that expires within 12 months with no re-application planned in its expiry year
    (the re-certification status "none"/"late" of :func:`recert_summary`)."""
    from pipeline.models import ComplianceWatch

    planned = (
        select(Roadmap.id)
        .where(
            Roadmap.firm_id == Firm.id,
            Roadmap.target_year <= func.extract("year", Firm.hnte_cert_expiry),
        )
        .correlate(Firm)
        .exists()
    )
    watched = Firm.id.in_(select(ComplianceWatch.firm_id).where(ComplianceWatch.status == "at_risk"))
    return and_(
        _active_clause(today),
        (watched | and_(Firm.hnte_cert_expiry < add_months(today, 12), ~planned)),
    )


def group_figures(where, today: date, key, *more) -> dict | tuple[dict, ...]:
    """Per value of ``key`` (a Firm column: town, chain, officer, leader) the figures of
    :data:`GROUP_FIGURES` over the firms in ``where`` (3 queries). With ``more`` keys, a tuple of such
    dicts, one per key, from the same 3 queries: each firm's flags are computed once, not once per
    grouping (issue 15: the city dashboard grouped 20,000 firms three times over)."""
    from pipeline.services.stalls import stalled_clause

    keys = (key, *more)

    def flag(cond):
        return case((cond, 1), else_=0)

    pool = Firm.stage.in_(CULTIVATION_STAGES)
    per_firm = db.session.execute(
        select(
            Firm.id,
            *keys,
            flag(_active_clause(today)),
            flag(_tsme_clause(today)),
            flag(pool),
            flag(and_(pool, Assessment.verdict == "ready")),
            flag(at_risk_clause(today)),
        )
        .select_from(Firm)
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .where(where)
    ).all()
    milestones = {
        fid: (int(open_n), int(overdue_n or 0))
        for fid, open_n, overdue_n in db.session.execute(
            select(Firm.id, func.count(Milestone.id), func.sum(flag(Milestone.due < today)))
            .select_from(Firm)
            .join(Milestone, Milestone.firm_id == Firm.id)
            .where(where, Milestone.status.in_(OPEN_MILESTONE_STATUSES))
            .group_by(Firm.id)
        )
    }
    stalled = set(db.session.scalars(select(Firm.id).where(where, stalled_clause(today))))
    outs = tuple(defaultdict(lambda: dict.fromkeys(GROUP_FIGURES, 0)) for _ in keys)
    n_keys = len(keys)
    for row in per_firm:  # one row per firm (a firm has at most one assessment row)
        fid, values, flags = row[0], row[1 : 1 + n_keys], row[1 + n_keys :]
        open_n, overdue_n = milestones.get(fid, (0, 0))
        for out, value in zip(outs, values, strict=True):
            figs = out[value]
            figs["firms"] += 1
            for name, v in zip(("active", "tsme", "pool", "ready", "at_risk"), flags, strict=True):
                figs[name] += int(v)
            figs["open"] += open_n
            figs["overdue"] += overdue_n
            figs["stalled"] += fid in stalled
    return outs[0] if not more else outs


def _split_targets(keys: list[str], year: int) -> dict:
    from pipeline.models import TargetSplit

    if not keys:
        return {}
    return {
        s.key: s
        for s in db.session.scalars(
            select(TargetSplit).where(TargetSplit.year == year, TargetSplit.key.in_(keys))
        )
    }


def _with_target(row: dict, split) -> dict:
    row["hnte_target"] = None if split is None else split.hnte_target
    row["tsme_target"] = None if split is None else split.tsme_target
    row["to_go"] = None if split is None else max(split.hnte_target - row["active"], 0)
    row["hnte_pct"] = (row["active"] / split.hnte_target) if split is not None and split.hnte_target else None
    return row


def _groups_towns(scope: GoalScope) -> bool:
    """A county's figures are split by town; the city's and a town's are not."""
    return scope.county_id is not None and not scope.is_town


def by_town(scope: GoalScope, year: int, figs: dict) -> list[dict]:
    """A county's towns (every one, also those without firms) against their split targets of ``year``
    (only for a scope that :func:`_groups_towns`; ``figs``: :func:`group_figures` by town)."""
    from pipeline.models import TargetSplit
    from pipeline.services.departments import towns_of

    towns = towns_of(scope.county_id)
    splits = _split_targets([TargetSplit.make_key(town_id=t.id) for t in towns], year)
    return [
        _with_target(
            {"town_id": t.id, "name": t.name, **figs.get(t.id, dict.fromkeys(GROUP_FIGURES, 0))},
            splits.get(TargetSplit.make_key(town_id=t.id)),
        )
        for t in towns
        if t.kind != "unassigned" or t.id in figs  # the holding node only while it holds firms
    ]


def by_chain(scope: GoalScope, year: int, figs: dict) -> list[dict]:
    """Every industry chain (and the firms with none) against the scope's chain split of ``year``
    (the county's for a county, the city's for the city; a town has no chain split)."""
    from pipeline.models import TargetSplit
    from pipeline.services.departments import chain_rows
    from pipeline.vocabulary import NO_CHAIN

    rows = chain_rows()
    keys = {c.id: TargetSplit.make_key(county_id=scope.county_id, chain_id=c.id) for c in rows}
    splits = {} if scope.is_town else _split_targets(list(keys.values()), year)
    out = [
        _with_target(
            {"chain_id": c.id, "name": c.name, **figs.get(c.id, dict.fromkeys(GROUP_FIGURES, 0))},
            splits.get(keys[c.id]),
        )
        for c in rows
    ]
    if figs.get(None, {}).get("firms"):
        out.append(_with_target({"chain_id": None, "name": NO_CHAIN, **figs[None]}, None))
    return out


def _people(scope: GoalScope, ids: set[int]) -> list[User]:
    """The officers of the scope (a county's active officers; the city's all) and anyone named on
    one of its firms."""
    from pipeline.models import DeptNode

    q = select(User).where(permissions.active_with_role(ROLE_OFFICER))
    if scope.is_town:
        town = db.session.get(DeptNode, scope.town_id)
        q = q.where(User.node_id.in_(select(DeptNode.id).where(DeptNode.path.like(town.path + "%"))))
    elif scope.county_id is not None:
        q = q.where(User.county_id == scope.county_id)
    people = {u.id: u for u in db.session.scalars(q)}
    missing = ids - people.keys()
    if missing:
        people.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing)))})
    return sorted(
        people.values(), key=lambda u: (u.county_id or 0, u.node_id or 0, u.display_name or "", u.id)
    )


def responsibility(scope: GoalScope, today: date, figs: tuple[dict, dict] | None = None) -> dict:
    """Workload per responsible officer and per 包联 leader (firms, overdue milestones, ready firms,
    firms at risk, stalled firms), and the firms with nobody responsible (6 queries)."""
    from pipeline.models import DeptNode

    officers, leaders = figs or group_figures(scope.where, today, Firm.officer_id, Firm.leader_id)
    people = _people(scope, {k for k in officers if k} | {k for k in leaders if k})
    nodes = dict(
        db.session.execute(
            select(DeptNode.id, DeptNode.name).where(
                DeptNode.id.in_({u.node_id for u in people if u.node_id})
            )
        ).all()
    )
    counties = dict(db.session.execute(select(County.id, County.name)).all())

    def row(u: User, figs: dict) -> dict:
        return {
            "user_id": u.id,
            "name": u.display_name or u.username,
            "county": counties.get(u.county_id, "—"),
            "node": nodes.get(u.node_id) or counties.get(u.county_id, "—"),
            "phone": u.phone,
            **figs.get(u.id, dict.fromkeys(GROUP_FIGURES, 0)),
        }

    zero = dict.fromkeys(GROUP_FIGURES, 0)
    return {
        # an officer row for everyone who can answer for firms, except leaders who answer for none
        "officers": [
            row(u, officers)
            for u in people
            if officers.get(u.id, zero)["firms"] or not leaders.get(u.id, zero)["firms"]
        ],
        # a leader row only for people who lead at least one firm (every officer may be a leader)
        "leaders": [row(u, leaders) for u in people if leaders.get(u.id, zero)["firms"]],
        "no_officer": officers.get(None, zero),
        "no_leader": leaders.get(None, zero),
    }


def progress_groups(scope: GoalScope, today: date, target) -> dict:
    """The read model's issue-18 figures: by town, by industry chain, by responsible person, and
    the average time per stage (``services.stalls.stage_durations``)."""
    from pipeline.services.stalls import stage_durations, stalled_days

    year = target.year if target is not None else today.year
    # every grouping from one pass over the scope's firms (3 queries, not 3 per grouping)
    towns = _groups_towns(scope)
    keys = (Firm.chain_id, Firm.officer_id, Firm.leader_id) + ((Firm.town_id,) if towns else ())
    chain, officer, leader, *town = group_figures(scope.where, today, *keys)
    return {
        "stage_times": stage_durations(scope.where, today),
        "stalled_days": stalled_days(),
        "groups_year": year,
        "by_town": by_town(scope, year, town[0]) if towns else [],
        "by_chain": by_chain(scope, year, chain),
        "by_person": responsibility(scope, today, (officer, leader)),
    }
