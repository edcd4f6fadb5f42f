"""包联 responsibility (issue 18): each firm's town, responsible officer (``firm.officer_id``) and
optional 包联 leader (``firm.leader_id``).

Both people are active officers of the firm's county (a county leader who answers for firms has an
officer account on the county's node). A firm's town must be a town/street/park of the firm's own
county that the user may see (a town officer moves firms only within their own node). The firm
form and the pool's bulk actions go through :func:`check` and :func:`bulk_set`; the figures per
person (workload) are in the goal read model (``services.goals.responsibility``).
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline import permissions
from pipeline.extensions import db
from pipeline.i18n import gettext, tl
from pipeline.models import DeptNode, Firm, User
from pipeline.services.audit import record
from pipeline.services.firms import FirmError
from pipeline.services.scope import can_see_town, visible_towns
from pipeline.vocabulary import RESPONSIBILITY_ROLES, ROLE_OFFICER


class ResponsibilityError(FirmError):
    """A Chinese message naming the field; nothing was saved."""


def people_of_county(county_id: int | None) -> list[User]:
    """Who can answer for a firm of this county: its active officers (county and town level)."""
    if county_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(permissions.active_with_role(ROLE_OFFICER), User.county_id == county_id)
            .order_by(User.node_id.is_not(None), User.display_name, User.id)
        )
    )


def town_choices(user: User, county_id: int) -> list[DeptNode]:
    return [t for t in db.session.scalars(visible_towns(user)) if t.county_id == county_id]


def form_choices(user: User, firm: Firm) -> dict[str, list[tuple]]:
    """The firm form's choices: the towns the user may put the firm in, and the county's officers.

    The firm's current town and people are always offered (so posting the form back as is keeps
    them even when the user could not choose them)."""
    towns = town_choices(user, firm.county_id)
    if firm.town_id is not None and firm.town_id not in {t.id for t in towns}:
        current = db.session.get(DeptNode, firm.town_id)
        if current is not None:
            towns.append(current)
    people = people_of_county(firm.county_id)
    ids = {p.id for p in people}
    for pid in (firm.officer_id, firm.leader_id):
        if pid is not None and pid not in ids:
            extra = db.session.get(User, pid)
            if extra is not None:
                people.append(extra)
                ids.add(pid)
    person = [("", "—")] + [(p.id, p.display_name or p.username) for p in people]
    return {
        "town_id": ([("", "—")] if firm.town_id is None else []) + [(t.id, tl(t.name)) for t in towns],
        "officer_id": person,
        "leader_id": person,
    }


def _town_error(user: User, firm: Firm, town_id: int) -> str | None:
    town = db.session.get(DeptNode, town_id)
    field = tl("乡镇/街道")
    if town is None or not town.is_town or town.county_id != firm.county_id:
        return gettext(
            "“%(field)s”: the town chosen is not in %(county)s", field=field, county=firm.county.name
        )
    if not can_see_town(user, town):
        return gettext("“%(field)s”: %(town)s is outside your jurisdiction", field=field, town=town.name)
    return None


def _person_error(firm: Firm, key: str, person_id: int) -> str | None:
    person = db.session.get(User, person_id)
    role = tl(RESPONSIBILITY_ROLES["officer" if key == "officer_id" else "leader"])
    if not permissions.is_officer(person) or person.county_id != firm.county_id:
        return gettext(
            "“%(field)s”: choose an active officer of %(county)s", field=role, county=firm.county.name
        )
    return None


def check(user: User, firm: Firm, people: dict) -> None:
    """Refuse a town or person the user may not give this firm; unchanged values always pass."""
    for key, value in people.items():
        if value == getattr(firm, key):
            continue
        if key == "town_id":
            if value is None:
                raise ResponsibilityError(gettext("“%(field)s”: choose a town", field=tl("乡镇/街道")))
            message = _town_error(user, firm, value)
        else:
            message = None if value is None else _person_error(firm, key, value)
        if message:
            raise ResponsibilityError(message)


def bulk_set(user: User, firms: list[Firm], key: str, person_id: int | None) -> int:
    """Set the responsible officer or the 包联 leader (``key``) of the firms (in scope already);
    all or nothing; audited; commits. Returns how many firms changed."""
    if key not in ("officer_id", "leader_id"):
        raise ValueError(key)
    if person_id is not None:
        wrong = [f.name for f in firms if _person_error(f, key, person_id)]
        if wrong:
            person = db.session.get(User, person_id)
            raise ResponsibilityError(
                gettext(
                    "%(name)s is not an active officer of the county of these firms: %(firms)s",
                    name=getattr(person, "display_name", person_id),
                    firms=gettext(", ").join(wrong[:5]) + (gettext(" etc.") if len(wrong) > 5 else ""),
                )
            )
    n = 0
    for f in firms:
        if getattr(f, key) != person_id:
            record(user, "update", "firm", f.id, f.id, {key: getattr(f, key)}, {key: person_id})
            setattr(f, key, person_id)
            n += 1
    db.session.flush()
    return n
