"""One permissions module (``pipeline/permissions.py``): named actions answer "may this user do this
(to that)"; no raw role comparison is left in views, services, jobs or templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import permissions
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent

# Where a role may still be compared with a string: where roles are defined (the model, this module)
# and where an account is created with one (the fields each role needs).
DEFINES_ROLES = {"pipeline/models/user.py", "pipeline/permissions.py", "pipeline/services/accounts.py"}
RAW_ROLE = re.compile(r"\brole\s*(==|!=)|\brole\s+(not\s+)?in\b|\.role\.in_\(")


def test_no_raw_role_comparison_outside_the_permissions_module():
    files = [*ROOT.joinpath("pipeline").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]
    offenders = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()[:80]}"
        for p in files
        if str(p.relative_to(ROOT)) not in DEFINES_ROLES
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if RAW_ROLE.search(line)
    ]
    assert offenders == []


@pytest.fixture
def people(db):
    from pipeline.services import departments

    a, b = f.county("320706", "海州区"), f.county("320703", "连云区")
    town = departments.add_town(a, "新海街道", "street")
    firm = f.firm(a, "甲科技有限公司", town_id=town.id)
    users = {
        "admin": f.user("admin", "admin"),
        "officer": f.user("officer_a", "officer", county=a),
        "town_officer": f.user("officer_t", "officer", county=a, node_id=town.id),
        "firm_user": f.user("firm_a", "firm", county=a, firm=firm),
        "disabled_admin": f.user("admin_off", "admin", active=False),
        "disabled_officer": f.user("officer_off", "officer", county=a, active=False),
    }
    db.session.commit()
    return {"users": users, "a": a, "b": b, "town": town}


# action → the people who may (everyone else may not); obj chosen per action below
EXPECTED = {
    "firm.view": {"admin", "officer", "town_officer", "firm_user"},
    "firm.edit": {"admin", "officer", "town_officer"},
    "firm.move_stage": {"admin", "officer", "town_officer"},
    "milestone.set_status": {"admin", "officer", "town_officer"},
    "milestone.report_progress": {"admin", "officer", "town_officer", "firm_user"},
    "submission.review": {"admin", "officer", "town_officer"},
    "submission.submit": {"firm_user"},
    "portal.use": {"firm_user"},
    "staff.pages": {"admin", "officer", "town_officer"},
    "admin.pages": {"admin"},
    "dashboard.view": {"admin", "officer", "town_officer"},
    "county.view": {"admin", "officer"},  # of county a: not the town officer, not a firm user
    "town.view": {"admin", "officer", "town_officer"},
    "city.view": {"admin"},
    "targets.edit": {"admin"},
    "targets.split": {"admin", "officer"},  # county a's split
    "user.admin": {"admin"},
    "county.settings": {"admin"},
    "planning.edit": {"admin"},
    "reminders.admin": {"admin"},
    "briefings.admin": {"admin"},
    "rewards.edit": {"admin"},
    "roadmap.regenerate": {"admin", "officer", "town_officer"},
    "firm.assign": {"admin", "officer", "town_officer"},
    "import.run": {"admin", "officer", "town_officer"},
    "pool.view": {"admin", "officer", "town_officer"},
}


def test_each_action_for_each_kind_of_user(people):
    objects = {"county.view": people["a"], "town.view": people["town"], "targets.split": people["a"].id}
    failures = []
    for action, allowed in EXPECTED.items():
        for who, user in [*people["users"].items(), ("anonymous", None)]:
            got = permissions.can(user, action, objects.get(action))
            if got != (who in allowed):
                failures.append(f"{who} {action}: {got}")
    assert failures == []
    assert set(EXPECTED) | {"token.revoke", "token.own"} == set(permissions.RULES), "a row per action"


def test_county_and_town_answers_depend_on_the_object(people):
    u = people["users"]
    assert permissions.can(u["officer"], "county.view", people["a"])
    assert not permissions.can(u["officer"], "county.view", people["b"])
    assert not permissions.can(u["officer"], "county.view", None)  # the city
    assert permissions.can(u["admin"], "county.view", None)
    assert not permissions.can(u["officer"], "targets.split", people["b"].id)


def test_own_rows(people, db):
    from pipeline.models import ApiToken
    from pipeline.services.tokens import issue_token

    u = people["users"]
    issue_token(u["firm_user"], "t")
    token = db.session.query(ApiToken).one()
    assert permissions.can(u["firm_user"], "token.own", token)
    assert not permissions.can(u["admin"], "token.own", token)  # the account page: one's own only
    assert permissions.can(u["admin"], "token.revoke", token)  # the service: admins may revoke any
    assert not permissions.can(u["officer"], "token.revoke", token)


def test_unknown_action_is_an_error_not_a_no(people):
    with pytest.raises(KeyError):
        permissions.can(people["users"]["admin"], "firm.obliterate")


def test_require_raises_not_found(people):
    from pipeline.errors import NotFound

    with pytest.raises(NotFound):
        permissions.require(people["users"]["firm_user"], "staff.pages")
    permissions.require(people["users"]["officer"], "staff.pages")


def test_the_decorators_ask_the_permissions_module(app):
    import inspect

    actions = {getattr(view, "action", None) for view in app.view_functions.values()}
    assert {"firm.view", "firm.edit", "submission.review", "user.admin", "planning.edit"} <= actions
    assert actions - {None} <= set(permissions.RULES)
    for view in app.view_functions.values():
        if getattr(view, "staff_only", False):
            assert view.action in permissions.STAFF_ACTIONS
        if getattr(view, "admin_only", False):
            assert view.action in permissions.ADMIN_ACTIONS
    src = inspect.getsource(__import__("pipeline.web.auth", fromlist=["x"]))
    assert "permissions.require(current_user, action)" in src
