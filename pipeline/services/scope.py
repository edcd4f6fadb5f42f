"""Scope in the query: the one place that decides which firms a user may see.

Every view, export, import, PDF, job and API call fetches firms through these functions. Out of
scope is a 404, so a probe learns nothing about whether a firm exists.

Issue 18: an officer belongs to a node of the department tree (city → county → town/street/park) and
sees that node and everything below it. An officer without a node (or on a county node) sees the
county of ``county_id`` as before; an officer on a town node sees only the firms of that town (and of
any node below it) and none of the county-level pages (county briefing, county dashboard, the county's
targets): ``can_see_county`` is False for them.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, false, select

from pipeline import permissions
from pipeline.errors import NotFound
from pipeline.extensions import db
from pipeline.models import County, DeptNode, Firm, User
from pipeline.vocabulary import ROLE_OFFICER, TOWN_KINDS


def user_node(user: User) -> DeptNode | None:
    """The officer's node in the tree, or None (no node: the county of ``county_id``)."""
    if user is None or getattr(user, "node_id", None) is None:
        return None
    return db.session.get(DeptNode, user.node_id)


def town_node(user: User) -> DeptNode | None:
    """The town/street/park node of a town-level officer, else None."""
    if not permissions.has_role(user, ROLE_OFFICER):
        return None
    node = user_node(user)
    return node if node is not None and node.kind in TOWN_KINDS else None


def is_town_officer(user: User) -> bool:
    return permissions.is_town_officer(user)


def _subtree_ids(node: DeptNode):
    return select(DeptNode.id).where(DeptNode.path.like(node.path + "%"))


def scope_filter(user: User):
    """The WHERE clause limiting ``Firm`` rows to what ``user`` may see."""
    if not permissions.is_active(user):
        return false()
    if permissions.is_admin(user):
        return Firm.id.isnot(None)
    if permissions.is_officer(user):
        node = user_node(user)
        if node is not None and node.kind in TOWN_KINDS:
            if node.county_id is None or node.county_id != user.county_id:
                return false()  # a town officer whose town is not in their county sees nothing
            return (Firm.town_id.in_(_subtree_ids(node))) & (Firm.county_id == node.county_id)
        if node is not None and node.kind == "city":
            return Firm.id.isnot(None)
        if user.county_id is not None:
            return Firm.county_id == user.county_id
        return false()
    if permissions.is_firm_user(user) and user.firm_id is not None:
        return Firm.id == user.firm_id
    return false()


def visible_firms(user: User) -> Select:
    """``SELECT firm`` limited to the user's scope; add filters, order and paging to it."""
    return select(Firm).where(scope_filter(user))


def visible_firm_ids(user: User) -> Select:
    return select(Firm.id).where(scope_filter(user))


def get_firm_or_404(user: User, firm_id: int) -> Firm:
    """The firm if the user may see it, else NotFound (404)."""
    firm = db.session.scalars(visible_firms(user).where(Firm.id == firm_id)).first()
    if firm is None:
        raise NotFound()
    return firm


def get_firm_by_code_or_404(user: User, credit_code: str) -> Firm:
    firm = db.session.scalars(visible_firms(user).where(Firm.credit_code == credit_code)).first()
    if firm is None:
        raise NotFound()
    return firm


COUNTY_ORDER = (County.sort, County.id)
"""The one order of counties on every page, list, drop-down, report and PDF (issue 13)."""


def counties() -> list[County]:
    """Every county in the city's order (the admin's drop-downs, the city league, reports)."""
    return list(db.session.scalars(select(County).order_by(*COUNTY_ORDER)))


class CountyRow(NamedTuple):
    id: int
    name: str


def county_rows() -> list[CountyRow]:
    """Every county's (id, name) in the county order, kept per data stamp (issue 15: read on every
    dashboard and reports page)."""
    from pipeline.services import stamp

    return stamp.cached("county_rows", (), lambda: [CountyRow(c.id, c.name) for c in counties()])


def county_names() -> dict[int, str]:
    """Every county's name by id (from ``county_rows``)."""
    return {r.id: r.name for r in county_rows()}


def county_by_ref(ref: str) -> County | None:
    """The county an officer or a command names by its code or its name (None: no such county)."""
    ref = (ref or "").strip()
    return db.session.scalars(select(County).where((County.code == ref) | (County.name == ref))).first()


def visible_counties(user: User) -> list[County]:
    """The counties this user may filter by: all for city staff, their own for a county officer."""
    q = select(County).order_by(*COUNTY_ORDER)
    if not permissions.can(user, "city.view"):
        q = q.where(County.id == user.county_id)
    return list(db.session.scalars(q))


def can_see_county(user: User, county_id: int | None) -> bool:
    """County-level views (``permissions`` "county.view"): admins every county, county officers their
    own, town officers none."""
    return permissions.can(user, "county.view", county_id)


def can_see_town(user: User, town: DeptNode | None) -> bool:
    """A town's views (``permissions`` "town.view")."""
    return permissions.can(user, "town.view", town)


def get_town_or_404(user: User, town_id: int) -> DeptNode:
    town = db.session.get(DeptNode, town_id)
    if town is None or not can_see_town(user, town):
        raise NotFound()
    return town


def visible_towns(user: User) -> Select:
    """``SELECT dept_node`` of the towns/streets/parks the user may see, in tree order."""
    q = (
        select(DeptNode)
        .where(DeptNode.kind.in_(TOWN_KINDS))
        .order_by(DeptNode.county_id, DeptNode.sort, DeptNode.id)
    )
    if not permissions.is_staff(user):
        return q.where(false())
    if permissions.is_admin(user):
        return q
    own = town_node(user)
    if own is not None:
        return q.where(DeptNode.path.like(own.path + "%"))
    node = user_node(user)
    if node is not None and node.kind == "city":
        return q
    return q.where(DeptNode.county_id == user.county_id) if user.county_id is not None else q.where(false())
