"""Every API endpoint's scope (the same matrix as the pages), auth, pagination and errors."""

from __future__ import annotations

import pytest

from pipeline.models import AuditLog, Milestone
from tests.api.helpers import world  # noqa: F401  (fixture)
from tests.conftest import login

# user -> firm key -> expected status (own firm / same-county other firm / other county)
MATRIX = {
    "firm": {"own": 200, "same": 404, "other": 404},
    "officer": {"own": 200, "same": 200, "other": 404},
    "other_officer": {"own": 404, "same": 404, "other": 200},
    "admin": {"own": 200, "same": 200, "other": 200},
}
CASES = [(u, k, code) for u, row in MATRIX.items() for k, code in row.items()]
GET_PATHS = ["/api/v1/firms/{id}", "/api/v1/firms/{id}/assessment", "/api/v1/firms/{id}/roadmap"]


def _h(world, who):
    return {"Authorization": f"Bearer {world['tokens'][who]}"}


@pytest.mark.parametrize("path", GET_PATHS)
@pytest.mark.parametrize("who,which,expected", CASES)
def test_get_endpoints_scope(client, world, path, who, which, expected):
    firm = world["firms"][which]
    resp = client.get(path.format(id=firm.id), headers=_h(world, who))
    assert resp.status_code == expected
    body = resp.get_json()
    if expected == 200:
        assert body.get("id", body.get("firm_id")) == firm.id
    else:
        assert body == {"error": {"code": 404, "message": "未找到该页面或记录，或您无权查看。"}}


@pytest.mark.parametrize("who,which,expected", CASES)
def test_milestone_update_scope(client, world, db, who, which, expected):
    firm = world["firms"][which]
    ms_id = world["milestones"][firm.id]
    payload = {"progress_note": "已提交专利申请"} if who == "firm" else {"status": "done"}
    resp = client.patch(f"/api/v1/firms/{firm.id}/milestones/{ms_id}", json=payload, headers=_h(world, who))
    assert resp.status_code == expected
    ms = db.session.get(Milestone, ms_id)
    db.session.refresh(ms)
    if expected == 200:
        if who == "firm":
            assert (ms.progress_note, ms.progress_pending, ms.status) == ("已提交专利申请", True, "doing")
        else:
            assert ms.status == "done" and ms.done_on is not None
        assert db.session.query(AuditLog).filter_by(entity="milestone", entity_id=ms_id).count() == 1
    else:
        assert (ms.status, ms.progress_note) == ("todo", None)


def test_milestone_of_another_firm_is_404_even_for_admin(client, world):
    own, other = world["firms"]["own"], world["firms"]["other"]
    resp = client.patch(
        f"/api/v1/firms/{own.id}/milestones/{world['milestones'][other.id]}",
        json={"status": "done"},
        headers=_h(world, "admin"),
    )
    assert resp.status_code == 404


def test_firm_user_may_only_report_progress(client, world):
    own = world["firms"]["own"]
    url = f"/api/v1/firms/{own.id}/milestones/{world['milestones'][own.id]}"
    resp = client.patch(url, json={"status": "done"}, headers=_h(world, "firm"))
    assert resp.status_code == 403 and "progress_note" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"status": "finished"}, "status"),
        ({"progress_note": 5}, "progress_note"),
        ({"colour": "red"}, "colour"),
        ({"progress_note": "  "}, "progress_note"),
        ({"progress_note": "a\x00b"}, "progress_note"),
    ],
)
def test_milestone_validation_errors_name_the_field(client, world, payload, field):
    own = world["firms"]["own"]
    resp = client.patch(
        f"/api/v1/firms/{own.id}/milestones/{world['milestones'][own.id]}",
        json=payload,
        headers=_h(world, "officer"),
    )
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["message"]


def test_milestone_body_must_be_json_object(client, world):
    own = world["firms"]["own"]
    resp = client.post(
        f"/api/v1/firms/{own.id}/milestones/{world['milestones'][own.id]}",
        data="x",
        headers=_h(world, "officer"),
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == 422


@pytest.mark.parametrize(
    "who,ids",
    [
        ("firm", {"own"}),
        ("officer", {"own", "same"}),
        ("other_officer", {"other"}),
        ("admin", {"own", "same", "other"}),
    ],
)
def test_list_is_scoped(client, world, who, ids):
    body = client.get("/api/v1/firms", headers=_h(world, who)).get_json()
    assert {i["id"] for i in body["items"]} == {world["firms"][k].id for k in ids}
    assert body["total"] == len(ids)


def test_list_filters_and_pagination(client, world):
    h = _h(world, "admin")
    x, y = world["counties"]["x"], world["counties"]["y"]
    assert client.get(f"/api/v1/firms?county={y.id}", headers=h).get_json()["total"] == 1
    # an officer filtering on another county sees nothing rather than that county's firms
    assert client.get(f"/api/v1/firms?county={y.id}", headers=_h(world, "officer")).get_json()["total"] == 0
    assert (
        client.get("/api/v1/firms?stage=pool", headers=h).get_json()["items"][0]["name"] == "同区科技有限公司"
    )
    assert client.get("/api/v1/firms?verdict=marginal", headers=h).get_json()["total"] == 3
    assert client.get("/api/v1/firms?verdict=unassessed", headers=h).get_json()["total"] == 0
    assert client.get("/api/v1/firms?q=外县", headers=h).get_json()["total"] == 1
    assert client.get("/api/v1/firms?q=%25", headers=h).get_json()["total"] == 0  # % is literal
    page = client.get("/api/v1/firms?per_page=2&page=2", headers=h).get_json()
    assert (page["total"], page["pages"], len(page["items"]), page["page"]) == (3, 2, 1, 2)
    assert x.id != y.id


@pytest.mark.parametrize(
    "query,field",
    [
        ("per_page=500", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("stage=bogus", "stage"),
        ("q=a%00b", "q"),
        ("verdict=good", "verdict"),
        ("county=x", "county"),
    ],
)
def test_list_bad_parameters_are_422_naming_the_parameter(client, world, query, field):
    resp = client.get(f"/api/v1/firms?{query}", headers=_h(world, "admin"))
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "who,query,expected",
    [
        ("firm", "", 404),
        ("officer", "", 200),
        ("other_officer", "", 200),
        ("admin", "", 200),
        ("officer", "?county={y}", 404),
        ("admin", "?county={y}", 200),
    ],
)
def test_goals_scope(client, world, who, query, expected):
    resp = client.get("/api/v1/goals" + query.format(y=world["counties"]["y"].id), headers=_h(world, who))
    assert resp.status_code == expected
    if expected == 200:
        body = resp.get_json()
        assert body["scope"]["label"] == {"officer": "海州区", "other_officer": "灌云县"}.get(
            who, "灌云县" if query else "全市"
        )
        assert body["forecast"]["years"] and body["forecast"]["assumptions"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic YWRtaW46eA==", "Token abc"])
def test_401_json_without_or_with_bad_token(client, world, header):
    headers = {"Authorization": header} if header else {}
    for path in ["/api/v1/firms", f"/api/v1/firms/{world['firms']['own'].id}", "/api/v1/goals"]:
        resp = client.get(path, headers=headers)
        assert resp.status_code == 401
        assert resp.is_json and resp.get_json()["error"]["code"] == 401
        assert "令牌" in resp.get_json()["error"]["message"]


def test_revoked_token_and_inactive_user_are_refused(client, world, db):
    from pipeline.models import ApiToken
    from pipeline.services.tokens import issue_token, revoke

    admin = world["users"]["admin"]
    raw = issue_token(admin, "临时")
    assert client.get("/api/v1/firms", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    token = db.session.query(ApiToken).filter_by(name="临时").one()
    assert token.token_hash != raw and raw not in token.token_hash and len(token.token_hash) == 64
    assert revoke(admin, token)
    assert client.get("/api/v1/firms", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    officer = world["users"]["officer"]
    officer.active = False
    db.session.commit()
    assert client.get("/api/v1/firms", headers=_h(world, "officer")).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, world):
    login(client, world["users"]["admin"])
    assert client.get("/api/v1/firms").status_code == 401


def test_unknown_api_path_and_method_are_json(client, world):
    resp = client.get("/api/v1/nothing", headers=_h(world, "admin"))
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == 404
    resp = client.delete("/api/v1/firms", headers=_h(world, "admin"))
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == 405


def test_api_is_csrf_exempt_but_pages_are_not(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        own = world["firms"]["own"]
        resp = client.patch(
            f"/api/v1/firms/{own.id}/milestones/{world['milestones'][own.id]}",
            json={"progress_note": "进展"},
            headers=_h(world, "firm"),
        )
        assert resp.status_code == 200
        login(client, world["users"]["admin"])
        resp = client.post(
            "/dashboard/targets", data={"county": "", "year": "2027", "hnte": "1", "tsme": "1"}
        )
        assert resp.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {"/api/v1" + p.replace("{", "<int:").replace("}", ">") for p in spec["paths"]}
    # every API route is documented; the documentation page and its assets are HTML, not operations
    routes = {
        r.rule
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1") and not r.rule.startswith("/api/v1/docs")
    }
    assert routes == documented
