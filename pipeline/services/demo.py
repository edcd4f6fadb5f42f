"""A deterministic, realistic demo city, generated relative to ``today``.

Same ``seed`` and ``today`` → the same firms, figures and logins. Running it again adds nothing that
is already there (firms are keyed by credit code, users by username). Bulk rows go in with Core
``executemany`` so ``--firms 20000`` takes seconds, not minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from pipeline import permissions, uscc
from pipeline.extensions import db
from pipeline.models import (
    AnnualReport,
    ApplicationBatch,
    Conversion,
    County,
    Firm,
    FiscalYear,
    Incident,
    IPAsset,
    LeadTime,
    RdEvidence,
    Target,
    User,
)
from pipeline.vocabulary import RD_PIECE_LABELS, ROLE_OFFICER

# 连云港: the nine 县区/功能板块, with their administrative division codes.
COUNTIES = [
    ("320706", "海州区", "district", 0.17),
    ("320703", "连云区", "district", 0.08),
    ("320707", "赣榆区", "district", 0.12),
    ("320722", "东海县", "county", 0.12),
    ("320723", "灌云县", "county", 0.08),
    ("320724", "灌南县", "county", 0.07),
    ("320771", "经济技术开发区", "zone", 0.16),
    ("320772", "高新区", "zone", 0.14),
    ("320773", "徐圩新区", "zone", 0.06),
]
COUNTY_PINYIN = {
    "海州区": "haizhou",
    "连云区": "lianyun",
    "赣榆区": "ganyu",
    "东海县": "donghai",
    "灌云县": "guanyun",
    "灌南县": "guannan",
    "经济技术开发区": "kaifaqu",
    "高新区": "gaoxin",
    "徐圩新区": "xuwei",
}
# The plan's industries, each with tech-domain codes (3rd level where the catalogue has them) and
# words that make believable firm names.
INDUSTRIES = [
    ("新医药", ["20101", "20201", "20301", "20401", "20501"], ["医药", "生物", "药业", "医疗器械", "制药"]),
    ("新材料", ["40101", "40201", "40301", "40501"], ["新材料", "硅材料", "复合材料", "精细化工", "石英"]),
    ("新能源", ["60101", "60301", "60401"], ["新能源", "光伏", "储能", "电气", "风电"]),
    ("高端装备", ["80401", "80501", "80301", "80101"], ["装备", "机械", "智能装备", "仪器", "自动化"]),
    ("石化", ["40501", "70701", "70301"], ["石化", "化工", "新材料科技", "环保"]),
    ("海洋", ["80801", "20701", "80802"], ["海洋科技", "船舶", "海工装备", "水产科技"]),
    (
        "数字经济",
        ["10101", "10301", "10401", "50301", "10701"],
        ["软件", "信息技术", "网络科技", "数据科技", "智能科技"],
    ),
]
# issue 18: the 乡镇/街道/园区 of each county (from the 2020s administrative divisions, written from
# memory: check against the 民政局 list before production use). Kind: town / street / park.
TOWNS = {
    "海州区": [
        ("新海街道", "street"),
        ("新东街道", "street"),
        ("新南街道", "street"),
        ("路南街道", "street"),
        ("浦西街道", "street"),
        ("海州街道", "street"),
        ("幸福路街道", "street"),
        ("朐阳街道", "street"),
        ("洪门街道", "street"),
        ("宁海街道", "street"),
        ("南城街道", "street"),
        ("锦屏镇", "town"),
        ("板浦镇", "town"),
        ("新坝镇", "town"),
        ("浦南镇", "town"),
    ],
    "连云区": [
        ("墟沟街道", "street"),
        ("连云街道", "street"),
        ("云山街道", "street"),
        ("板桥街道", "street"),
        ("连岛街道", "street"),
        ("海州湾街道", "street"),
        ("宿城街道", "street"),
        ("高公岛街道", "street"),
        ("前三岛乡", "town"),
    ],
    "赣榆区": [
        ("青口镇", "town"),
        ("柘汪镇", "town"),
        ("石桥镇", "town"),
        ("金山镇", "town"),
        ("黑林镇", "town"),
        ("厉庄镇", "town"),
        ("海头镇", "town"),
        ("塔山镇", "town"),
        ("赣马镇", "town"),
        ("班庄镇", "town"),
        ("城头镇", "town"),
        ("城西镇", "town"),
        ("宋庄镇", "town"),
        ("沙河镇", "town"),
        ("墩尚镇", "town"),
        ("柘汪临港产业区", "park"),
    ],
    "东海县": [
        ("牛山街道", "street"),
        ("石榴街道", "street"),
        ("白塔埠镇", "town"),
        ("黄川镇", "town"),
        ("石梁河镇", "town"),
        ("青湖镇", "town"),
        ("温泉镇", "town"),
        ("双店镇", "town"),
        ("桃林镇", "town"),
        ("洪庄镇", "town"),
        ("安峰镇", "town"),
        ("房山镇", "town"),
        ("平明镇", "town"),
        ("驼峰乡", "town"),
        ("李埝乡", "town"),
        ("山左口乡", "town"),
        ("石湖乡", "town"),
        ("曲阳乡", "town"),
        ("张湾乡", "town"),
    ],
    "灌云县": [
        ("伊山镇", "town"),
        ("杨集镇", "town"),
        ("燕尾港镇", "town"),
        ("同兴镇", "town"),
        ("四队镇", "town"),
        ("圩丰镇", "town"),
        ("龙苴镇", "town"),
        ("下车镇", "town"),
        ("图河镇", "town"),
        ("东王集镇", "town"),
        ("小伊乡", "town"),
        ("南岗乡", "town"),
        ("伊芦乡", "town"),
        ("侍庄街道", "street"),
    ],
    "灌南县": [
        ("新安镇", "town"),
        ("堆沟港镇", "town"),
        ("田楼镇", "town"),
        ("北陈集镇", "town"),
        ("张店镇", "town"),
        ("三口镇", "town"),
        ("孟兴庄镇", "town"),
        ("汤沟镇", "town"),
        ("百禄镇", "town"),
        ("新集镇", "town"),
        ("李集乡", "town"),
    ],
    "经济技术开发区": [
        ("朝阳街道", "street"),
        ("中云街道", "street"),
        ("猴嘴街道", "street"),
        ("宋跳街道", "street"),
    ],
    "高新区": [("花果山街道", "street"), ("云台街道", "street")],
    "徐圩新区": [("徐圩街道", "street"), ("连云港石化产业基地", "park")],
}
# The town officer demo logins (username, county, town).
TOWN_OFFICERS = [("officer_xinhai", "海州区", "新海街道"), ("officer_qingkou", "赣榆区", "青口镇")]
DEMO_PASSWORD = "Demo@2345"
PIECES = list(RD_PIECE_LABELS)


@dataclass
class SeedResult:
    counties: int
    firms_created: int
    firms_total: int
    users_created: int
    logins: list[tuple[str, str, str]]


def seed_demo(today: date, firms: int = 1450, seed: int = 42) -> SeedResult:
    """Create the demo city. Idempotent; returns what it created and the demo logins."""
    fake = Faker("zh_CN")

    counties = _seed_counties()
    towns = _seed_towns(counties)
    _seed_targets(counties, today)
    _seed_calendar(today)
    logins, users_created = _seed_officers_and_admin(counties)
    created = _seed_firms(seed, fake, counties, today, firms)
    _place_firms(towns)
    town_logins, town_users = _seed_town_officers(towns)
    leader_logins, leader_users = _seed_responsibility(counties)
    _seed_splits(counties, towns, today)
    _seed_history(today)
    firm_logins, firm_users = _seed_firm_users(counties)
    db.session.flush()
    total = db.session.scalar(select(func.count()).select_from(Firm))
    return SeedResult(
        len(counties),
        created,
        total,
        users_created + firm_users + town_users + leader_users,
        logins + town_logins + leader_logins + firm_logins,
    )


def _seed_towns(counties: list[County]) -> dict[int, list]:
    """The tree: a node per county and its real towns/streets/parks (issue 18)."""
    from pipeline.services import departments

    departments.chains()
    out = {}
    for county in counties:
        departments.county_node(county)
        out[county.id] = [
            departments.add_town(county, name, kind, sort=i)
            for i, (name, kind) in enumerate(TOWNS.get(county.name, []))
        ]
    db.session.flush()
    return out


def _place_firms(towns: dict[int, list]) -> None:
    """Each demo firm not yet in a real town goes to one, picked from its credit code (deterministic),
    and gets the chain its industry names."""
    import zlib

    from sqlalchemy import bindparam, update

    from pipeline.models import DeptNode
    from pipeline.services import departments

    chain_by = departments.chain_lookup()
    unplaced = db.session.execute(
        select(Firm.id, Firm.county_id, Firm.credit_code, Firm.industry, Firm.chain_id)
        .outerjoin(DeptNode, DeptNode.id == Firm.town_id)
        .where((Firm.town_id.is_(None)) | (DeptNode.kind == "unassigned") | (Firm.chain_id.is_(None)))
    ).all()
    rows = []
    for fid, cid, code, industry, chain_id in unplaced:
        options = towns.get(cid) or []
        if not options:
            continue
        # the first towns of each list (the county seat) get more firms, as in life
        h = zlib.crc32(code.encode())
        town = options[min(h % len(options), (h // 7) % len(options))]
        chain = chain_by.get(industry or "") or chain_by.get("其他")
        rows.append({"fid": fid, "town_id": town.id, "chain_id": chain_id or (chain.id if chain else None)})
    if rows:  # one executemany
        db.session.connection().execute(
            update(Firm.__table__)
            .where(Firm.__table__.c.id == bindparam("fid"))
            .values(town_id=bindparam("town_id"), chain_id=bindparam("chain_id")),
            rows,
        )
    db.session.flush()


def _seed_town_officers(towns: dict[int, list]) -> tuple[list, int]:
    existing = set(db.session.scalars(select(User.username)))
    by_name = {(t.county_id, t.name): t for ts in towns.values() for t in ts}
    counties = {c.name: c for c in db.session.scalars(select(County))}
    logins, created = [], 0
    for username, county_name, town_name in TOWN_OFFICERS:
        county = counties.get(county_name)
        town = by_name.get((county.id, town_name)) if county else None
        if town is None:
            continue
        logins.append((username, DEMO_PASSWORD, f"{county_name}{town_name}专员"))
        if username not in existing:
            u = _user(username, f"{town_name}专员", "officer", county_id=county.id)
            u.node_id = town.id
            db.session.add(u)
            created += 1
    db.session.flush()
    return logins, created


def _seed_responsibility(counties: list[County]) -> tuple[list, int]:
    """包联 (issue 18): the town officers answer for their town's firms; each county has a leader
    (``leader_<county>``) who is 包联 leader of every third of its firms in cultivation."""
    from sqlalchemy import update

    from pipeline.vocabulary import CULTIVATION_STAGES

    for officer in db.session.scalars(
        select(User).where(permissions.role_is(ROLE_OFFICER), User.node_id.isnot(None))
    ):
        db.session.execute(
            update(Firm).where(Firm.town_id == officer.node_id, Firm.county_id == officer.county_id)
            .values(officer_id=officer.id)
        )  # fmt: skip
    existing = {u.username: u for u in db.session.scalars(select(User))}
    logins, created = [], 0
    for county in counties:
        name = f"leader_{COUNTY_PINYIN[county.name]}"
        logins.append((name, DEMO_PASSWORD, f"{county.name}包联领导"))
        leader = existing.get(name)
        if leader is None:
            leader = _user(name, f"{county.name}分管领导", "officer", county_id=county.id)
            db.session.add(leader)
            db.session.flush()
            created += 1
        ids = db.session.scalars(
            select(Firm.id)
            .where(Firm.county_id == county.id, Firm.leader_id.is_(None), Firm.stage.in_(CULTIVATION_STAGES))
            .order_by(Firm.credit_code)
        ).all()
        if ids:
            db.session.execute(update(Firm).where(Firm.id.in_(ids[::3])).values(leader_id=leader.id))
    db.session.flush()
    return logins, created


def _seed_history(today: date) -> None:
    """A stage history for demo firms that have none (issue 18: time in stage, stalled firms, 退库
    suggestion): each firm reached its stage 5–400 days ago (from its credit code, deterministic),
    after a stay at the stage before; a third of the 未通过 firms failed twice in a row."""
    import zlib
    from datetime import datetime, time, timedelta

    from pipeline.models import StageChange
    from pipeline.vocabulary import FUNNEL_STAGES

    has = select(StageChange.firm_id).distinct()
    firms = db.session.execute(
        select(Firm.id, Firm.credit_code, Firm.stage).where(Firm.id.notin_(has)).order_by(Firm.id)
    ).all()
    noon = datetime.combine(today, time(2))  # 10:00 in Asia/Shanghai, stored as UTC
    rows, moved = [], []
    for fid, code, stage in firms:
        h = zlib.crc32(code.encode())
        at = noon - timedelta(days=5 + h % 396)
        entered = at - timedelta(days=20 + (h >> 9) % 200)
        order = list(FUNNEL_STAGES)
        before = (
            order[order.index(stage) - 1]
            if stage in order[1:]
            else ("applied" if stage == "failed" else None)
        )
        if stage == "failed" and h % 3 == 0:  # failed, tried again next year, failed again
            first = at - timedelta(days=365)
            rows += [
                {"firm_id": fid, "from_stage": "applied", "to_stage": "failed", "at": first, "reason": "演示数据"},
                {"firm_id": fid, "from_stage": "failed", "to_stage": "applied", "at": first + timedelta(days=200),
                 "reason": "演示数据"},
            ]  # fmt: skip
        if before:
            rows.append(
                {"firm_id": fid, "from_stage": before, "to_stage": stage, "at": at, "reason": "演示数据"}
            )
        moved.append({"fid": fid, "at": at if before else entered, "entered": entered})
    if rows:
        db.session.execute(StageChange.__table__.insert(), rows)
    if moved:
        from sqlalchemy import bindparam, update

        db.session.connection().execute(
            update(Firm.__table__)
            .where(Firm.__table__.c.id == bindparam("fid"))
            .values(stage_changed_at=bindparam("at"), created_at=bindparam("entered")),
            moved,
        )
    db.session.flush()


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder: the parts add up to it)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _seed_splits(counties: list[County], towns: dict[int, list], today: date) -> None:
    """This year's targets split (issue 18): 90 % of each county's target over its towns and 90 % of
    the city's over the industry chains, in proportion to their firms (the rest shows as not split
    yet); only where nothing is split yet."""
    from pipeline.models import TargetSplit
    from pipeline.services import departments

    year = today.year
    if db.session.scalar(select(func.count()).select_from(TargetSplit).where(TargetSplit.year == year)):
        return
    per_town = dict(db.session.execute(select(Firm.town_id, func.count()).group_by(Firm.town_id)).all())
    per_chain = dict(db.session.execute(select(Firm.chain_id, func.count()).group_by(Firm.chain_id)).all())
    targets = {t.county_id: t for t in db.session.scalars(select(Target).where(Target.year == year))}

    def add(parent, keyed: list[tuple[dict, int]]) -> None:
        if parent is None or not keyed:
            return
        weights = [w for _, w in keyed]
        hnte = _shares(round(parent.hnte_target * 0.9), weights)
        tsme = _shares(round(parent.tsme_target * 0.9), weights)
        for (cols, _), h, t in zip(keyed, hnte, tsme, strict=True):
            db.session.add(
                TargetSplit(year=year, key=TargetSplit.make_key(**cols), hnte_target=h, tsme_target=t, **cols)
            )

    for county in counties:
        add(
            targets.get(county.id),
            [
                ({"town_id": t.id, "county_id": county.id}, per_town.get(t.id, 0))
                for t in towns.get(county.id, [])
            ],
        )
    add(
        targets.get(None),
        [({"county_id": None, "chain_id": c.id}, per_chain.get(c.id, 0)) for c in departments.chain_rows()],
    )
    db.session.flush()


def _seed_counties() -> list[County]:
    existing = {c.code: c for c in db.session.scalars(select(County))}
    for sort, (code, name, kind, _) in enumerate(COUNTIES):
        if code not in existing:
            county = County(code=code, name=name, kind=kind, sort=sort)
            db.session.add(county)
            existing[code] = county
    db.session.flush()
    return [existing[code] for code, *_ in COUNTIES]


def _seed_targets(counties: list[County], today: date) -> None:
    """The closed five-year plan (1000 HNTE / 2000 tech SMEs at its last year) and a follow-on plan.

    Years are relative to today: the last plan ended the year before, the next one runs five years.
    """
    have = {(t.county_id, t.year) for t in db.session.scalars(select(Target))}
    last_plan_end = today.year - 1
    plans = [(last_plan_end, 1000, 2000, f"{last_plan_end - 4}–{last_plan_end}年规划")]
    for i in range(1, 6):
        year = last_plan_end + i
        plans.append((year, 1000 + 100 * i, 2000 + 200 * i, f"{last_plan_end + 1}–{last_plan_end + 5}年规划"))
    weights = {c.code: w for c_code, _, _, w in COUNTIES for c in counties if c.code == c_code}
    for year, hnte, tsme, plan in plans:
        if (None, year) not in have:
            db.session.add(
                Target(county_id=None, year=year, hnte_target=hnte, tsme_target=tsme, plan_name=plan)
            )
        for county in counties:
            if (county.id, year) not in have:
                w = weights[county.code]
                db.session.add(
                    Target(
                        county_id=county.id,
                        year=year,
                        hnte_target=round(hnte * w),
                        tsme_target=round(tsme * w),
                        plan_name=plan,
                    )
                )


def _seed_calendar(today: date) -> None:
    """Default batches (Jiangsu practice) for this year and the next three, and the IP lead times."""
    from pipeline.roadmap.calendar import DEFAULT_LEAD_TIMES, default_calendar

    have = set(db.session.scalars(select(ApplicationBatch.code)))
    for batch in default_calendar(date(today.year, 1, 1)).batches:
        if batch.id not in have:
            db.session.add(
                ApplicationBatch(
                    code=batch.id,
                    year=batch.year,
                    cutoff=batch.cutoff,
                    note="默认批次（按江苏省往年惯例，请按当年苏高企协办通知修改）",
                )
            )
    kinds = set(db.session.scalars(select(LeadTime.kind)))
    lead_times = DEFAULT_LEAD_TIMES.values() if isinstance(DEFAULT_LEAD_TIMES, dict) else DEFAULT_LEAD_TIMES
    for lt in lead_times:
        if lt.kind not in kinds:
            db.session.add(LeadTime(kind=lt.kind, months=lt.months, basis=lt.basis))


def _user(username, display, role, county_id=None, firm_id=None, email=None) -> User:
    return User(
        username=username,
        display_name=display,
        role=role,
        county_id=county_id,
        firm_id=firm_id,
        email=email or f"{username}@demo.example.com",
        password_hash=generate_password_hash(DEMO_PASSWORD, method="scrypt"),
    )


def _seed_officers_and_admin(counties: list[County]) -> tuple[list, int]:
    existing = set(db.session.scalars(select(User.username)))
    logins, created = [("admin", DEMO_PASSWORD, "市科技局管理员")], 0
    if "admin" not in existing:
        db.session.add(_user("admin", "市科技局管理员", "admin"))
        created += 1
    for county in counties:
        name = f"officer_{COUNTY_PINYIN[county.name]}"
        logins.append((name, DEMO_PASSWORD, f"{county.name}专员"))
        if name not in existing:
            db.session.add(_user(name, f"{county.name}科技局专员", "officer", county_id=county.id))
            created += 1
    db.session.flush()
    return logins, created


def _seed_firm_users(counties: list[County]) -> tuple[list, int]:
    """A firm login for the first pool firm in each of three counties."""
    logins, created = [], 0
    existing = set(db.session.scalars(select(User.username)))
    for county in counties[:3]:
        firm = db.session.scalars(
            select(Firm)
            .where(Firm.county_id == county.id, Firm.stage.in_(("coaching", "to_apply")))
            .order_by(Firm.id)
            .limit(1)
        ).first()
        if firm is None:
            continue
        name = f"firm_{COUNTY_PINYIN[county.name]}"
        logins.append((name, DEMO_PASSWORD, f"企业：{firm.name}"))
        if name not in existing:
            db.session.add(
                _user(name, firm.contact_name or firm.name, "firm", firm_id=firm.id, email=firm.contact_email)
            )
            created += 1
    return logins, created


def _credit_code(rng: random.Random, division: str) -> str:
    body = "".join(rng.choice(uscc.CHARSET) for _ in range(9))
    return uscc.make("91", division, body)


def _money(x: float) -> Decimal:
    return Decimal(str(round(max(x, 0.0), 2)))


_HNTE_SHARE = 450 / 1450  # the city's certified share: 450 of 1450 firms
# A profile's child rows and their tables, in insert order.
_CHILD_TABLES = (
    ("years", FiscalYear),
    ("ip", IPAsset),
    ("conversions", Conversion),
    ("evidence", RdEvidence),
    ("incidents", Incident),
)


def _seed_firms(seed: int, fake: Faker, counties: list[County], today: date, n: int) -> int:
    officers = {
        u.county_id: u.id for u in db.session.scalars(select(User).where(permissions.role_is(ROLE_OFFICER)))
    }
    seen_codes = set(db.session.scalars(select(Firm.credit_code)))
    seen_names = set(db.session.scalars(select(Firm.name)))
    firm_rows, plans = [], []
    for i in range(n):
        row, profile = _draw_firm(seed, i, fake, counties, officers, seen_names, today)
        if row["credit_code"] in seen_codes:  # same seed, second run: already there
            continue
        seen_codes.add(row["credit_code"])
        seen_names.add(row["name"])
        firm_rows.append(row)
        plans.append(profile)
    if not firm_rows:
        return 0
    db.session.execute(insert(Firm), firm_rows)
    ids = _firm_ids(firm_rows)
    tables = [
        (
            model,
            [
                {"firm_id": ids[row["credit_code"]], **item}
                for row, p in zip(firm_rows, plans, strict=True)
                for item in p[key]
            ],
        )
        for key, model in _CHILD_TABLES
    ]
    tables.append((AnnualReport, _demo_annual_reports(seed, firm_rows, ids, today)))
    for model, rows in tables:
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    return len(firm_rows)


def _draw_firm(
    seed: int, i: int, fake: Faker, counties: list[County], officers: dict, seen_names: set, today: date
) -> tuple[dict, dict]:
    """Firm ``i``'s row and profile. Each firm draws from its own stream, so its identity depends
    only on (seed, i): a rerun on another day, or with more firms, finds the same credit codes and
    adds nothing twice."""
    rng = random.Random((seed << 32) + i)
    fake.seed_instance((seed << 32) + i)
    county = rng.choices(counties, [w for *_, w in COUNTIES])[0]
    industry, domains, words = rng.choice(INDUSTRIES)
    code = _credit_code(rng, county.code)
    name = _firm_name(rng, fake, words, county, i, seen_names)
    profile = _firm_profile(rng, fake, today, _HNTE_SHARE)
    contact = fake.name()
    row = dict(
        credit_code=code,
        name=name,
        county_id=county.id,
        industry=industry,
        tech_domain=rng.choice(domains),
        officer_id=officers.get(county.id),
        contact_name=contact,
        contact_phone=fake.phone_number(),
        contact_email=f"contact{i}@{fake.domain_word()}.example.com",  # RFC 2606: valid, never delivered
        address=f"江苏省连云港市{county.name}{fake.street_name()}{rng.randint(1, 300)}号",
    )
    row.update(profile["firm"])
    return row, profile


def _firm_name(rng: random.Random, fake: Faker, words: list, county: County, i: int, seen: set) -> str:
    """连云港…有限公司; a name already taken becomes a branch (分公司) or a 江苏… 股份有限公司, then numbered."""
    name = f"连云港{fake.company_prefix()}{rng.choice(words)}有限公司"
    if name in seen:
        name = (
            name.replace("有限公司", f"{county.name[:2]}分公司")
            if rng.random() < 0.5
            else f"江苏{fake.company_prefix()}{rng.choice(words)}股份有限公司"
        )
    if name in seen:
        name = name.replace("有限公司", f"（{i}）有限公司")
    return name


def _firm_ids(firm_rows: list[dict]) -> dict[str, int]:
    """Credit code → id of the firms just inserted (all firms' when there are too many to list)."""
    if len(firm_rows) >= 900:
        return dict(db.session.execute(select(Firm.credit_code, Firm.id)).all())
    codes = [r["credit_code"] for r in firm_rows]
    return dict(
        db.session.execute(select(Firm.credit_code, Firm.id).where(Firm.credit_code.in_(codes))).all()
    )


def _demo_annual_reports(seed: int, firm_rows: list, ids: dict, today: date) -> list[dict]:
    """Issue 16: each certified firm's 年报 of the years already due, mostly submitted in May, a few
    recorded as not submitted (an own random stream, so the rest of the demo stays the same)."""
    rng = random.Random(seed * 7919 + 16)
    out = []
    for row in firm_rows:
        cert, exp = row.get("hnte_cert_date"), row.get("hnte_cert_expiry")
        if cert is None or exp is None:
            continue
        for y in range(cert.year + 1, min(exp.year, today.year) + 1):
            if y == today.year and today <= date(y, 5, 31):
                continue  # not due yet
            done = rng.random() < 0.96
            out.append(
                {
                    "firm_id": ids[row["credit_code"]],
                    "year": y,
                    "submitted": done,
                    "submitted_on": date(y, 5, rng.randint(6, 29)) if done else None,
                }
            )
    return out


# How far along a firm of each stage is (0..1): it drives every figure, so stages look like stages.
_QUALITY_RANGE = {
    "candidate": (0.15, 0.6),
    "pool": (0.3, 0.8),
    "coaching": (0.45, 0.95),
    "to_apply": (0.7, 1.0),
    "applied": (0.75, 1.0),
    "failed": (0.4, 0.8),
    "exited": (0.1, 0.5),
    "certified": (0.78, 1.0),
}
# The stages of a firm that is not certified, and how often each is drawn.
_UNCERTIFIED_STAGES = (
    ["candidate", "pool", "coaching", "to_apply", "applied", "failed", "exited"],
    [18, 28, 24, 12, 6, 6, 6],
)
# IP kind → (days from filing to grant, number prefix).
_IP_KINDS = {
    "invention_patent": (540, "ZL"),
    "utility_model": (300, "ZL"),
    "software_copyright": (60, "软著登字第"),
}


def _firm_profile(rng: random.Random, fake: Faker, today: date, hnte_share: float) -> dict:
    """One firm's stage, certificate, figures, IP, conversions and evidence, all coherent.

    Each step draws from ``rng`` in a fixed order: the same seed gives the same firm.
    """
    certified = rng.random() < hnte_share
    registered = _registered_on(rng, today, certified)
    stage = "certified" if certified else rng.choices(*_UNCERTIFIED_STAGES)[0]
    quality = rng.uniform(*_QUALITY_RANGE[stage])
    firm = _firm_fields(rng, today, registered, stage, quality)
    first_year = max(registered.year, today.year - 3)
    return {
        "firm": firm,
        "years": _fiscal_years(rng, today, registered, first_year, quality),
        "ip": _ip_portfolio(rng, fake, today, quality, firm.get("hnte_cert_date")),
        "conversions": _conversions(rng, fake, today, first_year, quality),
        "evidence": _evidence(rng, today, quality),
        "incidents": _incidents(rng, today),
    }


def _registered_on(rng: random.Random, today: date, certified: bool) -> date:
    """A few uncertified firms are young (4 months to 2 years); the others 3 to 18 years old."""
    if not certified and rng.random() < 0.08:
        return today - timedelta(days=rng.randint(120, 700))
    return date(today.year - rng.randint(3, 18), rng.randint(1, 12), rng.randint(1, 28))


def _grade(rng: random.Random, quality: float) -> str:
    return "ABCDE"[min(4, max(0, int((1 - quality) * 4 + rng.uniform(-0.6, 0.9))))]


def _firm_fields(rng: random.Random, today: date, registered: date, stage: str, quality: float) -> dict:
    """The firm row's own fields: grades, certificate or pool level, tech-SME registration."""
    certified = stage == "certified"
    firm: dict = {
        "registered_on": registered,
        "pool_level": None,
        "grade_advancement": _grade(rng, quality),
        "grade_core_support": _grade(rng, quality),
        "standards": rng.random() < 0.05 + 0.15 * quality,
        "stage": stage,
    }
    if certified:
        firm.update(_certificate(rng, today))
    elif stage != "candidate":
        firm["pool_level"] = rng.choice(("city", "city", "province"))
    if rng.random() < 0.4 + 0.6 * quality or certified:
        firm.update(
            tsme_year=today.year - rng.choice((0, 0, 1)),
            tsme_reg_no=f"{today.year}3207{rng.randint(0, 99):02d}A{rng.randint(0, 99999):05d}",
        )
    if rng.random() < 0.03:
        firm["tech_domain"] = None  # not classified yet: shows up as incomplete data
    return firm


def _certificate(rng: random.Random, today: date) -> dict:
    """Issued Nov–Dec of one of the last four years (a few have lapsed), valid three years."""
    cert_year = today.year - rng.choice((1, 1, 2, 2, 3, 3, 4))
    cert_date = date(cert_year, rng.choice((11, 12)), rng.randint(1, 28))
    return dict(
        hnte_cert_date=cert_date,
        hnte_cert_expiry=date(cert_date.year + 3, cert_date.month, cert_date.day) - timedelta(days=1),
        hnte_cert_no=f"GR{cert_year}32{rng.randint(0, 999999):06d}",
    )


@dataclass(frozen=True)
class _Trend:
    """A firm's figures over the years: first-year sales, growth and the ratios around them."""

    base_sales: float
    growth: float
    staff0: int
    rd_ratio: float
    tech_ratio: float
    ht_share_base: float


def _trend(rng: random.Random, quality: float) -> _Trend:
    base_sales = rng.lognormvariate(7.6, 1.0)  # median ≈ 2000 万元
    growth = rng.uniform(-0.04, 0.06) + 0.36 * quality * rng.uniform(0.5, 1.15)
    return _Trend(
        base_sales=base_sales,
        growth=growth,
        staff0=max(8, int(base_sales / rng.uniform(40, 120))),
        rd_ratio=max(0.005, 0.02 + 0.05 * quality + rng.gauss(0, 0.012)),
        tech_ratio=max(0.02, 0.05 + 0.2 * quality + rng.uniform(-0.04, 0.08)),
        ht_share_base=0.4 + 0.45 * quality,
    )


def _fiscal_years(rng: random.Random, today: date, registered: date, first_year: int, quality: float) -> list:
    """Closed years up to last year, plus this year's expectations (a few firms miss last year)."""
    trend = _trend(rng, quality)
    missing_last = rng.random() < 0.04  # stale: last year not reported yet
    return [
        _fiscal_year(rng, today, registered, trend, y, y - first_year)
        for y in range(first_year, today.year + 1)
        if not (y == today.year - 1 and missing_last)
    ]


def _fiscal_year(rng: random.Random, today: date, registered: date, trend: _Trend, y: int, k: int) -> dict:
    """Year ``y``, the ``k``-th since the first reported one."""
    growth = trend.growth
    sales = trend.base_sales * (1 + growth) ** k * rng.uniform(0.95, 1.05)
    if y == registered.year:
        sales *= (12 - registered.month + 1) / 12
    rd = sales * trend.rd_ratio * rng.uniform(0.9, 1.1)
    staff = int(trend.staff0 * (1 + growth / 2) ** k) + rng.randint(0, 3)
    tech = max(1, round(staff * trend.tech_ratio * rng.uniform(0.9, 1.1)))
    total_assets = sales * rng.uniform(0.8, 1.6)
    net_assets = total_assets * rng.uniform(0.3, 0.5) * (1 + growth) ** k
    total_income = sales * rng.uniform(1.0, 1.03)
    ht_share = min(0.98, trend.ht_share_base + rng.uniform(-0.08, 0.08))
    return dict(
        year=y,
        sales=_money(sales),
        total_income=_money(total_income),
        hightech_income=_money(total_income * ht_share),
        rd_total=_money(rd),
        rd_domestic=_money(rd * rng.choice((1, 1, 1, 0.95, 0.8, 0.55))),
        rd_deductible=_money(rd * 0.93),
        net_assets=_money(net_assets),
        total_assets=_money(total_assets),
        total_cost=_money(sales * rng.uniform(0.75, 0.98)),
        staff=staff,
        tech_staff=min(tech, staff),
        tech_staff_tsme=None,
        is_estimate=(y == today.year),
    )


def _ip_counts(rng: random.Random, quality: float) -> dict[str, int]:
    """How many of each IP kind (better firms hold more invention patents)."""
    return {
        "invention_patent": rng.choices(
            (0, 1, 2, 3), (70 - 50 * quality, 20, 10 + 10 * quality, 5 + 15 * quality)
        )[0],
        "utility_model": rng.choices((0, 1, 2, 3, 5, 8), (20, 20, 20, 15, 15, 10))[0],
        "software_copyright": rng.choices((0, 1, 2, 4), (40, 25, 20, 15))[0],
    }


def _ip_portfolio(
    rng: random.Random, fake: Faker, today: date, quality: float, cert_date: date | None
) -> list[dict]:
    return [
        _ip_asset(rng, fake, today, kind, cert_date)
        for kind, count in _ip_counts(rng, quality).items()
        for _ in range(count)
    ]


def _ip_asset(rng: random.Random, fake: Faker, today: date, kind: str, cert_date: date | None) -> dict:
    """One IP asset filed in the last six years; a certified firm used some of its non-invention IP."""
    lead, prefix = _IP_KINDS[kind]
    filed = today - timedelta(days=rng.randint(60, 2200))
    granted_on = filed + timedelta(days=int(lead * rng.uniform(0.7, 1.3)))
    granted = granted_on <= today
    return dict(
        kind=kind,
        title=f"一种{fake.word()}{rng.choice(('装置', '方法', '系统', '工艺', '平台'))}",
        number=f"{prefix}{filed.year}{rng.randint(10 ** 7, 10 ** 8 - 1)}",
        status="granted" if granted else "filed",
        filed_on=filed,
        granted_on=granted_on if granted else None,
        acquired="own" if rng.random() < 0.85 else "transferred",
        core=rng.random() < 0.8,
        related=True,
        used_in_application=(
            f"{cert_date.year}-1"
            if cert_date is not None and kind != "invention_patent" and rng.random() < 0.5
            else None
        ),
    )


def _conversions(rng: random.Random, fake: Faker, today: date, first_year: int, quality: float) -> list[dict]:
    """About 5 conversions a year for the best firms; this year's so far."""
    per_year = max(0.0, 5.6 * quality * rng.uniform(0.75, 1.2) - 0.4)
    out = []
    for y in range(first_year, today.year + 1):
        share = 1.0 if y < today.year else (today.timetuple().tm_yday / 366)  # this year: so far
        for j in range(int(per_year * share + rng.random())):
            out.append(
                dict(
                    year=y,
                    title=f"{fake.word()}成果转化项目{j + 1}",
                    form=rng.choice(("own", "own", "transfer", "license", "joint")),
                )
            )
    return out


def _evidence(rng: random.Random, today: date, quality: float) -> list[dict]:
    """The R&D-management pieces a firm can show (better firms show more)."""
    out = []
    for piece in PIECES:
        if rng.random() < 0.1 + 0.95 * quality:
            out.append(
                dict(piece=piece, present=True, dated=today - timedelta(days=rng.randint(30, 900)), note=None)
            )
    return out


def _incidents(rng: random.Random, today: date) -> list[dict]:
    """One firm in fifty has had an incident."""
    if rng.random() >= 0.02:
        return []
    return [
        dict(
            occurred_on=today - timedelta(days=rng.randint(10, 500)),
            kind=rng.choice(("safety", "quality", "environment")),
            description="演示数据：事故记录",
        )
    ]
