"""The scoped loader: a URL's ids become scoped rows before any view runs (``pipeline/web/loader.py``).

A route added with ``<int:firm_id>`` and no code of its own in the view still never sees a firm out of
the user's scope; a child id is found only within its firm; an argument the loader does not know
stops the app at start-up.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Blueprint, Flask

from pipeline.web import loader
from pipeline.wiring import WiringError
from tests import factories as f
from tests.conftest import login

TODAY = date(2026, 11, 26)

probe = Blueprint("probe", __name__, url_prefix="/probe")


@probe.get("/<int:firm_id>")
def probe_firm(firm):  # no login_required, no scope call: the loader alone guards it
    return f"seen {firm.id}"


@probe.get("/<int:firm_id>/milestones/<int:milestone_id>")
def probe_milestone(firm, milestone):
    return f"seen {firm.id}/{milestone.id}"


unknown = Blueprint("unknown", __name__)


@unknown.get("/widgets/<int:widget_id>")
def widget(widget_id):  # pragma: no cover - the app never starts
    return str(widget_id)


@pytest.fixture
def probe_app(app, db):
    """The app as create_app builds it, plus the probe blueprint (a route written after the loader)."""
    from pipeline import create_app

    new = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    new.register_blueprint(probe)
    loader.check_url_map(new)
    return new


@pytest.fixture
def world(db):
    from pipeline.models import Milestone
    from pipeline.services.assessments import refresh_firms
    from pipeline.services.roadmaps import regenerate

    a, b = f.county("320706", "海州区"), f.county("320703", "连云区")
    own, other = f.firm(a, "甲科技有限公司"), f.firm(b, "丙科技有限公司")
    for firm in (own, other):
        for y in (2023, 2024, 2025):
            f.year(firm, y)
        f.ip(firm, "utility_model")
    users = {
        "admin": f.user("admin", "admin"),
        "officer": f.user("officer_a", "officer", county=a),
        "officer_b": f.user("officer_b", "officer", county=b),
        "firm_user": f.user("firm_a", "firm", county=a, firm=own),
    }
    db.session.commit()
    refresh_firms([own.id, other.id], TODAY)
    regenerate([own.id, other.id], TODAY, None)
    db.session.commit()
    ms = {m.firm_id: m.id for m in db.session.query(Milestone).all()}
    return {"users": users, "own": own.id, "other": other.id, "milestones": ms}


def _get(app, user, url):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client.get(url)


def test_a_new_route_sees_only_firms_in_scope_without_code_in_the_view(probe_app, world):
    users, own, other = world["users"], world["own"], world["other"]
    assert _get(probe_app, users["officer"], f"/probe/{own}").get_data(as_text=True) == f"seen {own}"
    assert _get(probe_app, users["officer"], f"/probe/{other}").status_code == 404
    assert _get(probe_app, users["firm_user"], f"/probe/{own}").status_code == 200
    assert _get(probe_app, users["firm_user"], f"/probe/{other}").status_code == 404
    assert _get(probe_app, users["admin"], f"/probe/{other}").status_code == 200
    anonymous = _get(probe_app, None, f"/probe/{own}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_a_child_is_found_only_within_its_firm(probe_app, world):
    users, own, other, ms = world["users"], world["own"], world["other"], world["milestones"]
    ok = _get(probe_app, users["admin"], f"/probe/{own}/milestones/{ms[own]}")
    assert ok.get_data(as_text=True) == f"seen {own}/{ms[own]}"
    # another firm's milestone under this firm's URL: 404, even for the admin who sees both firms
    assert _get(probe_app, users["admin"], f"/probe/{own}/milestones/{ms[other]}").status_code == 404
    assert _get(probe_app, users["officer_b"], f"/probe/{own}/milestones/{ms[own]}").status_code == 404


def test_deleting_another_firms_row_under_this_firm_is_404(client, world):
    from pipeline.extensions import db
    from pipeline.models import IPAsset

    other_ip = db.session.query(IPAsset).filter_by(firm_id=world["other"]).first()
    login(client, world["users"]["admin"])
    resp = client.post(f"/firms/{world['own']}/ip/{other_ip.id}/delete", data={})
    assert resp.status_code == 404
    assert db.session.get(IPAsset, other_ip.id) is not None
    resp = client.post(f"/firms/{world['other']}/nonsense/{other_ip.id}/delete", data={})
    assert resp.status_code == 404


def test_every_id_argument_of_the_url_map_is_loaded(app):
    loader.check_url_map(app)  # what create_app ran: every argument known
    ids = {a for rule in app.url_map.iter_rules() for a in rule.arguments if a.endswith("_id")}
    assert ids, "the URL map has id arguments"
    unloaded = sorted(a for a in ids if a not in loader.LOADERS and a not in loader.FIRM_CHILDREN)
    assert unloaded == []
    assert not any(a.endswith("_id") for a in loader.PLAIN)
    # and every rule with a child id carries its firm
    for rule in app.url_map.iter_rules():
        if set(rule.arguments) & (set(loader.FIRM_CHILDREN) - loader.PLAIN):
            assert "firm_id" in rule.arguments, rule.rule


def test_views_take_rows_not_ids(app):
    """No view of the app has an ``*_id`` parameter left: the loader has replaced every one."""
    import inspect

    offenders = sorted(
        f"{endpoint}({name})"
        for endpoint, view in app.view_functions.items()
        for name in inspect.signature(inspect.unwrap(view)).parameters
        if name.endswith("_id")
    )
    assert offenders == []


def test_an_argument_the_loader_does_not_know_stops_start_up():
    bare = Flask("bare")
    bare.register_blueprint(unknown)
    with pytest.raises(WiringError, match="widget_id"):
        loader.check_url_map(bare)
    child_without_firm = Flask("child")
    child_without_firm.add_url_rule("/m/<int:milestone_id>", "m", lambda milestone_id: "")
    with pytest.raises(WiringError, match="milestone_id"):
        loader.check_url_map(child_without_firm)


def test_create_app_refuses_a_blueprint_with_an_unknown_argument(monkeypatch):
    import pipeline.web as web
    from pipeline import create_app

    monkeypatch.setattr(web, "BLUEPRINTS", (*web.BLUEPRINTS, "tests.web.test_loader:unknown"))
    with pytest.raises(WiringError, match="widget_id"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
