"""One answer to "may this user do this (to that)": named actions over the roles and the scope rules.

Roles are defined in ``pipeline.vocabulary`` (``ROLE_ADMIN``, ``ROLE_OFFICER``, ``ROLE_FIRM``) and read
only here: views, services, templates (``can('firm.edit')``) and the decorators in ``web/auth.py`` ask
:func:`can` / :func:`require` by action name. An unknown action name is a ``KeyError``, never "no".

Which *rows* a user sees (the firms of their county, town or own firm) is ``services/scope.py``; the
scoped loader (``web/loader.py``) has already fetched the firm or child row through it when a view
runs, so a firm action here answers for the role: "may an officer edit a firm (that they see)".

The rules (unchanged from before this module):
- nobody who is not logged in, or whose account is disabled, may do anything;
- admins (city) may do everything;
- officers (county, or a town/street/park node of issue 18) do the staff work on the firms they see;
  a town officer sees no county-level page (county briefing, county dashboard, the county's jobs);
- firm users read their own firm, report progress and submit figures through the portal.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement

from pipeline.errors import NotFound
from pipeline.vocabulary import ROLE_ADMIN, ROLE_FIRM, ROLE_OFFICER

__all__ = ["ROLE_ADMIN", "ROLE_FIRM", "ROLE_OFFICER", "can", "require"]


def is_active(user) -> bool:
    """Logged in with an account that is not disabled."""
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.active)


def is_admin(user) -> bool:
    return is_active(user) and user.role == ROLE_ADMIN


def is_officer(user) -> bool:
    """A county or town officer (not an admin)."""
    return is_active(user) and user.role == ROLE_OFFICER


def is_staff(user) -> bool:
    """Officers and admins: the ones who keep firm data."""
    return is_active(user) and user.role in (ROLE_ADMIN, ROLE_OFFICER)


def is_firm_user(user) -> bool:
    """A firm's own account (it reads its firm, reports progress, submits figures)."""
    return is_active(user) and user.role == ROLE_FIRM


def has_role(user, *roles: str) -> bool:
    """The role as stored, for code that branches on whose row it is (a recipient row, a disabled
    account): not a permission, which :func:`can` answers."""
    return user is not None and getattr(user, "role", None) in roles


def role_is(*roles: str) -> ColumnElement[bool]:
    """SQL: the account's role is one of ``roles`` (queries that pick recipients or people by role)."""
    from pipeline.models import User

    return User.role == roles[0] if len(roles) == 1 else User.role.in_(roles)


def active_with_role(*roles: str) -> ColumnElement[bool]:
    """SQL: an account that is not disabled, with one of ``roles``."""
    from pipeline.models import User

    return role_is(*roles) & User.active.is_(True)


def is_town_officer(user) -> bool:
    from pipeline.services.scope import town_node

    return is_officer(user) and town_node(user) is not None


def _county_id(obj) -> int | None:
    return getattr(obj, "id", obj)


def _county_view(user, county=None) -> bool:
    """County-level pages: admins every county (and the city, ``None``); county officers only their
    own; town officers none (they see their town's firms, not the county's pages)."""
    if is_admin(user):
        return True
    if not is_officer(user) or is_town_officer(user):
        return False
    county_id = _county_id(county)
    return county_id is not None and county_id == user.county_id


def _town_view(user, town) -> bool:
    """A town's views: admins all; county officers their county's towns; town officers their own node
    and what is below it."""
    from pipeline.services.scope import town_node
    from pipeline.vocabulary import TOWN_KINDS

    if town is None or town.kind not in TOWN_KINDS:
        return False
    if is_admin(user):
        return True
    if not is_officer(user):
        return False
    own = town_node(user)
    if own is not None:
        return town.path.startswith(own.path)
    return town.county_id is not None and town.county_id == user.county_id


def _own_or_admin(user, row) -> bool:
    """A row of the user's own (an API token, a notification); admins may act on anyone's."""
    return is_admin(user) or (is_active(user) and row is not None and row.user_id == user.id)


def _own(user, row) -> bool:
    return is_active(user) and row is not None and row.user_id == user.id


def _target_split(user, county_id=None) -> bool:
    """City admins split the city and every county; a county officer their own county; nobody else."""
    if is_admin(user):
        return True
    return _county_view(user, county_id)


def _active(user, _obj=None) -> bool:
    return is_active(user)


def _staff(user, _obj=None) -> bool:
    return is_staff(user)


def _admin(user, _obj=None) -> bool:
    return is_admin(user)


def _firm_user(user, _obj=None) -> bool:
    return is_firm_user(user)  # one without a firm sees no firm: the scope has no row for them


RULES: dict[str, Callable] = {
    # the firm (the loader fetched it through the scope) and its rows
    "firm.view": _active,  # the firm page, its roadmap PDF, the what-if, the API's firm
    "firm.edit": _staff,  # profile, figures, IP, 成果转化, evidence, incidents, deleting rows
    "firm.move_stage": _staff,
    "firm.assign": _staff,  # the 包联 officer and the bulk actions of the pool
    "milestone.set_status": _staff,
    "milestone.report_progress": _active,  # the firm's own user and the staff who see the firm
    "roadmap.regenerate": _staff,
    "submission.review": _staff,
    "submission.submit": _firm_user,  # the portal: figures for the firm's own year
    "portal.use": _firm_user,
    # the officers' pages
    "pool.view": _staff,  # pool, kanban, inbox filters by firm
    "import.run": _staff,  # Excel import and export
    "dashboard.view": _staff,
    "county.view": _county_view,  # obj: a county or its id (None: the city)
    "town.view": _town_view,  # obj: a DeptNode of a town kind
    "city.view": _admin,  # the city briefing, the league of every county, the county chooser
    "targets.split": _target_split,  # obj: a county id (None: the city's split)
    # what the decorators in web/auth.py ask
    "staff.pages": _staff,  # officers' pages and actions (firm users get 404)
    "admin.pages": _admin,
    # the admin's pages
    "user.admin": _admin,
    "county.settings": _admin,  # 预审 fast track and other county settings
    "planning.edit": _admin,  # batches, calendars, lead times
    "targets.edit": _admin,
    "reminders.admin": _admin,  # scan, retry, settings, the health page and its banner
    "briefings.admin": _admin,
    "rewards.edit": _admin,
    # rows of one's own
    "token.revoke": _own_or_admin,  # obj: an ApiToken
    "token.own": _own,  # obj: an ApiToken (the account page lists and revokes only one's own)
}


# Actions only staff (officers and admins) / only admins may do: the scope matrix reads these.
STAFF_ACTIONS = frozenset(a for a, rule in RULES.items() if rule is _staff)
ADMIN_ACTIONS = frozenset(a for a, rule in RULES.items() if rule is _admin)


def can(user, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` (to ``obj``)? Unknown action names raise ``KeyError``."""
    rule = RULES[action]
    return bool(rule(user, obj))


def require(user, action: str, obj=None) -> None:
    """``can`` or NotFound: out of bounds looks like not found (404), as the scope answers."""
    if not can(user, action, obj):
        raise NotFound()
