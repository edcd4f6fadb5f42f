"""The department tree and the industry chains (issue 18): lookups and the few writes.

Nodes are made here only (their ``path`` and ``county_id`` must agree with their parent's). The
scope rules that read the tree are in ``pipeline.services.scope``.
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline.errors import Conflict
from pipeline.extensions import db
from pipeline.models import County, DeptNode, IndustryChain
from pipeline.services.integrity import flush_or_conflict
from pipeline.vocabulary import CITY_LABEL, INDUSTRY_CHAINS, TOWN_KINDS, UNASSIGNED_TOWN


def _add(
    parent: DeptNode | None, kind: str, name: str, code: str | None, county_id: int | None, sort: int = 0
) -> DeptNode:
    node = DeptNode(
        parent_id=parent.id if parent else None,
        kind=kind,
        name=name,
        code=code,
        county_id=county_id,
        path="/",
        sort=sort,
    )
    with flush_or_conflict():  # a sibling of this name added meanwhile: Conflict on "name", not a 500
        db.session.add(node)
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    db.session.flush()
    return node


def city_node() -> DeptNode:
    node = db.session.scalars(select(DeptNode).where(DeptNode.kind == "city").order_by(DeptNode.id)).first()
    return node or _add(None, "city", CITY_LABEL, "city", None)


def county_node(county: County) -> DeptNode:
    """The county's node (made on first use, with its "未划分乡镇" holding node)."""
    node = db.session.scalars(
        select(DeptNode).where(DeptNode.kind == "county", DeptNode.county_id == county.id)
    ).first()
    if node is None:
        node = _add(city_node(), "county", county.name, county.code, county.id, county.sort or 0)
        _add(node, "unassigned", UNASSIGNED_TOWN, f"{county.code}-000", county.id, 9999)
    return node


def unassigned_town(county: County | int) -> DeptNode:
    county = db.session.get(County, county) if isinstance(county, int) else county
    parent = county_node(county)
    node = db.session.scalars(
        select(DeptNode).where(DeptNode.parent_id == parent.id, DeptNode.kind == "unassigned")
    ).first()
    return node or _add(parent, "unassigned", UNASSIGNED_TOWN, f"{county.code}-000", county.id, 9999)


def add_town(
    county: County, name: str, kind: str = "town", code: str | None = None, sort: int = 0
) -> DeptNode:
    """A town/street/park under the county (returns the existing one of that name, also when a
    concurrent call added it after the look-up here)."""
    if kind not in TOWN_KINDS:
        raise ValueError(kind)
    parent = county_node(county)
    node = _child(parent, name)
    if node is not None:
        return node
    try:
        return _add(parent, kind, name, code, county.id, sort)
    except Conflict:
        node = _child(parent, name)
        if node is None:  # the clash was another constraint (the code): say so
            raise
        return node


def _child(parent: DeptNode, name: str) -> DeptNode | None:
    return db.session.scalars(
        select(DeptNode).where(DeptNode.parent_id == parent.id, DeptNode.name == name)
    ).first()


def towns_of(county_id: int) -> list[DeptNode]:
    return list(
        db.session.scalars(
            select(DeptNode)
            .where(DeptNode.county_id == county_id, DeptNode.kind.in_(TOWN_KINDS))
            .order_by(DeptNode.sort, DeptNode.id)
        )
    )


def town_lookup() -> dict[tuple[int, str], DeptNode]:
    """(county id, town name or code) -> town node, for imports."""
    out = {}
    for node in db.session.scalars(select(DeptNode).where(DeptNode.kind.in_(TOWN_KINDS))):
        out[(node.county_id, node.name)] = node
        if node.code:
            out[(node.county_id, node.code)] = node
    return out


def town_names(ids=None) -> dict[int, str]:
    q = select(DeptNode.id, DeptNode.name).where(DeptNode.kind.in_(TOWN_KINDS))
    if ids is not None:
        ids = {i for i in ids if i}
        if not ids:
            return {}
        q = q.where(DeptNode.id.in_(ids))
    return dict(db.session.execute(q).all())


def chain_rows() -> list[IndustryChain]:
    """The stored industry chains, read only (the migration seeds them; pages never write)."""
    return list(db.session.scalars(select(IndustryChain).order_by(IndustryChain.sort, IndustryChain.id)))


def chains() -> list[IndustryChain]:
    """The city's industry chains; the seed list is put there on first use (the migration does too)."""
    rows = list(db.session.scalars(select(IndustryChain).order_by(IndustryChain.sort, IndustryChain.id)))
    if rows:
        return rows
    for i, (code, name) in enumerate(INDUSTRY_CHAINS.items()):
        db.session.add(IndustryChain(code=code, name=name, sort=i))
    db.session.flush()
    return list(db.session.scalars(select(IndustryChain).order_by(IndustryChain.sort, IndustryChain.id)))


def chain_lookup() -> dict[str, IndustryChain]:
    out = {}
    for c in chains():
        out[c.name] = c
        out[c.code] = c
    return out
