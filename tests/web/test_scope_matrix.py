"""Every firm-addressed GET route × {own, same county, other county} × {firm user, officer, other-county
officer, admin} → 200 or 404 exactly as the roles allow.

Routes are discovered from ``app.url_map`` (every GET rule whose only argument is ``firm_id``), so
routes added later — PDFs, the API — are covered without editing this file. A view decorated with
``staff_required`` answers 404 to firm users even for their own firm; /api/ rules use a Bearer token.
"""

from __future__ import annotations

import pytest

from tests.conftest import login

ROLES = ("firm_user", "officer", "officer_b", "admin")
TARGETS = ("own", "same", "other")


def _firm_rules():
    from pipeline import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "firm_id" not in rule.arguments:
            continue
        required = set(rule.arguments) - set(rule.defaults or {})
        if required == {"firm_id"}:
            rules.append(rule.rule)
    return sorted(rules)


RULES = _firm_rules()


def test_routes_were_discovered():
    assert len(RULES) > 0
    assert "/firms/<int:firm_id>" in RULES


def _visible(role: str, target: str) -> bool:
    return {
        "firm_user": target == "own",
        "officer": target in ("own", "same"),
        "officer_b": target == "other",
        "admin": True,
    }[role]


@pytest.mark.parametrize("rule", RULES)
def test_scope_matrix(app, world, rule):
    from flask import url_for

    adapter_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule and "GET" in r.methods)
    view = app.view_functions[adapter_rule.endpoint]
    is_api = rule.startswith("/api/")
    if is_api:
        try:
            from pipeline.services.tokens import issue_token
        except ImportError:
            pytest.skip("API tokens not available")
    failures = []
    for role in ROLES:
        user = getattr(world, role)
        client = app.test_client()
        headers = {}
        if is_api:
            headers["Authorization"] = f"Bearer {issue_token(user, 'matrix')}"
            from pipeline.extensions import db as _db

            _db.session.commit()  # services flush; the test is the caller that commits (issue 13)
        else:
            login(client, user)
        for target in TARGETS:
            firm = getattr(world, target)
            with app.test_request_context():
                url = url_for(adapter_rule.endpoint, firm_id=firm.id)
            allowed = _visible(role, target)
            if role == "firm_user" and getattr(view, "staff_only", False):
                allowed = False
            if role != "admin" and getattr(view, "admin_only", False):
                allowed = False
            with app.app_context():  # a fresh app context per request, as in production (g is not shared)
                resp = client.get(url, headers=headers)
            expected = 200 if allowed else 404
            if resp.status_code != expected:
                failures.append(f"{role} → {target} {url}: {resp.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_child_rows_only_through_their_firm(app, world):
    """A year of another firm addressed under an officer's own firm is a 404, not a leak."""
    client = app.test_client()
    login(client, world.officer)
    year = world.other.years[0].year
    assert client.get(f"/firms/{world.own.id}/years/{year}/edit").status_code == 200
    assert client.get(f"/firms/{world.other.id}/years/{year}/edit").status_code == 404
    ip_other = world.other.ip_assets[0].id
    resp = client.post(f"/firms/{world.own.id}/ip/{ip_other}/delete")
    assert resp.status_code == 404


def test_anonymous_is_sent_to_login(app, world):
    resp = app.test_client().get(f"/firms/{world.own.id}")
    assert resp.status_code == 302 and "/login" in resp.location
