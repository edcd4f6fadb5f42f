"""Scope in the query: the one place that decides which firms a user may see.

Every view, export, import, PDF, job and API call fetches firms through these functions. Out of
scope is a 404, so a probe learns nothing about whether a firm exists.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from pipeline.extensions import db
from pipeline.models import Firm, User


def scope_filter(user: User):
    """The WHERE clause limiting ``Firm`` rows to what ``user`` may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return false()
    if user.role == "admin":
        return Firm.id.isnot(None)
    if user.role == "officer" and user.county_id is not None:
        return Firm.county_id == user.county_id
    if user.role == "firm" and user.firm_id is not None:
        return Firm.id == user.firm_id
    return false()


def visible_firms(user: User) -> Select:
    """``SELECT firm`` limited to the user's scope; add filters, order and paging to it."""
    return select(Firm).where(scope_filter(user))


def visible_firm_ids(user: User) -> Select:
    return select(Firm.id).where(scope_filter(user))


def get_firm_or_404(user: User, firm_id: int) -> Firm:
    """The firm if the user may see it, else abort(404)."""
    firm = db.session.scalars(visible_firms(user).where(Firm.id == firm_id)).first()
    if firm is None:
        abort(404)
    return firm


def get_firm_by_code_or_404(user: User, credit_code: str) -> Firm:
    firm = db.session.scalars(visible_firms(user).where(Firm.credit_code == credit_code)).first()
    if firm is None:
        abort(404)
    return firm


def can_see_county(user: User, county_id: int | None) -> bool:
    """Admins see every county (and the city, ``None``); officers only their own."""
    if user.role == "admin":
        return True
    return user.role == "officer" and county_id is not None and county_id == user.county_id


def can_edit_firm(user: User) -> bool:
    """Officers and admins edit firm data directly; firm users submit it for review."""
    return user.role in ("admin", "officer")
