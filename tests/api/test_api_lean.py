"""Issue 15/13: the API's firm list stays lean after its query moved into ``services.firm_summaries``.

Counts and statement texts only (no timings: those live in bench/bench_pages.py).
"""

from __future__ import annotations

from pipeline.services import stamp
from pipeline.services.assessments import refresh_firms
from tests import factories as f
from tests.api.helpers import TODAY, bearer, world  # noqa: F401  (fixture)
from tests.web.test_speed import count_queries


def _cold(client, db, url: str, token: str) -> tuple[list[str], dict]:
    """The statements of one request after a write (every cached value dropped) and its body."""
    assert client.get(url, headers=bearer(token)).status_code == 200  # warm: nothing first-time-only
    stamp.clear()
    with count_queries(db) as seen:
        resp = client.get(url, headers=bearer(token))
    assert resp.status_code == 200
    return seen, resp.get_json()


def test_the_firm_list_reads_flat_columns_in_the_same_queries_at_3_and_at_33_firms(client, world, db):
    token = world["tokens"]["admin"]
    urls = ("/api/v1/firms", "/api/v1/firms?verdict=unassessed&q=科技", "/api/v1/firms?per_page=10&page=2")
    before = {url: _cold(client, db, url, token)[0] for url in urls}
    county = world["counties"]["x"]
    added = [f.firm(county, name=f"新增科技{i}有限公司").id for i in range(30)]
    refresh_firms(added[:20], TODAY)
    db.session.commit()
    for url, at_3 in before.items():
        seen, body = _cold(client, db, url, token)
        assert len(seen) == len(at_3) == 4, seen  # the token's user, the data stamp, the count, the page
        assert not any("assessment.result" in q for q in seen)  # no assessment JSON is read per row
        assert [q.split()[0] for q in seen] == ["SELECT"] * 4
    _, everything = _cold(client, db, "/api/v1/firms?per_page=200", token)
    assert everything["total"] == 33 and [r["id"] for r in everything["items"]] == sorted(
        r["id"] for r in everything["items"]
    )
    _, unassessed = _cold(client, db, "/api/v1/firms?verdict=unassessed", token)
    assert unassessed["total"] == 10  # the 30 added, 20 of them assessed


def test_one_firm_reads_its_assessment_roadmap_and_county_and_its_milestones_in_one_query(client, world, db):
    token, own = world["tokens"]["officer"], world["firms"]["own"]
    seen, body = _cold(client, db, f"/api/v1/firms/{own.id}", token)
    assert body["county"] == "海州区" and body["verdict"] == "marginal" and body["target_batch"] == "2027-1"
    assert len(seen) == 5, seen  # the token's user, the scoped firm, its assessment, roadmap and county
    seen, body = _cold(client, db, f"/api/v1/firms/{own.id}/roadmap", token)
    assert [m["code"] for m in body["milestones"]] == ["ip.file.utility_model"]
    assert len(seen) == 5, seen  # the token's user, the firm, assessment, roadmap, all milestones at once
