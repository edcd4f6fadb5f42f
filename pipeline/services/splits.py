"""Targets split below the county (issue 18): by town/street/park and by industry chain.

A county's target for a year (``Target``) is split into ``TargetSplit`` rows: one per town of the
county, and one per industry chain within the county. The city's target is split by county (the
counties' own ``Target`` rows, set on the targets page) and by industry chain within the city.

:func:`rollup` is the one definition of "each split against its parent's target": for a parent (a
county, or the city when ``county_id`` is None) and a year it gives the parent's target, each
child's split, the sum of the children and the difference (parent − sum: positive = not yet split,
negative = split beyond the parent). The split page, the dashboard and the goal read model use it.

:func:`save_splits` writes a posted grid all or nothing: a blank number keeps the stored value, a
new split needs both numbers, and each row carries the ``row_version`` the form showed, so a form
left open while someone else saved is refused instead of writing over the newer value.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pipeline import permissions
from pipeline.errors import Invalid, NotFound
from pipeline.extensions import db
from pipeline.i18n import gettext, tl
from pipeline.models import County, DeptNode, IndustryChain, Target, TargetSplit, User
from pipeline.services import goals, scope
from pipeline.services.audit import record, snapshot
from pipeline.vocabulary import CITY_LABEL

MAX_TARGET = 100000
SPLIT_FIELDS = ("year", "county_id", "town_id", "chain_id", "hnte_target", "tsme_target")


class SplitError(Invalid):
    """A split grid that cannot be saved; ``messages`` name the row and the field (UI language)."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


class SplitStale(SplitError):
    """Someone saved a split after the form was opened: nothing was saved."""


@dataclass
class SplitRow:
    """One child of a roll-up: a town, a chain, or (city roll-up) a county."""

    key: str
    kind: str  # town | chain | county
    name: str
    town_id: int | None
    chain_id: int | None
    county_id: int | None
    hnte: int | None
    tsme: int | None
    version: int  # 0: no split stored yet
    editable: bool = True


def _diff(parent: int | None, total: int) -> int | None:
    return None if parent is None else parent - total


def _group(kind: str, rows: list[SplitRow], parent: Target | None) -> dict:
    hnte = sum(r.hnte or 0 for r in rows)
    tsme = sum(r.tsme or 0 for r in rows)
    return {
        "kind": kind,
        "rows": rows,
        "set": sum(1 for r in rows if r.hnte is not None),
        "sum": {"hnte": hnte, "tsme": tsme},
        "diff": {
            "hnte": _diff(parent.hnte_target if parent else None, hnte),
            "tsme": _diff(parent.tsme_target if parent else None, tsme),
        },
    }


def parent_target(county_id: int | None, year: int) -> Target | None:
    return goals.target_of(county_id, year)


def _splits(year: int, keys: list[str]) -> dict[str, TargetSplit]:
    if not keys:
        return {}
    rows = db.session.scalars(select(TargetSplit).where(TargetSplit.year == year, TargetSplit.key.in_(keys)))
    return {s.key: s for s in rows}


def _row(key, kind, name, split: TargetSplit | None, town_id=None, chain_id=None, county_id=None) -> SplitRow:
    return SplitRow(
        key,
        kind,
        name,
        town_id,
        chain_id,
        county_id,
        None if split is None else split.hnte_target,
        None if split is None else split.tsme_target,
        0 if split is None else split.row_version,
    )


def _chains() -> list[IndustryChain]:
    from pipeline.services.departments import chain_rows

    return chain_rows()


def _towns(county_id: int) -> list[DeptNode]:
    from pipeline.services.departments import towns_of

    return towns_of(county_id)


def rollup(county_id: int | None, year: int) -> dict:
    """The splits of one parent (a county; the city when ``county_id`` is None) for ``year``."""
    parent = parent_target(county_id, year)
    chains = _chains()
    chain_keys = [TargetSplit.make_key(county_id=county_id, chain_id=c.id) for c in chains]
    groups = []
    if county_id is None:
        label = CITY_LABEL
        counties = scope.counties()
        ctargets = {
            t.county_id: t
            for t in db.session.scalars(
                select(Target).where(Target.county_id.isnot(None), Target.year == year)
            )
        }
        rows = []
        for c in counties:
            t = ctargets.get(c.id)
            rows.append(
                SplitRow(
                    f"county{c.id}",
                    "county",
                    c.name,
                    None,
                    None,
                    c.id,
                    None if t is None else t.hnte_target,
                    None if t is None else t.tsme_target,
                    0,
                    editable=False,  # county targets are set on the targets page
                )
            )
        groups.append(_group("county", rows, parent))
    else:
        county = db.session.get(County, county_id)
        label = county.name if county else str(county_id)
        towns = _towns(county_id)
        town_keys = [TargetSplit.make_key(town_id=t.id) for t in towns]
        stored = _splits(year, town_keys)
        groups.append(
            _group(
                "town",
                [
                    _row(k, "town", t.name, stored.get(k), town_id=t.id, county_id=county_id)
                    for k, t in zip(town_keys, towns, strict=True)
                ],
                parent,
            )
        )
    stored = _splits(year, chain_keys)
    groups.append(
        _group(
            "chain",
            [
                _row(k, "chain", c.name, stored.get(k), chain_id=c.id, county_id=county_id)
                for k, c in zip(chain_keys, chains, strict=True)
            ],
            parent,
        )
    )
    return {
        "year": year,
        "county_id": county_id,
        "label": label,
        "parent": None if parent is None else {"hnte": parent.hnte_target, "tsme": parent.tsme_target},
        "groups": groups,
    }


def town_split(town_id: int, year: int) -> TargetSplit | None:
    return db.session.scalars(
        select(TargetSplit).where(TargetSplit.year == year, TargetSplit.key == TargetSplit.make_key(town_id))
    ).first()


# ------------------------------------------------------------------ writes


def split_scope(user: User, county_id: int | None, year: int) -> tuple[int | None, int]:
    """The county (None = the city) and year of the split page, checked against the user: an officer
    who names no county gets their own; a county they may not split, a year out of 2000–2100 or a
    county that does not exist is NotFound (404)."""
    if county_id is None and not permissions.can(user, "city.view"):
        county_id = user.county_id  # an officer's split is their county's
    if not can_split(user, county_id) or not 2000 <= year <= 2100:
        raise NotFound()
    if county_id is not None and db.session.get(County, county_id) is None:
        raise NotFound()
    return county_id, year


def can_split(user: User, county_id: int | None) -> bool:
    """City admins split the city and every county; a county officer their own county; nobody else."""
    return permissions.can(user, "targets.split", county_id)


@dataclass
class PostedRow:
    key: str
    hnte: str  # the raw posted text ("" = keep)
    tsme: str
    version: str


def _number(raw: str, where: str, field: str, errors: list[str]) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        n = -1
    if not 0 <= n <= MAX_TARGET:
        errors.append(
            gettext(
                "%(row)s, “%(field)s”: “%(raw)s” is not a whole number from 0 to %(max)s",
                row=where,
                field=field,
                raw=raw,
                max=MAX_TARGET,
            )
        )
        return None
    return n


def _where(row: SplitRow, i: int) -> str:
    return gettext("Row %(n)s “%(name)s”", n=i, name=tl(row.name))


def save_splits(user: User, county_id: int | None, year: int, posted: dict[str, PostedRow]) -> int:
    """Write the posted grid of one parent and year (all or nothing); returns how many splits changed.

    ``posted`` maps a split key to its posted row; keys not posted are left alone. Commits."""
    if not can_split(user, county_id):
        raise SplitError([gettext("You cannot split the targets of this scope.")])
    view = rollup(county_id, year)
    rows = {r.key: r for g in view["groups"] for r in g["rows"] if r.editable}
    unknown = [k for k in posted if k not in rows]
    if unknown:
        raise SplitError([gettext("Unknown split: %(key)s", key=", ".join(unknown[:5]))])
    errors: list[str] = []
    stale: list[str] = []
    changes = []
    order = {k: i for i, k in enumerate(rows, 1)}
    for key, p in sorted(posted.items(), key=lambda kv: order[kv[0]]):
        row, where = rows[key], _where(rows[key], order[key])
        hnte = _number(p.hnte, where, gettext("Active HNTE target"), errors)
        tsme = _number(p.tsme, where, gettext("Tech SME target"), errors)
        if hnte is None and tsme is None:
            continue  # blank keeps: nothing to write, nothing to refuse
        if (p.version or "").strip() != str(row.version):
            stale.append((tl(row.name), key, p.version))
            continue
        if row.version == 0 and (hnte is None or tsme is None):
            errors.append(
                gettext("%(row)s: a new split needs both numbers (HNTE and tech SME target).", row=where)
            )
            continue
        changes.append((row, hnte, tsme))
    if stale:
        raise SplitStale(
            [
                gettext(
                    "Someone else changed the split of %(names)s after you opened this page; nothing was "
                    "saved. The page now shows the current values: enter your changes again.",
                    names=gettext(", ").join(name for name, _key, _v in stale[:5]),
                ),
                *_stale_changes(year, stale[:5]),
            ]
        )
    if errors:
        raise SplitError(errors)
    n = sum(_apply(user, year, row, hnte, tsme) for row, hnte, tsme in changes)
    db.session.flush()
    return n


def _stale_changes(year: int, stale: list[tuple]) -> list[str]:
    """Issue 11: for each refused row, what changed since the form's version and by whom (audit log)."""
    from pipeline.services import versions

    out = []
    for name, key, posted in stale:
        since = versions.posted_version(posted)
        split_id = db.session.scalar(
            select(TargetSplit.id).where(TargetSplit.year == year, TargetSplit.key == key)
        )
        changes = versions.changes_since("target_split", split_id, since) if since is not None else []
        if changes:
            out.append(
                gettext(
                    "%(name)s: %(changes)s",
                    name=name,
                    changes=gettext("; ").join(versions.describe(c, {}) for c in changes[-3:]),
                )
            )
    return out


def _apply(user: User, year: int, row: SplitRow, hnte: int | None, tsme: int | None) -> bool:
    split = None
    if row.version:
        split = db.session.scalars(
            select(TargetSplit).where(TargetSplit.year == year, TargetSplit.key == row.key)
        ).one()
    before = None if split is None else snapshot(split, SPLIT_FIELDS)
    if split is None:
        split = TargetSplit(
            year=year,
            key=row.key,
            county_id=row.county_id,
            town_id=row.town_id,
            chain_id=row.chain_id,
            row_version=1,
        )
        db.session.add(split)
    if hnte is not None:
        split.hnte_target = hnte
    if tsme is not None:
        split.tsme_target = tsme
    after = snapshot(split, SPLIT_FIELDS)
    if before is not None and before == after:
        return False
    db.session.flush()  # the version goes up in the one place (models/versions.py, issue 11)
    record(user, "create" if before is None else "update", "target_split", split.id, None, before, after)
    return True
