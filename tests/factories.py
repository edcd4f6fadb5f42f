"""Small factories for tests: valid credit codes, counties, firms with figures, assessments,
roadmaps, users."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from werkzeug.security import generate_password_hash

from pipeline import uscc
from pipeline.criteria.model import RD_MANAGEMENT_POINTS
from pipeline.extensions import db
from pipeline.models import Assessment, County, Firm, FiscalYear, IPAsset, RdEvidence, Roadmap, User

_seq = itertools.count(1)
PASSWORD = "Test@12345"
# The eleven R&D-management pieces (研发组织管理水平): the core's own list, for every test that puts all in place.
RD_PIECES = tuple(RD_MANAGEMENT_POINTS)
_HASH = None


def credit_code(n: int | None = None, division: str = "320706") -> str:
    n = next(_seq) if n is None else n
    return uscc.make("91", division, f"{n:09d}")


def county(code: str = "320706", name: str = "海州区") -> County:
    c = County(code=code, name=name, kind="district")
    db.session.add(c)
    db.session.flush()
    return c


def firm(county: County, name: str | None = None, **kw) -> Firm:
    n = next(_seq)
    f = Firm(
        credit_code=kw.pop("credit_code", credit_code(n, county.code)),
        name=name or f"测试科技有限公司{n}",
        county_id=county.id,
        registered_on=kw.pop("registered_on", date(2015, 3, 1)),
        tech_domain=kw.pop("tech_domain", "10101"),
        stage=kw.pop("stage", "pool"),
        **kw,
    )
    db.session.add(f)
    db.session.flush()
    return f


def year(firm: Firm, y: int, sales=3000, rd=180, staff=60, tech=9, ht=2100, **kw) -> FiscalYear:
    fy = FiscalYear(
        firm_id=firm.id,
        year=y,
        sales=Decimal(str(sales)),
        total_income=Decimal(str(kw.pop("total_income", sales))),
        hightech_income=Decimal(str(ht)),
        rd_total=Decimal(str(rd)),
        rd_domestic=Decimal(str(kw.pop("rd_domestic", rd))),
        net_assets=Decimal(str(kw.pop("net_assets", 1200))),
        total_assets=Decimal(str(kw.pop("total_assets", 2800))),
        total_cost=Decimal(str(kw.pop("total_cost", 2600))),
        staff=staff,
        tech_staff=tech,
        **kw,
    )
    db.session.add(fy)
    db.session.flush()
    return fy


def ip(firm: Firm, kind: str = "invention_patent", status: str = "granted", **kw) -> IPAsset:
    a = IPAsset(firm_id=firm.id, kind=kind, status=status, title=kw.pop("title", "一种测试装置"), **kw)
    db.session.add(a)
    db.session.flush()
    return a


def evidence(firm: Firm, *pieces: str) -> None:
    for p in pieces:
        db.session.add(RdEvidence(firm_id=firm.id, piece=p, present=True))
    db.session.flush()


def assessment(
    firm: Firm, verdict: str, application_date: date, score_min=60, score_max=80, result=None
) -> Assessment:
    """A stored assessment row with a given verdict and score range (no engine run)."""
    a = Assessment(
        firm_id=firm.id,
        rules_version="t",
        application_date=application_date,
        verdict=verdict,
        score_min=score_min,
        score_max=score_max,
        result=result if result is not None else {},
    )
    db.session.add(a)
    return a


def roadmap(
    firm: Firm,
    generated_for: date,
    target_batch: str | None = None,
    target_year: int | None = None,
    projected_min=None,
    projected_max=None,
    plan=None,
) -> Roadmap:
    """A stored roadmap row aiming at a batch (no planner run), flushed so it has an id."""
    rm = Roadmap(
        firm_id=firm.id,
        target_batch=target_batch,
        target_year=target_year,
        projected_min=projected_min,
        projected_max=projected_max,
        generated_for=generated_for,
        rules_version="t",
        calendar_version="t",
        plan=plan if plan is not None else {},
    )
    db.session.add(rm)
    db.session.flush()
    return rm


def user(username: str, role: str, county: County | None = None, firm: Firm | None = None, **kw) -> User:
    global _HASH
    if _HASH is None:  # scrypt is slow on purpose; hash the shared test password once
        _HASH = generate_password_hash(PASSWORD, method="scrypt")
    u = User(
        username=username,
        display_name=kw.pop("display_name", username),
        role=role,
        county_id=county.id if county else None,
        firm_id=firm.id if firm else None,
        password_hash=_HASH,
        email=kw.pop("email", f"{username}@example.test"),
        **kw,
    )
    db.session.add(u)
    db.session.flush()
    return u
