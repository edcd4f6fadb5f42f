"""The access matrix, generated from the URL map: every route × every method × every role.

Each (route, method) must have an entry in ``POLICY``; a new route without one fails
``test_every_route_has_a_policy``. Every URL argument is filled with a real row that belongs to the
subject firm (or its county, or its user), so "allowed" means the view ran for that row and "denied"
means the scope said no:

- allowed: any answer but a denial (200, a redirect elsewhere than the login page, 400/409/422 for an
  empty form); never a 500.
- denied: 404 (out of scope looks like not found), for pages and the API alike.
- not logged in, or a disabled account: the login page (pages) or 401 (API).

Roles: city admin, officer of the firm's county, officer of another county, town officer of the firm's
town, town officer of a sibling town, the firm's user, another firm's user, a disabled officer of the
firm's county, and no login. A write runs against a fresh world for every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests import factories as f
from tests.conftest import _truncate, login

TODAY = date(2026, 11, 26)
ROLES = (
    "anonymous",
    "disabled",
    "other_firm_user",
    "officer_b",
    "sibling_officer",
    "firm_user",
    "town_officer",
    "officer",
    "admin",
)
STAFF = {"admin", "officer", "officer_b", "town_officer", "sibling_officer"}
ACTIVE = STAFF | {"firm_user", "other_firm_user"}
# Who may, per policy (everyone else who is logged in gets 404):
ALLOWED = {
    "public": set(ROLES) | {"anonymous", "disabled"},  # no denial at all
    "login": ACTIVE,
    "staff": STAFF,
    "admin": {"admin"},
    "firm": {"admin", "officer", "town_officer", "firm_user"},  # the firm, through the scope
    "firm_staff": {"admin", "officer", "town_officer"},  # the firm, staff only
    "county": {"admin", "officer"},  # county-level pages: not for town officers
    "county_staff": {"admin", "officer", "officer_b"},  # the own county's page: not for town officers
    "logout": set(),  # everyone ends on the login page
    "own_user": {"firm_user"},  # a row of the firm user's own (an API token)
    "firm_portal": {"firm_user", "other_firm_user"},  # the portal: each firm user their own firm
}
# (endpoint, method) → policy. Every route of the URL map must be here.
POLICY = {
    ("static", "GET"): "public",
    ("auth.home", "GET"): "public",
    ("auth.login", "GET"): "public",
    ("auth.login", "POST"): "public",
    ("auth.set_language", "POST"): "public",
    ("auth.logout", "POST"): "logout",
    ("api.openapi", "GET"): "public",
    ("account.index", "GET"): "login",
    ("account.save_alerts", "POST"): "login",
    ("account.password", "POST"): "login",
    ("account.create_token", "POST"): "login",
    ("account.revoke_token", "POST"): "own_user",
    ("notifications.index", "GET"): "login",
    ("notifications.read", "POST"): "login",
    ("notifications.read_all", "POST"): "login",
    ("notifications.settings", "GET"): "login",
    ("inbox.index", "GET"): "login",
    ("inbox.confirm", "POST"): "firm_staff",
    ("inbox.review", "POST"): "firm_staff",
    ("portal.index", "GET"): "login",
    ("portal.figures", "GET"): "firm_portal",
    ("portal.figures", "POST"): "firm_portal",
    ("reports.index", "GET"): "login",
    ("reports.roadmap_pdf", "GET"): "firm",
    ("reports.county_briefing_pdf", "GET"): "county",
    ("reports.city_briefing_pdf", "GET"): "admin",
    ("reports.queue", "POST"): "login",
    ("reports.job", "GET"): "county",
    ("reports.job_status", "GET"): "county",
    ("reports.download", "GET"): "county",
    ("dashboard.index", "GET"): "staff",
    ("dashboard.workload", "GET"): "staff",
    ("dashboard.targets", "GET"): "admin",
    ("dashboard.targets", "POST"): "admin",
    ("dashboard.splits", "GET"): "county_staff",
    ("dashboard.splits", "POST"): "county_staff",
    ("pool.index", "GET"): "staff",
    ("pool.bulk", "POST"): "staff",
    ("pool.kanban", "GET"): "staff",
    ("pool.kanban_column", "GET"): "staff",
    ("pool.move", "POST"): "firm_staff",
    ("imports.template", "GET"): "staff",
    ("imports.export", "GET"): "staff",
    ("imports.upload", "GET"): "staff",
    ("imports.upload", "POST"): "staff",
    ("imports.confirm", "POST"): "staff",
    ("firm.show", "GET"): "firm",
    ("firm.edit", "GET"): "firm_staff",
    ("firm.edit", "POST"): "firm_staff",
    ("firm.year_new", "GET"): "firm_staff",
    ("firm.year_new", "POST"): "firm_staff",
    ("firm.year_edit", "GET"): "firm_staff",
    ("firm.year_edit", "POST"): "firm_staff",
    ("firm.ip_new", "GET"): "firm_staff",
    ("firm.ip_new", "POST"): "firm_staff",
    ("firm.conversion_new", "GET"): "firm_staff",
    ("firm.conversion_new", "POST"): "firm_staff",
    ("firm.incident_new", "GET"): "firm_staff",
    ("firm.incident_new", "POST"): "firm_staff",
    ("firm.delete_child", "POST"): "firm_staff",
    ("firm.evidence", "POST"): "firm_staff",
    ("firm.review", "POST"): "firm_staff",
    ("compliance.record_report", "POST"): "firm_staff",
    ("roadmap.status", "POST"): "firm_staff",
    ("roadmap.progress", "POST"): "firm",
    ("roadmap.whatif", "GET"): "firm",
    ("roadmap.regenerate", "POST"): "firm_staff",
    ("api.firms", "GET"): "login",
    ("api.firm", "GET"): "firm",
    ("api.assessment", "GET"): "firm",
    ("api.roadmap", "GET"): "firm",
    ("api.milestone", "PATCH"): "firm",
    ("api.milestone", "POST"): "firm",
    ("api.goals", "GET"): "staff",
}
for _ep in (
    "admin.index",
    "admin.edit_user",
    "briefings.index",
    "planning.batch",
    "planning.delete",
):
    for _m in ("GET", "POST"):
        POLICY[(_ep, _m)] = "admin"
for _ep in (
    "admin.reset_user_password",
    "admin.toggle",
    "admin.unlock",
    "briefings.toggle",
    "briefings.resend",
    "planning.county_fast_track",
    "planning.lead_time",
    "planning.calendar_year",
    "reminders.retry",
    "reminders.retry_given_up",
    "reminders.scan_now",
    "reminders.save_settings",
):
    POLICY[(_ep, "POST")] = "admin"
POLICY[("admin.rewards", "GET")] = "admin"
POLICY[("admin.rewards", "POST")] = "admin"
POLICY[("api.docs", "GET")] = "public"
POLICY[("api.docs_asset", "GET")] = "public"
POLICY[("reminders.health", "GET")] = "admin"
# issue 17: a county's group robot (its officers and the admin); /robots/ sends each officer to their own
POLICY[("robots.index", "GET")] = "county_staff"
POLICY[("robots.settings", "GET")] = "county"
POLICY[("robots.settings", "POST")] = "county"
POLICY[("robots.test", "POST")] = "county"
POLICY[("planning.index", "GET")] = "admin"


def _route_methods():
    from pipeline import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        {
            (rule.endpoint, rule.rule, method)
            for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}
        }
    )


CASES = _route_methods()


def test_every_route_has_a_policy():
    missing = sorted({(ep, m) for ep, _, m in CASES} - set(POLICY))
    assert missing == [], f"routes without an access-matrix entry: {missing}"
    stale = sorted(set(POLICY) - {(ep, m) for ep, _, m in CASES})
    assert stale == [], f"entries for routes that no longer exist: {stale}"


def test_number_of_cases():
    """The figure the issue's note reports: (route, method, role) cases checked."""
    assert len(CASES) * len(ROLES) >= 800


@dataclass
class World:
    users: dict
    tokens: dict
    args: dict  # URL argument → value (rows of the subject firm, its county, its user)


def _world(db) -> World:
    from pipeline.models import ApplicationBatch, Job, Milestone
    from pipeline.services import departments
    from pipeline.services.roadmaps import regenerate
    from pipeline.services.tokens import issue_token

    a, b = f.county("320706", "海州区"), f.county("320703", "连云区")
    t1 = departments.add_town(a, "新海街道", "street")
    t2 = departments.add_town(a, "浦南镇", "town")
    own = f.firm(a, "甲科技有限公司", town_id=t1.id)
    same = f.firm(a, "乙智能装备有限公司", town_id=t2.id)
    for firm in (own, same):
        for y in (2023, 2024, 2025):
            f.year(firm, y)
        f.ip(firm, "utility_model")
    users = {
        "admin": f.user("admin", "admin"),
        "officer": f.user("officer_a", "officer", county=a),
        "officer_b": f.user("officer_b", "officer", county=b),
        "town_officer": f.user("officer_t1", "officer", county=a, node_id=t1.id),
        "sibling_officer": f.user("officer_t2", "officer", county=a, node_id=t2.id),
        "firm_user": f.user("firm_a", "firm", county=a, firm=own),
        "other_firm_user": f.user("firm_b", "firm", county=a, firm=same),
        "disabled": f.user("officer_off", "officer", county=a, active=False),
    }
    from pipeline.services.assessments import refresh_firms

    refresh_firms([own.id], TODAY)
    regenerate([own.id], TODAY, None)
    batch = ApplicationBatch(code="2027-1", year=2027, cutoff=date(2027, 5, 29))
    job = Job(kind="county_roadmaps", params={}, county_id=a.id, created_by_id=users["officer"].id)
    db.session.add_all([batch, job])
    db.session.flush()
    tokens = {role: issue_token(u, "matrix") for role, u in users.items()}
    from pipeline.models import ApiToken

    token_id = db.session.query(ApiToken.id).filter_by(user_id=users["firm_user"].id).scalar()
    milestone = db.session.query(Milestone).filter_by(firm_id=own.id).first()
    db.session.commit()
    args = {
        "firm_id": own.id,
        "milestone_id": milestone.id,
        "kind": "ip",
        "child_id": own.ip_assets[0].id,
        "year": 2025,
        "county_id": a.id,
        "user_id": users["firm_user"].id,
        "token_id": token_id,
        "batch_id": batch.id,
        "job_id": job.id,
        "stage": "pool",
        "filename": "css/app.css",
        # rows the matrix does not build (a submission, a reminder delivery, a briefing schedule): an
        # id that does not exist, so an allowed role may answer 404 too (the row is absent)
        "submission_id": 2_000_000_000,
        "delivery_id": 2_000_000_000,
        "notification_id": 2_000_000_000,
        "briefing_delivery_id": 2_000_000_000,
        "schedule_id": 2_000_000_000,
    }
    return World(users, tokens, args)


ABSENT = {"submission_id", "delivery_id", "notification_id", "briefing_delivery_id", "schedule_id"}
NOT_READY = {"reports.download"}  # the queued job has no file yet: 404 for an allowed role too
ARG_FIXES = {("planning.lead_time", "kind"): "utility_model", ("api.docs_asset", "name"): "swagger-ui.css"}


def _url(app, endpoint, rule, world):
    from flask import url_for

    rule_obj = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule)
    values = {
        a: ARG_FIXES[(endpoint, a)] if (endpoint, a) in ARG_FIXES else world.args[a]
        for a in rule_obj.arguments
    }
    with app.test_request_context():
        return url_for(endpoint, **values), bool(set(rule_obj.arguments) & ABSENT) or endpoint in NOT_READY


def _request(app, method, url, role, world):
    client = app.test_client()
    headers = {}
    if url.startswith("/api/"):
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
    elif role != "anonymous":
        login(client, world.users[role])
    with app.app_context():
        return client.open(url, method=method, headers=headers, data={})


def _verdict(resp, url) -> str:
    code = resp.status_code
    if code >= 500:
        return "error"
    if code == 401 or (code == 302 and "/login" in (resp.location or "")):
        return "login"
    if code in (403, 404):
        return "denied"
    return "allowed"


@pytest.mark.parametrize("endpoint, rule, method", CASES, ids=[f"{m} {r}" for _, r, m in CASES])
def test_access_matrix(app, db, endpoint, rule, method):
    policy = POLICY.get((endpoint, method))
    assert policy is not None, f"{method} {rule} ({endpoint}) has no access-matrix entry"
    failures = []
    world = _world(db)
    for role in ROLES:
        if method != "GET":  # a write may change what the next role sees: a fresh world for each
            _truncate(db)
            world = _world(db)
        url, absent = _url(app, endpoint, rule, world)
        resp = _request(app, method, url, role, world)
        got = _verdict(resp, url)
        if policy == "logout":
            expected = {"login"}
        elif policy == "public":
            expected = {"allowed", "login", "denied"} if role in ("anonymous", "disabled") else {"allowed"}
        elif role in ("anonymous", "disabled"):
            expected = {"login"}
        elif role in ALLOWED[policy]:
            expected = {"allowed", "denied"} if absent else {"allowed"}
        else:
            expected = {"denied"}
        if got not in expected:
            failures.append(
                f"{role}: {method} {url} → {resp.status_code} ({got}), expected {sorted(expected)}"
            )
    assert not failures, "\n".join(failures)
