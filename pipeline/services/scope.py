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

from sqlalchemy import Select, false, select

from pipeline.errors import NotFound
from pipeline.extensions import db
from pipeline.models import DeptNode, Firm, User
from pipeline.vocabulary import TOWN_KINDS


def user_node(user: User) -> DeptNode | None:
    """The officer's node in the tree, or None (no node: the county of ``county_id``)."""
    if user is None or getattr(user, "node_id", None) is None:
        return None
    return db.session.get(DeptNode, user.node_id)


def town_node(user: User) -> DeptNode | None:
    """The town/street/park node of a town-level officer, else None."""
    if user is None or getattr(user, "role", None) != "officer":
        return None
    node = user_node(user)
    return node if node is not None and node.kind in TOWN_KINDS else None


def is_town_officer(user: User) -> bool:
    return town_node(user) is not None


def _subtree_ids(node: DeptNode):
    return select(DeptNode.id).where(DeptNode.path.like(node.path + "%"))


def scope_filter(user: User):
    """The WHERE clause limiting ``Firm`` rows to what ``user`` may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return false()
    if user.role == "admin":
        return Firm.id.isnot(None)
    if user.role == "officer":
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
    if user.role == "firm" and user.firm_id is not None:
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


def can_see_county(user: User, county_id: int | None) -> bool:
    """County-level views: admins see every county (and the city, ``None``); county officers only
    their own; town officers none (they see their town's firms, not the county's pages)."""
    if user.role == "admin":
        return True
    if user.role != "officer" or is_town_officer(user):
        return False
    return county_id is not None and county_id == user.county_id


def can_see_town(user: User, town: DeptNode | None) -> bool:
    """A town's views (its firms, its figures): admins all; county officers their county's towns;
    town officers their own node and what is below it."""
    if town is None or town.kind not in TOWN_KINDS:
        return False
    if user.role == "admin":
        return True
    if user.role != "officer":
        return False
    own = town_node(user)
    if own is not None:
        return town.path.startswith(own.path)
    return town.county_id is not None and town.county_id == user.county_id


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
    if user is None or user.role == "firm":
        return q.where(false())
    if user.role == "admin":
        return q
    own = town_node(user)
    if own is not None:
        return q.where(DeptNode.path.like(own.path + "%"))
    node = user_node(user)
    if node is not None and node.kind == "city":
        return q
    return q.where(DeptNode.county_id == user.county_id) if user.county_id is not None else q.where(false())


def can_edit_firm(user: User) -> bool:
    """Officers and admins edit firm data directly; firm users submit it for review."""
    return user.role in ("admin", "officer")
